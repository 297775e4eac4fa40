"""Catalog: indexing through events, folded text search, the allowed index."""
import pytest

from cityportal import api
from cityportal.catalog.catalog import allowed_principals
from cityportal.catalog.query import search, text_query


class FakeIdentity:
    def __init__(self, userid, roles=(), is_staff=True):
        self.userid = userid
        self.roles = roles
        self.is_staff = is_staff
        self.active = True


@pytest.fixture
def site(registry):
    """A fresh bootstrapped site in memory with the real registry (events on)."""
    import transaction
    from ZODB import DB
    from ZODB.MappingStorage import MappingStorage
    from cityportal.root import bootstrap
    db = DB(MappingStorage())
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    root = bootstrap(conn.root(), registry)
    yield root
    tm.abort()
    conn.close()
    db.close()


class FakeRequest:
    """Just what catalog.query.search uses: identity, root, has_permission."""

    def __init__(self, registry, root, identity):
        from cityportal.security import SecurityPolicy
        self.registry = registry
        self.root = root
        self.identity = identity
        self.policy = SecurityPolicy(lambda r, u: identity)

    def has_permission(self, permission, context):
        return self.policy.permits(self, context, permission)


def request_for(registry, root, identity=None):
    return FakeRequest(registry, root, identity)


def add_category(registry, root, title, description=''):
    return api.content.create(root['servicii'], 'Category', registry=registry,
                              title=title, description=description)


def test_added_content_is_indexed_and_removed_unindexed(registry, site):
    cat = add_category(registry, site, 'Stare civilă', 'Certificate de naștere')
    catalog = site.catalog
    assert catalog.docid_for(cat) is not None
    api.content.delete(cat, registry=registry)
    assert catalog.docid_for(cat) is None


@pytest.mark.parametrize('query', ['nastere', 'naștere', 'naştere', 'NAȘTERE', 'naș'])
def test_text_search_folds_diacritics(registry, site, query):
    add_category(registry, site, 'Stare civilă', 'Certificate de naștere')
    add_category(registry, site, 'Taxe', 'Impozit pe clădiri')
    req = request_for(registry, site)
    res = search(req, site, text=query)
    assert [o.title for o in res.items] == ['Stare civilă']


def test_cedilla_in_indexed_text_found_by_comma_query(registry, site):
    add_category(registry, site, 'Şcoli şi grădiniţe')   # cedilla forms in the data
    req = request_for(registry, site)
    assert search(req, site, text='școli grădinițe').total == 1


@pytest.mark.parametrize('q', ['', '   ', '"', '"unbalanced', "'; DROP TABLE x;--",
                               '<script>alert(1)</script>', 'and or not', '*', '((', 'x' * 10000,
                               'AND', 'nastere AND', '\x00'])
def test_any_query_string_is_safe(registry, site, q):
    add_category(registry, site, 'Stare civilă', 'Certificate de naștere')
    req = request_for(registry, site)
    res = search(req, site, text=q)
    assert res.total >= 0


def test_text_query_builder():
    assert text_query('Certificat de URBANISM!') == 'certificat* de urbanism*'
    assert text_query('sesizare') == text_query('Sesizări') == 'sesizar*'
    assert text_query('and or') is None
    assert text_query('') is None


def test_edit_reindexes(registry, site):
    cat = add_category(registry, site, 'Vechi')
    api.content.edit(cat, registry=registry, title='Nou titlu')
    req = request_for(registry, site)
    assert search(req, site, text='nou').total == 1
    assert search(req, site, text='vechi').total == 0


def test_listing_never_shows_private_content(registry, site):
    """Staff accounts live in a private folder: only managers find them."""
    api.user.create(site, 'ana', 'o-parola-lunga', 'Ana Popescu', registry=registry)
    anon = request_for(registry, site)
    editor = request_for(registry, site, FakeIdentity('ed', ('Editor',)))
    manager = request_for(registry, site, FakeIdentity('boss', ('Manager',)))
    assert search(anon, site, text='popescu').total == 0
    assert search(editor, site, text='popescu').total == 0
    res = search(manager, site, text='popescu')
    assert res.total == 1 and res.items[0].title == 'Ana Popescu'


def test_allowed_index_follows_local_roles(registry, site):
    """A department-local role is visible only below that department."""
    from cityportal.folder import Folder
    from cityportal.security import private_acl
    dep = api.content.create(site['departamente'], 'Department', registry=registry,
                             title='Urbanism')
    secret = Folder('Registru intern')
    secret.__acl__ = private_acl(('Allow', 'role:Clerk', 'view'))
    dep.add('intern', secret, registry=registry)
    assert 'u:ana' not in allowed_principals(secret)
    api.user.grant_local_roles(dep, 'ana', ['Clerk'], registry=registry)
    assert 'u:ana' in allowed_principals(secret)
    ana = request_for(registry, site, FakeIdentity('ana'))
    other = request_for(registry, site, FakeIdentity('ion'))
    assert search(ana, site, text='registru').total == 1
    assert search(other, site, text='registru').total == 0


def test_sorted_paging_through_catalog(registry, site):
    for i in range(30):
        add_category(registry, site, 'Categoria %02d' % i)
    req = request_for(registry, site)
    from pyramid.traversal import resource_path
    res = search(req, site, sort='title', offset=10, limit=5,
                 parent=resource_path(site['servicii']))
    assert res.total == 30
    assert [o.title for o in res.items] == ['Categoria %02d' % i for i in range(10, 15)]
    res = search(req, site, sort='title', reverse=True, offset=0, limit=2,
                 parent=resource_path(site['servicii']))
    assert [o.title for o in res.items] == ['Categoria 29', 'Categoria 28']



def test_audit_log_shards_merge_back_in_time_order():
    from cityportal.audit import SHARDS, AuditLog
    log = AuditLog()
    for i in range(500):
        log.append('a%d' % i, actor='x' if i % 2 else 'y')
    shards = {k >> 56 for k in log.entries.keys()}
    assert len(shards) > SHARDS // 2
    assert sum(1 for tree in log.trees if len(tree)) == len(shards)     # a tree per shard
    assert [e['action'] for e in log.latest(4)] == ['a499', 'a498', 'a497', 'a496']
    assert [e['action'] for e in log.latest(2, actor='y')] == ['a498', 'a496']
    assert len(log.latest(1000)) == 500
    # an older log's keys (the second, then random bits) get the new layout
    from BTrees.LOBTree import LOBTree
    from cityportal.audit import Entry
    old = AuditLog.__new__(AuditLog)
    old.__dict__['entries'] = LOBTree()          # the first layout: one tree
    for i, key in enumerate((1700000000 << 32 | 5, 1700000001 << 32 | 1)):
        old.__dict__['entries'][key] = Entry(when=1700000000 + i, action='old%d' % i)
    assert old.rekey() == 2
    assert 'entries' not in old.__dict__
    assert [e['action'] for e in old.latest(5)] == ['old1', 'old0']
    assert all(k < 2 ** 62 for k in old.entries.keys()) and len(old) == 2


def test_outbox_finds_a_message_by_its_key_and_keeps_one_per_key():
    from cityportal.bus.outbox import Outbox, message_id
    box = Outbox()
    first = box.enqueue('registry.register', {'n': 1}, key='registry.register:TM-2026-000001')
    again = box.enqueue('registry.register', {'n': 2}, key='registry.register:TM-2026-000001')
    assert again is first and len(box) == 1 and first.payload == {'n': 1}
    assert first.id == message_id('registry.register:TM-2026-000001')
    assert box.find('registry.register:TM-2026-000001') is first
    assert box.find('registry.register:TM-2026-000002') is None
    # a (never seen) clash of 62 bits: another key's message where 'x' would go
    box.messages[message_id('x')] = first
    made = box.enqueue('k', {}, key='x')
    assert made.id == message_id('x') + 1 and box.find('x') is made


def test_retry_backoff_doubles_and_stays_random():
    from cityportal.retry import backoff_delay
    assert backoff_delay(0, 0.005, rnd=lambda: 1.0) == 0.005
    assert backoff_delay(3, 0.005, rnd=lambda: 1.0) == 0.04
    assert backoff_delay(2, 0.005, rnd=lambda: 0.0) == 0


def test_turnstile_lets_a_late_attempt_pass_alone():
    import threading
    import time
    from cityportal.retry import Turnstile
    gate = Turnstile()
    log = []
    inside = threading.Event()
    release = threading.Event()

    def long_request():
        with gate.shared():
            log.append('long in')
            inside.set()
            release.wait(5)
            log.append('long out')

    def late_attempt():
        with gate.alone(5) as alone:
            log.append('alone %s' % alone)

    def newcomer():
        with gate.shared():
            log.append('new')
    t1 = threading.Thread(target=long_request)
    t1.start()
    inside.wait(5)
    t2 = threading.Thread(target=late_attempt)
    t2.start()
    time.sleep(0.05)
    t3 = threading.Thread(target=newcomer)     # arrives while the late attempt waits
    t3.start()
    time.sleep(0.05)
    assert log == ['long in']
    release.set()
    for t in (t1, t2, t3):
        t.join(5)
    assert log == ['long in', 'long out', 'alone True', 'new']
    # a request in progress that takes too long is not waited for
    log.clear()
    inside.clear()
    release.clear()
    t1 = threading.Thread(target=long_request)
    t1.start()
    inside.wait(5)
    with gate.alone(0.05) as alone:
        assert alone is False
    release.set()
    t1.join(5)
    with gate.alone(0.05) as alone:
        assert alone is True
