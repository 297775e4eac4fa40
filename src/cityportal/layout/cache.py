"""A per-process cache of anonymous public pages, invalidated by content changes.

What is cached: GET requests without a session (anonymous visitors) to views
that opt in with :func:`cacheable` (the home page, listings, content pages),
answered 200 with no cookie set. Pages with forms never opt in: they carry a
visitor's own CSRF token.

Invalidation: the root holds ``content_generation``, a conflict-free counter
(``BTrees.Length``) bumped by every object event (add, remove, modify, local
roles). An entry is valid only for the generation it was rendered at, so a
change made by any process (ZEO, RelStorage) invalidates every process's
pages on their next request. Entries are also keyed by the UI language.
"""
import threading
from collections import OrderedDict

from pyramid.response import Response

ENVIRON_KEY = 'cityportal.cacheable'
MAX_BODY = 512 * 1024


def cacheable(request):
    """Called by a view whose anonymous rendering may be shared with others."""
    request.environ[ENVIRON_KEY] = True


class PageCache:
    def __init__(self, max_entries):
        self.enabled = True      # the benchmarks switch it off to time rendering
        self.max_entries = max_entries
        self.entries = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key, generation):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != generation:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key, generation, status, headers, body):
        with self.lock:
            self.entries[key] = (generation, status, headers, body)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()


def content_generation(root):
    counter = getattr(root, 'content_generation', None)
    return counter() if counter is not None else None


#: the root's folders whose content never shows on a public page: the citizens'
#: dossiers and cases, the integrations' outbox. Their changes (a submission,
#: a clerk's step) leave the cached pages valid: under a burst of submissions
#: the cache would otherwise be emptied by each one.
PRIVATE_FOLDERS = frozenset({'dosare', 'integrari'})


def bump_generation(event):
    """A change to public content: invalidate every cached page."""
    from pyramid.location import lineage
    from ..interfaces import IPortalRoot
    below = None
    for res in lineage(event.object):
        if IPortalRoot.providedBy(res):
            if below is not None and below.__name__ in PRIVATE_FOLDERS:
                return
            counter = getattr(res, 'content_generation', None)
            if counter is not None:
                counter.change(1)
            return
        below = res


def page_cache_tween_factory(handler, registry):
    settings = registry.settings
    max_entries = int(settings.get('cityportal.page_cache_entries', 2000))
    if max_entries <= 0:
        return handler
    cache = registry.cityportal_page_cache = PageCache(max_entries)
    session_cookie = settings.get('cityportal.session_cookie', 'cp_session')

    def page_cache_tween(request):
        if request.method != 'GET' or session_cookie in request.cookies \
                or not cache.enabled:
            return handler(request)
        from ..root import root_factory
        root = root_factory(request)
        generation = content_generation(root)
        if generation is None or root._p_jar is None:   # no site yet: being built
            return handler(request)
        # the database is part of the key: another database (a test's, a
        # restored backup) may reach the same generation number
        key = (id(root._p_jar.db()), request.locale_name, request.path_qs)
        entry = cache.get(key, generation)
        if entry is not None:
            _, status, headers, body = entry
            return Response(body=body, status=status, headerlist=list(headers))
        response = handler(request)
        if (request.environ.get(ENVIRON_KEY) and response.status_int == 200 and
                'Set-Cookie' not in response.headers and
                getattr(request, 'exception', None) is None):
            body = response.body
            if len(body) <= MAX_BODY:
                cache.put(key, generation, response.status,
                          tuple(response.headerlist), body)
        return response

    return page_cache_tween
