"""Shared plumbing of the benchmarks: paths, settings, the apps, the data.

Everything the benchmarks write lives under bench/out/ (gitignored): the
FileStorage with the demo site, the full service catalog of
schemas/services/ (as `make seed` builds it: demo departments and staff,
no demo services) plus a folder of 100,000 children, its blobs directory
and a ``var`` directory. Nothing here touches the project's var/.

The data is built with the real application (its registry, so the demo
content and the imported services go through the events and the catalog)
and reused on later runs.
"""
import hashlib
import os
import sys
import time
import warnings

# pyramid 2.1 imports pkg_resources (see ../shared/STACK.md, trap 1): quiet
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

from persistent import Persistent  # noqa: E402

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
PROJECT_DIR = os.path.dirname(BENCH_DIR)
OUT_DIR = os.path.join(BENCH_DIR, 'out')
DATA_FS = os.path.join(OUT_DIR, 'Data.fs')
BLOBS_DIR = os.path.join(OUT_DIR, 'blobs')
VAR_DIR = os.path.join(OUT_DIR, 'var')

LISTING_NAME = 'bench-listing'
N_CHILDREN = 100_000
BATCH = 10_000
PER_PAGE = 50          # cityportal.content.views.PER_PAGE
DEEP_PAGE = 500

#: a representative service sheet of the imported catalog ("detail: full":
#: every section, 5 documents, a computed fee, legal basis, deadline)
SHEET_PATH = '/servicii/urbanism-si-constructii/certificat-urbanism-construire/'
SHEET_TITLE = 'Certificat de urbanism pentru lucrări de construire sau desființare'
SEARCH_PATH = '/servicii/@@cautare'
SEARCH_QS = 'q=certificat'

#: (label, path, query string, a text the page must contain)
PORTAL_PAGES = (
    ('home', '/', '', 'Categorii de servicii'),
    ('listing p1', '/%s/' % LISTING_NAME, '', 'Cerere 000050'),
    ('listing p500', '/%s/' % LISTING_NAME, 'page=%d' % DEEP_PAGE,
     'Cerere %06d' % (DEEP_PAGE * PER_PAGE)),
    ('sheet', SHEET_PATH, '', SHEET_TITLE),
    ('search', SEARCH_PATH, SEARCH_QS, 'servicii găsite'),
)
BARE_PAGE = ('bare hello', '/', '', 'Hello World!')


def child_name(i):
    return 'cerere-%06d' % i


def child_title(i):
    return 'Cerere %06d' % i


def zodb_uri(cache_size=20000):
    """The bench storage; 20,000 objects per connection as in etc/development.ini."""
    return ('file://%s?blobstorage_dir=%s&connection_cache_size=%d'
            % (DATA_FS, BLOBS_DIR, cache_size))


def portal_settings(reload_templates=False, cache_size=20000):
    """Settings like etc/development.ini, on the bench storage.

    ``pyramid.reload_templates`` is false by default (as in production.ini):
    development.ini turns it on, which makes Chameleon stat the template
    files on every render; pass ``reload_templates=True`` to measure that.
    """
    os.makedirs(VAR_DIR, exist_ok=True)
    return {
        'pyramid.reload_templates': 'true' if reload_templates else 'false',
        'pyramid.debug_authorization': 'false',
        'pyramid.debug_notfound': 'false',
        'pyramid.default_locale_name': 'ro',
        'zodbconn.uri': zodb_uri(cache_size),
        'retry.attempts': '3',
        'tm.manager_hook': 'pyramid_tm.explicit_manager',
        'cityportal.var': VAR_DIR,
        'cityportal.secret': 'bench-secret-not-for-production',
        'cityportal.session_timeout': '900',
        'cityportal.secure_cookies': 'false',
    }


def make_portal_app(reload_templates=False, cache_size=20000):
    import cityportal
    return cityportal.main({}, **portal_settings(reload_templates, cache_size))


def make_bare_app():
    """Pyramid's hello world (same Pyramid, no ZODB, no templates)."""
    from pyramid.config import Configurator
    from pyramid.response import Response

    def hello_world(request):
        return Response('Hello World!')

    with Configurator() as config:
        config.add_route('hello', '/')
        config.add_view(hello_world, route_name='hello')
    return config.make_wsgi_app()


def session_token(conn, userid, session_key):
    """A server-side session for ``userid`` in ``conn``'s store, never idle during a
    bench: the token its cookie (``cp_session``) carries."""
    import secrets
    import time
    from cityportal.sessions import SessionData, _key, get_store
    token = secrets.token_urlsafe(32)
    record = SessionData(time.time() + 10 ** 7)
    record.data = {'userid': userid, 'skey': session_key}
    get_store(conn).sessions[_key(token)] = record
    return token


def log(msg):
    sys.stderr.write(msg + '\n')
    sys.stderr.flush()


def services_dir():
    from cityportal.services.definitions import default_directory
    return default_directory()


CATALOG_STAMP = os.path.join(OUT_DIR, 'catalog.stamp')


#: the code that turns a definition into a Service: a change re-imports too
IMPORT_CODE = ('definitions.py', 'importer.py', 'resources.py')


def catalog_fingerprint(directory=None):
    """A hash of every file of schemas/services/ and of the import code
    (a changed definition, or a change to what the importer writes, re-imports)."""
    import cityportal.services
    directory = directory or services_dir()
    files = [os.path.join(directory, name) for name in sorted(os.listdir(directory))
             if name.endswith(('.yaml', '.json'))]
    code_dir = os.path.dirname(os.path.abspath(cityportal.services.__file__))
    files += [os.path.join(code_dir, name) for name in IMPORT_CODE]
    h = hashlib.sha1()
    for path in files:
        if os.path.isfile(path):
            h.update(os.path.basename(path).encode('utf-8') + b'\0')
            with open(path, 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


def count_services(root):
    from cityportal.interfaces import IService
    return sum(1 for category in root['servicii'].values()
               for obj in category.values() if IService.providedBy(obj))


def _read_stamp():
    try:
        with open(CATALOG_STAMP) as f:
            fingerprint, count = f.read().split()
            return fingerprint, int(count)
    except (OSError, ValueError):
        return None, None


def ensure_catalog(root, registry, tm):
    """Import the full service catalog (schemas/services/) into the bench site.

    Idempotent and cheap when nothing changed: bench/out/catalog.stamp holds
    the fingerprint of the definition files and the number of services the
    last import left in the storage; when both still match (and the bench's
    sample sheet exists) nothing is loaded. Otherwise, as `make seed` does
    (``cityportal-seed --demo --catalog``), the site gets the catalog instead
    of the few demo services: demo services that are not catalog services
    are deleted (a storage built before the catalog existed), the demo
    categories take the catalog's titles and descriptions, and
    ``import_catalog(root, load_directory(), registry)`` creates or updates
    the rest (events and catalog indexing included). Returns the number of
    services in the site.
    """
    from cityportal import api
    from cityportal.demo import CATEGORIES, SERVICES
    from cityportal.services.definitions import load_directory
    from cityportal.services.importer import import_catalog

    fingerprint = catalog_fingerprint()
    stamp_fp, stamp_count = _read_stamp()
    tm.begin()
    try:
        sheet = root['servicii'].get('urbanism-si-constructii')
        sheet = sheet.get('certificat-urbanism-construire') if sheet is not None else None
        if stamp_fp == fingerprint and sheet is not None \
                and count_services(root) == stamp_count:
            return stamp_count
    finally:
        tm.abort()
    log('importing the service catalog from %s into %s (once; reused later)'
        % (services_dir(), DATA_FS))
    t0 = time.time()
    catalog = load_directory()
    for problem in catalog.problems:
        log('  %s' % problem)
    tm.begin()
    folder = root['servicii']
    removed = 0
    for category_name, title, *_ in SERVICES:
        name = api.content.slugify(title)
        category = folder.get(category_name)
        if category is not None and name in category and name not in catalog.services:
            api.content.delete(category[name], registry=registry)
            removed += 1
    demo_titles = {name: (title, description) for name, title, description in CATEGORIES}
    for cat in catalog.categories:
        category = folder.get(cat['id'])
        if category is not None and (category.title, category.description) \
                == demo_titles.get(cat['id']):
            api.content.edit(category, registry=registry, title=cat['title'],
                             description=cat.get('description', ''))
    summary = import_catalog(root, catalog, registry)
    tm.commit()
    tm.begin()
    count = count_services(root)
    tm.abort()
    log('  %d demo services removed; import: %s; %d services (%.1f s)'
        % (removed, summary.line(), count, time.time() - t0))
    with open(CATALOG_STAMP, 'w') as f:
        f.write('%s %d\n' % (fingerprint, count))
    return count


def ensure_data(n=N_CHILDREN):
    """Build bench/out/Data.fs if it is missing or incomplete; reuse it otherwise.

    The site is bootstrapped and seeded with the app's registry (events and
    catalog run for the small demo data: departments and staff, no demo
    services) and the full service catalog is imported (:func:`ensure_catalog`).
    The listing folder is a plain ``cityportal.folder.Folder`` in the portal
    root; its children are ``cityportal.content.Item`` objects added with
    ``registry=None`` (no events, so not catalogued: the listing's default
    order pages the folder's BTree and never asks the catalog).
    """
    import transaction
    from cityportal.content import Item
    from cityportal.demo import seed
    from cityportal.folder import Folder
    from cityportal.root import bootstrap

    os.makedirs(OUT_DIR, exist_ok=True)
    app = make_portal_app()
    registry = app.registry
    db = registry._zodb_databases['']
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    try:
        tm.begin()
        root = bootstrap(conn.root(), registry)
        seed(root, registry, services=False)
        tm.commit()
        # a storage built by an older version: bring it to the current
        # generation (e.g. the folder paging index)
        from cityportal import evolve
        tm.begin()
        evolve.evolve(root, registry, tm=tm)
        folder = root.get(LISTING_NAME)
        if folder is None:
            folder = Folder('Listare de test (%d de elemente)' % n)
            root.add(LISTING_NAME, folder, registry=registry)
        tm.commit()
        ensure_catalog(root, registry, tm)
        tm.begin()
        have = len(folder)
        tm.abort()
        if have >= n:
            return have
        log('building %s: %d children to add (once; reused later)' % (DATA_FS, n - have))
        t0 = time.time()
        i = 1
        while i <= n:
            tm.begin()
            stop = min(n, i + BATCH - 1)
            for j in range(i, stop + 1):
                name = child_name(j)
                if name not in folder:
                    folder.add(name, Item(title=child_title(j)), registry=None)
            tm.commit()
            conn.cacheMinimize()
            log('  %6d/%d (%.1f s)' % (stop, n, time.time() - t0))
            i = stop + 1
        # read the count in a new transaction: outside one, an explicit-mode
        # connection still loads ghosts from its last snapshot (stale)
        tm.begin()
        return len(folder)
    finally:
        try:
            tm.abort()
        except Exception:
            pass
        conn.close()
        db.close()


# Reference points for the breakdown ------------------------------------

TEMPLATES_DIR = os.path.join(BENCH_DIR, 'templates')
MINIMAL_PT = os.path.join(TEMPLATES_DIR, 'minimal.pt')          # one line
MASTER_ONLY_PT = os.path.join(TEMPLATES_DIR, 'master_only.pt')  # master, empty slot

#: (label, path, query string, expected text) of the breakdown rows
ZODB_MINIMAL_PAGE = ('zodb minimal', '/', '', '<h1>Bench</h1>')
BREAKDOWN_PAGES = (
    ('portal plain', '/@@bench-plain', '', 'plain'),
    ('portal 1-line', '/@@bench-minimal', '', '<h1>Primăria'),
    ('portal master', '/@@bench-master', '', 'Portalul Unic'),
)


class BenchRoot(Persistent):
    """The root resource of the minimal Pyramid + ZODB app."""
    __name__ = ''
    __parent__ = None

    def __init__(self, title):
        self.title = title


def make_zodb_minimal_app():
    """A minimal Pyramid + ZODB app: pyramid_tm, pyramid_zodbconn (in-memory
    storage), traversal from a persistent root, one view with a one-line
    Chameleon template. The issue's 'minimal Pyramid+ZODB view' reference."""
    import transaction
    from pyramid.config import Configurator
    from pyramid_zodbconn import get_connection

    def root_factory(request):
        return get_connection(request).root()['app']

    def view(context, request):
        return {'title': context.title}

    settings = {'zodbconn.uri': 'memory://', 'tm.manager_hook': 'pyramid_tm.explicit_manager',
                'pyramid.reload_templates': 'false'}
    with Configurator(settings=settings, root_factory=root_factory) as config:
        config.include('pyramid_tm')
        config.include('pyramid_zodbconn')
        config.include('pyramid_chameleon')
        config.add_view(view, context=BenchRoot, renderer=MINIMAL_PT)
    app = config.make_wsgi_app()
    db = app.registry._zodb_databases['']
    tm = transaction.TransactionManager()
    conn = db.open(transaction_manager=tm)
    conn.root()['app'] = BenchRoot('Bench')
    tm.commit()
    conn.close()
    return app


def add_breakdown_views(app):
    """Register three views on the portal's root, to split its costs:

    @@bench-plain    a plain Response: tweens, ZODB connection, root, security
    @@bench-minimal  the same with a one-line template
    @@bench-master   the site's master template with an empty content slot
    """
    from pyramid.config import Configurator
    from pyramid.response import Response
    from cityportal.interfaces import IPortalRoot
    from cityportal.security import VIEW

    def plain(context, request):
        return Response('plain')

    def minimal(context, request):
        return {'title': context.title}

    def master(context, request):
        return {}

    config = Configurator(registry=app.registry)
    config.add_view(plain, context=IPortalRoot, name='bench-plain', permission=VIEW)
    config.add_view(minimal, context=IPortalRoot, name='bench-minimal', permission=VIEW,
                    renderer=MINIMAL_PT)
    config.add_view(master, context=IPortalRoot, name='bench-master', permission=VIEW,
                    renderer=MASTER_ONLY_PT)
    config.commit()
    return app
