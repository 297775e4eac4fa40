"""Case numbers: TM-2026-000123, unique, allocated without write conflicts.

Numbering per year. Every process reserves a block of numbers (``block``, 10
by default) in a short transaction of its own on the counter, retried there on
a ConflictError, and hands them out from memory under a lock. A submission's
transaction therefore never writes the shared counter: 8 (or 80) concurrent
submitters never conflict on it, in one process or several.

Gap-aware: every reservation is recorded (range, process, time). A number is
unused when its reservation's process stopped before handing it out, or when
the submission that took it was rolled back; :func:`gaps` lists them against
the numbers the catalog knows, so an operator can account for every one.
"""
import os
import random
import threading
import time
import weakref

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from ZODB.POSException import ConflictError

COUNTER_KEY = 'cityportal.case_numbers'
DEFAULT_BLOCK = 10
MAX_ATTEMPTS = 50


class CaseNumbers(Persistent):
    """The shared counter: the next free number and the reservations, per year."""

    def __init__(self):
        self.next = OOBTree()            # year -> next unreserved number
        self.reservations = OOBTree()    # year -> PersistentList of (first, last, who, when)

    def reserve(self, year, size, who):
        first = self.next.get(year, 1)
        last = first + size - 1
        self.next[year] = last + 1
        log = self.reservations.get(year)
        if log is None:
            log = self.reservations[year] = PersistentList()
        log.append((first, last, who, time.time()))
        return first, last


def format_number(prefix, year, n):
    return '%s-%d-%06d' % (prefix, year, n)


class Allocator:
    """Hands out numbers of one database from reserved blocks (thread-safe)."""

    def __init__(self, db, block=DEFAULT_BLOCK):
        self.db = db
        self.block = block
        self._lock = threading.Lock()
        self._pools = {}         # year -> [next, last]
        self.conflicts = 0       # retried reservations (for the bench and operators)
        self.who = '%s:%d' % (os.uname().nodename, os.getpid())

    def allocate(self, year):
        with self._lock:
            pool = self._pools.get(year)
            if pool is None or pool[0] > pool[1]:
                pool = self._pools[year] = list(self._reserve(year))
            n = pool[0]
            pool[0] += 1
            return n

    def _reserve(self, year):
        import transaction
        for attempt in range(MAX_ATTEMPTS):
            tm = transaction.TransactionManager(explicit=True)
            conn = self.db.open(transaction_manager=tm)
            try:
                tm.begin()
                root = conn.root()
                counter = root.get(COUNTER_KEY)
                if counter is None:
                    counter = root[COUNTER_KEY] = CaseNumbers()
                reserved = counter.reserve(year, self.block, self.who)
                tm.get().note('cityportal: case numbers %d-%d/%d' % (
                    reserved[0], reserved[1], year))
                tm.commit()
                return reserved
            except ConflictError:
                tm.abort()
                self.conflicts += 1
                time.sleep(random.uniform(0, 0.005 * (attempt + 1)))
            finally:
                conn.close()
        raise RuntimeError('could not reserve case numbers after %d attempts' % MAX_ATTEMPTS)


_allocators = weakref.WeakKeyDictionary()
_allocators_lock = threading.Lock()


def allocator_for(db, block=DEFAULT_BLOCK):
    with _allocators_lock:
        alloc = _allocators.get(db)
        if alloc is None:
            alloc = _allocators[db] = Allocator(db, block)
        return alloc


def gaps(zodb_root, year, used):
    """Reserved numbers of ``year`` not in ``used`` (a set of ints), in order."""
    counter = zodb_root.get(COUNTER_KEY)
    if counter is None:
        return []
    missing = []
    for first, last, who, when in counter.reservations.get(year, ()):
        missing.extend(n for n in range(first, last + 1) if n not in used)
    return missing
