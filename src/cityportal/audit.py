"""The site audit log: append-only, who / acting for whom / when / what / from where.

Kept on the root as an attribute, in :data:`SHARDS` BTrees: an entry's key
is a random shard, then the millisecond, then random bits, and the shard
names its tree. A log keyed by time alone takes every entry at its very end, where
two requests appending while the last bucket splits cannot be merged by
ZODB (under a burst of submissions, one conflict in ten); with 64 ends,
concurrent appends rarely meet. :meth:`AuditLog.latest` merges the shards'
newest entries back into one order.
"""
import heapq
import random
import time

from BTrees.LOBTree import LOBTree
from persistent import Persistent
from pyramid.traversal import resource_path

MAX_DETAIL = 500


class Entry(dict):
    """An audit entry: a dict that can be ordered.

    ZODB merges concurrent inserts into one BTree bucket only if it can
    compare the values it finds there; plain dicts cannot be ordered, so two
    requests writing the audit log at the same moment would conflict.
    """

    def _key(self):
        return (self.get('when') or 0, repr(sorted(self.items(), key=repr)))

    def __lt__(self, other):
        return self._key() < _entry_key(other)

    def __gt__(self, other):
        return self._key() > _entry_key(other)

    def __le__(self, other):
        return self._key() <= _entry_key(other)

    def __ge__(self, other):
        return self._key() >= _entry_key(other)

    __hash__ = None


def _entry_key(other):
    return Entry._key(other) if isinstance(other, dict) else (0, repr(other))


SHARD_BITS = 6
SHARDS = 1 << SHARD_BITS
RANDOM_BITS = 14
SHARD_SHIFT = 56
#: the key without its shard: the millisecond, then the random bits
TIME_MASK = (1 << SHARD_SHIFT) - 1


def entry_key(when, shard=None):
    """A new key for an entry made at ``when`` (seconds), in ``shard`` (random if None)."""
    if shard is None:
        shard = random.randrange(SHARDS)
    ms = int(when * 1000) & ((1 << (SHARD_SHIFT - RANDOM_BITS)) - 1)
    return (shard << SHARD_SHIFT) | (ms << RANDOM_BITS) | random.getrandbits(RANDOM_BITS)


class Entries:
    """The log's entries across its shards, read-only (``values()``, ``items()``, ``len``)."""

    def __init__(self, trees):
        self.trees = trees

    def __getitem__(self, key):
        return self.trees[key >> SHARD_SHIFT][key]

    def __len__(self):
        return sum(len(tree) for tree in self.trees)

    def items(self):
        for tree in self.trees:
            yield from tree.items()

    def values(self):
        for tree in self.trees:
            yield from tree.values()

    def keys(self):
        for tree in self.trees:
            yield from tree.keys()


class AuditLog(Persistent):
    """The entries in :data:`SHARDS` trees of their own, one per shard.

    One tree for all would still conflict: BTrees check at commit that every
    tree node an insert walked through is unchanged (``readCurrent``), and a
    bucket split anywhere in the tree changes its root. With a tree per shard,
    two concurrent appends meet only when they draw the same shard.
    """
    trees = None

    def __init__(self):
        self.trees = tuple(LOBTree() for _shard in range(SHARDS))

    @property
    def entries(self):
        return Entries(self.trees)

    def append(self, action, actor=None, target=None, ip=None, on_behalf_of=None,
               **details):
        now = time.time()
        key = entry_key(now)
        while key in self.trees[key >> SHARD_SHIFT]:
            key = entry_key(now)
        entry = Entry(
            when=now, action=action, actor=actor, on_behalf_of=on_behalf_of, target=target,
            ip=ip, details={k: str(v)[:MAX_DETAIL] for k, v in details.items()})
        self.trees[key >> SHARD_SHIFT][key] = entry
        return entry

    def __len__(self):
        return len(self.entries)

    def latest(self, limit=50, action=None, actor=None):
        """The newest entries first, optionally filtered (the shards merged by time)."""
        trees = self.trees
        shards = [reversed(tree.keys()) for tree in trees]
        out, group, current = [], [], None

        def flush():
            # within one millisecond, by the entries' own time (microseconds)
            group.sort(key=lambda e: e['when'] or 0, reverse=True)
            out.extend(group[:limit - len(out)])
            group.clear()
        for key in heapq.merge(*shards, key=lambda k: k & TIME_MASK, reverse=True):
            ms = (key & TIME_MASK) >> RANDOM_BITS
            if ms != current:
                flush()
                if len(out) >= limit:
                    return out
                current = ms
            entry = trees[key >> SHARD_SHIFT][key]
            if action and entry['action'] != action:
                continue
            if actor and entry['actor'] != actor:
                continue
            group.append(entry)
        flush()
        return out

    def rekey(self):
        """Give every entry a key and a tree of this layout (for logs kept by an older one:
        one tree keyed by the second, or one tree cut into shards)."""
        self._p_activate()
        old = self.__dict__.pop('entries', None)       # the older layouts' one tree
        entries = list(old.values()) if old is not None else []
        if self.trees is not None:
            entries.extend(self.entries.values())
        self.trees = tuple(LOBTree() for _shard in range(SHARDS))
        for entry in entries:
            key = entry_key(entry.get('when') or 0)
            while key in self.trees[key >> SHARD_SHIFT]:
                key = entry_key(entry.get('when') or 0)
            self.trees[key >> SHARD_SHIFT][key] = entry
        return len(entries)


def client_address(request):
    """The client's address (waitress' trusted-proxy handling sets REMOTE_ADDR)."""
    return request.remote_addr or request.client_addr


#: ``audit(..., on_behalf_of=NOT_GIVEN)``: fill it from the session
NOT_GIVEN = object()


def audit(request, action, target=None, actor=None, on_behalf_of=NOT_GIVEN, **details):
    """Append an entry for ``request`` to the site audit log.

    ``on_behalf_of`` is the dossier (or its path) the actor acts for. Not
    given, it is the one a citizen chose to act in the name of (the session's
    ``acting_for``, still checked against the dossier's representatives),
    unless ``target`` lies in the citizen's own dossier; None says "for
    nobody else" explicitly.
    """
    log = request.root.audit
    if actor is None:
        identity = request.identity
        actor = identity.userid if identity is not None else None
    if target is not None and not isinstance(target, str):
        target = resource_path(target)
    if on_behalf_of is NOT_GIVEN:
        on_behalf_of = _acting_for(request, target)
    if on_behalf_of is not None and not isinstance(on_behalf_of, str):
        on_behalf_of = resource_path(on_behalf_of)
    return log.append(action, actor=actor, target=target, on_behalf_of=on_behalf_of,
                      ip=client_address(request), **details)


def _acting_for(request, target):
    from .dossiers.representation import represented_dossier
    from .dossiers.views import citizen_of
    represented = represented_dossier(request)
    if represented is None:
        return None
    own = resource_path(request.root['dosare'][citizen_of(request).dossier_name])
    if target is not None and (target == own or target.startswith(own + '/')):
        return None      # on their own dossier a citizen acts for themselves
    return represented
