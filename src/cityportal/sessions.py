"""Server-side sessions kept in ZODB.

The browser holds only a random token in an HttpOnly cookie; the store keys
sessions by the token's SHA-256, so a copy of the database holds no usable
session. Logging out deletes the server-side record (a stolen cookie dies
with it); logging in rotates the token (no session fixation). Sessions end
after an idle timeout and after an absolute lifetime.

The store lives at the ZODB root under ``cityportal.sessions``, beside the
application root, so listings and the catalog never see it. The access time
is written at most once a minute, and concurrent touches of one session
resolve without a ConflictError.
"""
import hashlib
import re
import secrets
import time

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.interfaces import ISession
from zope.interface import implementer

STORE_KEY = 'cityportal.sessions'
TOUCH_INTERVAL = 60
_TOKEN = re.compile(r'^[A-Za-z0-9_-]{32,128}$')
PURGE_ONE_IN = 200


class SessionData(Persistent):
    def __init__(self, now):
        self.created = now
        self.accessed = now
        self.data = {}

    def _p_resolveConflict(self, old, committed, new):
        # Two requests touched the access time concurrently: keep the later
        # time; any other difference is a real conflict.
        if committed['data'] == new['data'] == old['data'] and \
                committed['created'] == new['created']:
            merged = dict(new)
            merged['accessed'] = max(committed['accessed'], new['accessed'])
            return merged
        raise ValueError('conflicting session data')


class SessionStore(Persistent):
    def __init__(self):
        self.sessions = OOBTree()

    def purge(self, now, idle, lifetime):
        """Delete expired sessions; return how many went."""
        dead = [k for k, s in self.sessions.items()
                if s.accessed + idle < now or s.created + lifetime < now]
        for k in dead:
            del self.sessions[k]
        return len(dead)


def get_store(conn, create=True):
    root = conn.root()
    store = root.get(STORE_KEY)
    if store is None and create:
        store = root[STORE_KEY] = SessionStore()
    return store


def _key(token):
    return hashlib.sha256(token.encode('ascii')).hexdigest()


@implementer(ISession)
class ZODBSession(dict):
    """A dict-like session bound to one request (Pyramid's ISession)."""

    def __init__(self, request, options):
        super().__init__()
        self.request = request
        self.options = options
        self._token = None
        self._record = None
        self._dirty = False
        self._cookie_pending = False
        self.expired = False
        self.new = True
        self.created = time.time()
        token = request.cookies.get(options['cookie_name'])
        if token and _TOKEN.match(token):
            self._load(token)

    # persistence ------------------------------------------------------

    def _store(self, create=True):
        from pyramid_zodbconn import get_connection
        return get_store(get_connection(self.request), create=create)

    def _load(self, token):
        store = self._store(create=False)
        record = store.sessions.get(_key(token)) if store is not None else None
        if record is None:
            return
        now = time.time()
        if (record.accessed + self.options['timeout'] < now or
                record.created + self.options['lifetime'] < now):
            self.expired = bool(record.data.get('userid'))
            del store.sessions[_key(token)]
            self._expire_cookie()
            return
        self._token = token
        self._record = record
        self.new = False
        self.created = record.created
        dict.update(self, record.data)
        if now - record.accessed > TOUCH_INTERVAL:
            record.accessed = now

    def _save(self):
        if not self._dirty:
            return
        self._dirty = False
        if self._record is None:
            if not dict.__len__(self):
                return
            self._token = secrets.token_urlsafe(32)
            now = time.time()
            self._record = SessionData(now)
            store = self._store()
            store.sessions[_key(self._token)] = self._record
            if secrets.randbelow(PURGE_ONE_IN) == 0:
                # sessions nobody presents again expire here (and by the
                # scheduler's purge job once it exists)
                store.purge(now, self.options['timeout'], self.options['lifetime'])
            self._set_cookie()
        self._record.data = dict(self)

    def _set_cookie(self):
        if self._cookie_pending:
            return
        self._cookie_pending = True

        def callback(request, response):
            if self._token is None:
                return
            response.set_cookie(
                self.options['cookie_name'], self._token,
                path='/', httponly=True, secure=self.options['secure'],
                samesite='Lax')
        self.request.add_response_callback(callback)

    def _expire_cookie(self):
        name = self.options['cookie_name']

        def callback(request, response):
            response.delete_cookie(name, path='/')
        self.request.add_response_callback(callback)

    # ISession ------------------------------------------------------------

    def changed(self):
        self._dirty = True
        self._save()

    def invalidate(self):
        if self._token is not None:
            store = self._store(create=False)
            if store is not None:
                store.sessions.pop(_key(self._token), None)
            self._expire_cookie()
        self._token = None
        self._record = None
        dict.clear(self)

    def rotate(self):
        """Give the session a new token, keeping its data (at login)."""
        data = dict(self)
        self.invalidate()
        dict.update(self, data)
        self._dirty = True
        self._record = None
        self._save()
        if self._record is None:   # empty session: make it exist anyway
            self['_rotated'] = True

    def flash(self, msg, queue='', allow_duplicate=True):
        key = '_f_' + queue
        msgs = list(self.get(key, ()))
        if allow_duplicate or msg not in msgs:
            msgs.append(msg)
        self[key] = msgs

    def pop_flash(self, queue=''):
        key = '_f_' + queue
        if key not in self:
            return []
        return self.pop(key)

    def peek_flash(self, queue=''):
        return list(self.get('_f_' + queue, ()))

    def new_csrf_token(self):
        token = secrets.token_hex(20)
        self['_csrft_'] = token
        return token

    def get_csrf_token(self):
        return self.get('_csrft_') or self.new_csrf_token()

    # dict mutators mark the session changed --------------------------------

    def _mutator(name):
        def method(self, *a, **kw):
            result = getattr(dict, name)(self, *a, **kw)
            self.changed()
            return result
        method.__name__ = name
        return method

    __setitem__ = _mutator('__setitem__')
    __delitem__ = _mutator('__delitem__')
    pop = _mutator('pop')
    popitem = _mutator('popitem')
    setdefault = _mutator('setdefault')
    update = _mutator('update')
    clear = _mutator('clear')
    del _mutator


def session_factory_from_settings(settings):
    from pyramid.settings import asbool
    options = {
        'cookie_name': settings.get('cityportal.session_cookie', 'cp_session'),
        'timeout': int(settings.get('cityportal.session_timeout', 15 * 60)),
        'lifetime': int(settings.get('cityportal.session_lifetime', 12 * 3600)),
        'secure': asbool(settings.get('cityportal.secure_cookies', False)),
    }

    def factory(request):
        return ZODBSession(request, options)
    factory.options = options
    return factory
