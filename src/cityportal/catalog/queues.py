"""Work queues: the cases of a scope and state, kept in deadline order.

An inbox page is "the cases of department X in state S, by deadline, 50 at a
time". A hypatia query answers it by intersecting X's set with S's set and
sorting the result: at a million cases that reads every docid of both (tens
of thousands of index buckets for the closed state) and holds them in the
connection cache. :class:`QueueIndex` keeps the answer ready: for each scope
(a department, a service, an assignee; "nobody" for the cases not taken)
and each state, an ``LOBTree`` of sort keys

    deadline day (16 bits) | day filed (16 bits) | docid (31 bits)

each with the case's row: what an inbox shows of it (its path, number,
service, citizen, state, deadline, assignee, moment filed), strings only. So
a page is a walk of 50 keys along one or a few trees (a heap merge for
several states), a count is a ``Length`` kept beside each tree, "late" is a
range of keys below today and "at risk" the range from today to the third
working day, and the page is drawn from the rows without loading a case (a
covering index: a page reads the same few buckets however big the archive). A filter by a second scope (department and assignee) is a key
lookup in that scope's tree: the same case has the same key everywhere.

Why the day filed and not the moment: concurrent submissions of one service
share their deadline; keyed by the moment, they would all be added at the
end of the queue's tree, where ZODB cannot merge two transactions when the
last bucket splits. Within a day the random docid spreads them. Pages show
the cases of one deadline and day in the order they were filed
(:func:`cityportal.cases.inbox.inbox_query` sorts within those groups).

Writes are cheap and merge: a case is in three trees (its department, its
service, its assignee), keys of concurrent submissions differ in their
random docid, and counts are ``Length`` objects, which ZODB merges.

It is a catalog index like the others (``index_doc``, ``unindex_doc``,
``reindex_doc``, ``reset``): the catalog keeps it current from object events.
"""
import datetime
import heapq
from itertools import islice

from BTrees.IOBTree import IOBTree
from BTrees.LOBTree import LOBTree
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent

#: day numbers count from this day (16 bits reach the year 2179)
EPOCH = datetime.date(2000, 1, 1).toordinal()
#: the deadline day of cases without one: after every dated case
NO_DAY = 0xFFFF
DOCID_BITS = 31
DOCID_MASK = (1 << DOCID_BITS) - 1
FILED_SHIFT = DOCID_BITS
DEADLINE_SHIFT = DOCID_BITS + 16

DEPARTMENT = 'department'
SERVICE = 'service'
ASSIGNEE = 'assignee'
#: the assignee "scope" of the cases nobody has taken
NOBODY = ''


def day_number(day):
    """``day`` (a date or datetime) as a 16-bit day number (None: :data:`NO_DAY`)."""
    if day is None:
        return NO_DAY
    if isinstance(day, datetime.datetime):
        day = day.date()
    return min(max(day.toordinal() - EPOCH, 0), NO_DAY - 1)


def sort_key(deadline, filed, docid):
    """The key of a case: its deadline, then the day it was filed, then its docid."""
    return (day_number(deadline) << DEADLINE_SHIFT) | (day_number(filed) << FILED_SHIFT) | docid


def docid_of(key):
    return key & DOCID_MASK


def group_of(key):
    """The (deadline, day filed) part of a key: cases in one group are filed the same day."""
    return key >> FILED_SHIFT


def day_key(day):
    """The smallest key of the cases due on ``day``."""
    return day_number(day) << DEADLINE_SHIFT


class Queue(Persistent):
    """The cases of one scope and state: sort key -> row, with their count.

    The queue object itself never changes after it is made (only its tree and
    its Length do), so concurrent writers never meet on it.
    """

    def __init__(self):
        self.keys = LOBTree()
        self.count = Length(0)

    def add(self, key, row):
        if self.keys.insert(key, row):
            self.count.change(1)
        elif self.keys[key] != row:
            self.keys[key] = row

    def remove(self, key):
        if key in self.keys:
            del self.keys[key]
            self.count.change(-1)

    def __len__(self):
        return self.count()

    def range(self, low=None, high=None):
        """The (key, row) from ``low`` (included) to ``high`` (excluded), in order."""
        if low is None and high is None:
            return self.keys.items()
        if high is None:
            return self.keys.items(min=low)
        return self.keys.items(min=low, max=high, excludemax=True)

    def count_range(self, low=None, high=None):
        if low is None and high is None:
            return self.count()
        return len(self.range(low, high))


class QueueIndex(Persistent):
    """Cases by scope and state in deadline order (see the module's docstring).

    ``discriminator(obj, default)`` returns ``(scopes, state, key_parts, row)``
    of a case to be queued, or ``default``: ``scopes`` is a tuple of
    ``(kind, value)``, ``key_parts`` the ``(deadline, filed)`` of
    :func:`sort_key`, ``row`` what a page shows of the case: a string or a
    tuple of strings (compared, never ordered: ZODB merges concurrent changes
    of a bucket by comparing its values).
    """

    def __init__(self, discriminator):
        self.discriminator = discriminator
        self.reset()

    def reset(self):
        self._queues = OOBTree()       # (kind, value, state) -> Queue
        self._rev = IOBTree()          # docid -> (scopes, state, key)

    # the catalog's side -------------------------------------------------

    def _queue(self, scope, state, create=False):
        name = (scope[0], scope[1], state)
        queue = self._queues.get(name)
        if queue is None and create:
            queue = self._queues[name] = Queue()
        return queue

    def index_doc(self, docid, obj):
        found = self.discriminator(obj, None)
        if found is None:
            self.unindex_doc(docid)
            return
        scopes, state, (deadline, filed), row = found
        entry = (tuple(scopes), state, sort_key(deadline, filed, docid))
        old = self._rev.get(docid)
        if old is not None and old != entry:
            self._remove(old)
        for scope in entry[0]:
            self._queue(scope, state, create=True).add(entry[2], row)
        if old != entry:
            self._rev[docid] = entry

    reindex_doc = index_doc

    def unindex_doc(self, docid):
        old = self._rev.get(docid)
        if old is not None:
            self._remove(old)
            del self._rev[docid]

    def _remove(self, entry):
        scopes, state, key = entry
        for scope in scopes:
            queue = self._queue(scope, state)
            if queue is not None:
                queue.remove(key)

    def indexed_count(self):
        return len(self._rev)

    def entry(self, docid):
        """(scopes, state, key) of ``docid``, or None."""
        return self._rev.get(docid)

    # reading --------------------------------------------------------------

    def queues(self, scope, states):
        """{state: Queue} of ``scope`` (a ``(kind, value)``), for the given states."""
        out = {}
        for state in states:
            queue = self._queue(scope, state)
            if queue is not None:
                out[state] = queue
        return out

    def count(self, scope, states, low=None, high=None):
        return sum(q.count_range(low, high) for q in self.queues(scope, states).values())

    def select(self, scopes, states, low=None, high=None, offset=0, limit=50,
               ids=None, test=None):
        """(total, (key, row) of one page) of the cases in every one of ``scopes``.

        ``scopes``: one or more ``(kind, value)``, all of which a case must be
        in; ``states``: the states wanted; ``low``/``high``: a key range
        (:func:`day_key`); ``ids``: a docid set the cases must be in as well
        (e.g. a text search), walked instead of the queues when it is the
        smaller; ``test(docid)``: a last filter. The page is a list of
        (sort key, row) in order (:func:`docid_of` gives a key's docid);
        ``limit=0`` counts only.
        """
        states = tuple(states)
        per_scope = [self.queues(s, states) for s in scopes]
        if not scopes or any(not q for q in per_scope):
            return 0, []
        # the scope with the fewest cases drives the walk; the others are key lookups
        sizes = [sum(q.count_range(low, high) for q in qs.values()) for qs in per_scope]
        lead = min(range(len(scopes)), key=sizes.__getitem__)
        driver, others = per_scope[lead], per_scope[:lead] + per_scope[lead + 1:]
        if ids is not None and len(ids) < sizes[lead]:
            return self._select_ids(scopes, states, low, high, offset, limit, ids, test)
        if not others and test is None and ids is None:
            streams = [q.range(low, high) for q in driver.values()]
            page = islice(heapq.merge(*streams) if len(streams) > 1 else iter(streams[0]),
                          offset, offset + limit)
            return sizes[lead], list(page)
        lists = []
        for state, queue in driver.items():
            checks = [o[state].keys for o in others if state in o]
            if len(checks) < len(others):
                continue            # one scope has no case in this state
            items = queue.range(low, high)
            if checks:
                items = [i for i in items if all(i[0] in c for c in checks)]
            if ids is not None:
                items = [i for i in items if (i[0] & DOCID_MASK) in ids]
            if test is not None:
                items = [i for i in items if test(i[0] & DOCID_MASK)]
            elif not isinstance(items, list):
                items = list(items)
            lists.append(items)
        total = sum(len(k) for k in lists)
        merged = heapq.merge(*lists) if len(lists) > 1 else iter(lists[0] if lists else ())
        return total, list(islice(merged, offset, offset + limit))

    def _select_ids(self, scopes, states, low, high, offset, limit, ids, test):
        wanted_states = frozenset(states)
        wanted_scopes = set(scopes)
        keys = []
        get = self._rev.get
        for docid in ids:
            entry = get(docid)
            if entry is None or entry[1] not in wanted_states:
                continue
            key = entry[2]
            if (low is not None and key < low) or (high is not None and key >= high):
                continue
            if not wanted_scopes.issubset(entry[0]):
                continue
            if test is not None and not test(docid):
                continue
            keys.append((key, entry[0][0], entry[1]))
        keys.sort()
        page = [(key, self._queue(scope, state).keys[key])
                for key, scope, state in keys[offset:offset + limit]]
        return len(keys), page
