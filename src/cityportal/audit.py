"""The site audit log: append-only, who / acting for whom / when / what / from where.

Kept on the root as an attribute. Entries are keyed by a microsecond
timestamp with a random tail, so concurrent appends land on distinct keys
and BTree conflict resolution merges them.
"""
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


class AuditLog(Persistent):
    def __init__(self):
        self.entries = LOBTree()

    def append(self, action, actor=None, target=None, ip=None, on_behalf_of=None,
               **details):
        now = time.time()
        # the second in the high bits (entries stay in time order, second by
        # second), a random low part: concurrent requests then rarely append
        # side by side at the very end of the log, which ZODB cannot merge
        key = (int(now) << 32) | random.getrandbits(32)
        while key in self.entries:
            key = (int(now) << 32) | random.getrandbits(32)
        entry = Entry(
            when=now, action=action, actor=actor, on_behalf_of=on_behalf_of, target=target,
            ip=ip, details={k: str(v)[:MAX_DETAIL] for k, v in details.items()})
        self.entries[key] = entry
        return entry

    def __len__(self):
        return len(self.entries)

    def latest(self, limit=50, action=None, actor=None):
        """The newest entries first, optionally filtered.

        Keys order the log second by second; within a second, by the entries' time.
        """
        out = []
        group, second = [], None

        def flush():
            group.sort(key=lambda e: e['when'], reverse=True)
            out.extend(group[:limit - len(out)])
            group.clear()
        for key in reversed(self.entries.keys()):
            if second is not None and key >> 32 != second:
                flush()
                if len(out) >= limit:
                    return out
            second = key >> 32
            entry = self.entries[key]
            if action and entry['action'] != action:
                continue
            if actor and entry['actor'] != actor:
                continue
            group.append(entry)
        flush()
        return out


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
