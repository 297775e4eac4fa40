"""What the SP remembers between messages, in ZODB beside the application root.

- pending requests: the AuthnRequest / LogoutRequest ids this browser started,
  keyed by the SHA-256 of a random token held in the browser's ``cp_saml``
  cookie. The ACS accepts a response only InResponseTo one of them, once.
- replay cache: the ids of assertions already used, kept until they expire,
  so the same assertion never logs anyone in twice.
Both are OOBTrees of small records; concurrent inserts of distinct keys merge
through BTree conflict resolution, which needs values it can compare: the
pending requests of a browser are a tuple of tuples, never a dict.
"""
import hashlib
import secrets
import time

from BTrees.OOBTree import OOBTree
from persistent import Persistent

STATE_KEY = 'cityportal.saml'
PENDING_TTL = 15 * 60          # a login page left open this long must start again
MAX_PENDING_PER_BROWSER = 8
REPLAY_MIN_KEEP = 3600         # keep an assertion id at least this long
PURGE_ONE_IN = 50


class SAMLState(Persistent):
    def __init__(self):
        self.pending = OOBTree()    # sha256(token) -> ((request id, kind, relay, created), ...)
        self.seen = OOBTree()       # assertion id -> keep until (epoch seconds)

    # pending requests ------------------------------------------------

    def _entries(self, key):
        """{request id: (kind, relay, created)} of one browser."""
        return {rid: (kind, relay, created)
                for rid, kind, relay, created in self.pending.get(key, ())}

    def _store(self, key, entries):
        if entries:
            self.pending[key] = tuple(sorted(
                (rid, kind, relay, created) for rid, (kind, relay, created) in entries.items()))
        elif key in self.pending:
            del self.pending[key]

    def add_pending(self, token, request_id, kind, relay, now=None):
        now = now or time.time()
        key = _key(token)
        entries = {rid: e for rid, e in self._entries(key).items()
                   if e[2] + PENDING_TTL > now}
        if len(entries) >= MAX_PENDING_PER_BROWSER:
            oldest = sorted(entries, key=lambda rid: entries[rid][2])
            for rid in oldest[:len(entries) - MAX_PENDING_PER_BROWSER + 1]:
                del entries[rid]
        entries[request_id] = (kind, relay, now)
        self._store(key, entries)
        self._maybe_purge(now)

    def take_pending(self, token, request_id, kind, now=None):
        """The (relay) of a live pending request, removing it; None if there is none."""
        if not token or not request_id:
            return None
        now = now or time.time()
        key = _key(token)
        entries = self._entries(key)
        entry = entries.pop(request_id, None)
        if entry is None or entry[0] != kind or entry[2] + PENDING_TTL <= now:
            return None
        self._store(key, entries)
        return entry[1]

    def has_pending(self, token, request_id, kind, now=None):
        if not token or not request_id:
            return False
        now = now or time.time()
        entry = self._entries(_key(token)).get(request_id)
        return entry is not None and entry[0] == kind and entry[2] + PENDING_TTL > now

    # replay cache ----------------------------------------------------

    def seen_before(self, assertion_id, now=None):
        now = now or time.time()
        until = self.seen.get(assertion_id)
        return until is not None and until > now

    def mark_seen(self, assertion_id, not_on_or_after=None, now=None):
        now = now or time.time()
        self.seen[assertion_id] = max(not_on_or_after or 0, now + REPLAY_MIN_KEEP)
        self._maybe_purge(now)

    def purge(self, now=None):
        """Drop expired pending requests and replay entries; return how many went."""
        now = now or time.time()
        dead_seen = [k for k, until in self.seen.items() if until <= now]
        for k in dead_seen:
            del self.seen[k]
        dead_pending = [k for k, entries in self.pending.items()
                        if all(created + PENDING_TTL <= now for *_, created in entries)]
        for k in dead_pending:
            del self.pending[k]
        return len(dead_seen) + len(dead_pending)

    def _maybe_purge(self, now):
        if secrets.randbelow(PURGE_ONE_IN) == 0:
            self.purge(now)


def _key(token):
    return hashlib.sha256(token.encode('ascii', 'replace')).hexdigest()


def get_state(conn):
    root = conn.root()
    state = root.get(STATE_KEY)
    if state is None:
        state = root[STATE_KEY] = SAMLState()
    return state


def new_token():
    return secrets.token_urlsafe(32)
