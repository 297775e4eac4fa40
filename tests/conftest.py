"""Test fixtures: the cookiecutter chain, adapted to ZODB.

    ini_file -> app_settings -> app (one per session, built by main())
    base_storage (session): a MappingStorage bootstrapped and seeded once
    db (per test): a DemoStorage over base_storage, swapped into the app,
        so each test starts from the same seeded site and writes stay in it
    testapp (per test): WebTest through main()'s WSGI app, real commits
    root (per test): a connection of our own on the test's db, to check
        what a request really committed
    dummy_request / make_site: unit-level helpers without ZODB

Integration tests (tests/integration) use the real stand-ins over loopback;
browser tests (tests/browser) a real pserve and Debian's chromium.
"""
import os
import warnings

import pytest
import transaction
from ZODB import DB
from ZODB.DemoStorage import DemoStorage
from ZODB.MappingStorage import MappingStorage

from cityportal.testing import DEMO_PASSWORDS, Browser  # noqa: F401

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)



def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: takes more than a few seconds (CI runs it)')
    config.addinivalue_line('markers', 'browser: drives Debian chromium')


@pytest.fixture(scope='session')
def ini_file():
    return os.path.join(PROJECT, 'etc', 'testing.ini')


@pytest.fixture(scope='session')
def app_settings(ini_file):
    from pyramid.paster import get_appsettings
    return get_appsettings(ini_file)


@pytest.fixture(scope='session')
def app(app_settings):
    from cityportal import main
    return main({}, **app_settings)


@pytest.fixture(scope='session')
def registry(app):
    return app.registry


@pytest.fixture(scope='session')
def base_storage(registry):
    """A seeded site, built once: every test layers a DemoStorage over it."""
    from cityportal import demo
    from cityportal.root import bootstrap
    storage = MappingStorage('base')
    db = DB(storage)
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    root = bootstrap(conn.root(), registry)
    demo.seed(root, registry)
    tm.commit()
    conn.close()
    return storage


@pytest.fixture
def db(app, base_storage):
    database = DB(DemoStorage(base=base_storage, close_base_on_close=False))
    previous = getattr(app.registry, '_zodb_databases', None)
    app.registry._zodb_databases = {'': database}
    yield database
    app.registry._zodb_databases = previous
    database.close()


@pytest.fixture
def testapp(app, db):
    return Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.0.0.1'})


@pytest.fixture
def root(db):
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    from cityportal.root import APP_ROOT_KEY
    app_root = conn.root()[APP_ROOT_KEY]
    yield RootHandle(app_root, tm, conn)
    if tm.isDoomed() or tm._txn is not None:
        tm.abort()
    conn.close()


class RootHandle:
    """The committed site as a test sees it; ``refresh()`` after requests."""

    def __init__(self, app_root, tm, conn):
        self._root = app_root
        self.tm = tm
        self.conn = conn

    def refresh(self):
        self.tm.abort()
        self.tm.begin()
        return self._root

    def commit(self):
        """Commit what the test changed directly; the app sees it next request."""
        self.tm.commit()
        self.tm.begin()

    def __getattr__(self, name):
        return getattr(self._root, name)

    def __getitem__(self, name):
        return self._root[name]

    def __contains__(self, name):
        return name in self._root


@pytest.fixture
def dummy_request(registry):
    from pyramid import testing
    request = testing.DummyRequest()
    request.registry = registry
    return request
