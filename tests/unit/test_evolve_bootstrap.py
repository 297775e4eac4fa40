"""Bootstrap is idempotent; evolution steps run once, in order."""
import transaction
from ZODB import DB
from ZODB.MappingStorage import MappingStorage

from cityportal import evolve
from cityportal.root import APP_ROOT_KEY, bootstrap

TREE = {'servicii', 'departamente', 'dosare', 'documente', 'integrari', 'utilizatori'}


def _open():
    db = DB(MappingStorage())
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    return db, tm, conn


def test_bootstrap_builds_the_tree_once(registry):
    db, tm, conn = _open()
    root = bootstrap(conn.root(), registry)
    assert set(root.keys()) == TREE
    tm.commit()
    tm.begin()
    serials = {name: root[name]._p_serial for name in TREE}
    again = bootstrap(conn.root(), registry)
    assert again is root
    assert not conn._registered_objects    # nothing written by the second run
    assert {n: root[n]._p_serial for n in TREE} == serials
    assert root.generation == evolve.latest_generation()
    tm.abort()
    conn.close()


def test_bootstrap_repairs_a_missing_folder(registry):
    db, tm, conn = _open()
    root = bootstrap(conn.root(), registry)
    root.remove('documente', registry=registry)
    bootstrap(conn.root(), registry)
    assert 'documente' in root
    assert root.catalog.docid_for(root['documente']) is not None


def test_evolve_runs_pending_steps_in_order(registry, monkeypatch):
    db, tm, conn = _open()
    root = bootstrap(conn.root(), registry)
    calls = []
    steps = evolve.STEPS + ((98, lambda r, reg: calls.append(98)),
                            (99, lambda r, reg: calls.append(99)))
    monkeypatch.setattr(evolve, 'STEPS', steps)
    assert [g for g, _ in evolve.pending(root)] == [98, 99]
    assert evolve.evolve(root, registry, tm=tm) == [98, 99]
    assert calls == [98, 99] and root.generation == 99
    assert evolve.evolve(root, registry, tm=tm) == []
    conn.close()


def test_evolve_step_adds_missing_index(registry):
    db, tm, conn = _open()
    root = bootstrap(conn.root(), registry)
    del root.catalog.indexes['decided']
    root.generation = 0
    evolve.evolve(root, registry, tm=tm)
    assert 'decided' in root.catalog.indexes
    assert root.generation == evolve.latest_generation()
    conn.close()


def test_evolve_step_11_work_queues_from_an_old_catalog(registry):
    """A catalog of generation 10 (deadline and number field indexes, field indexes
    keeping the docs without a value) gets its work queues and lighter indexes."""
    import datetime
    from hypatia.field import FieldIndex
    from cityportal.catalog.catalog import NumberIndex, PortalFieldIndex, _date
    from cityportal.catalog import queues
    from cityportal.cases.api import new_draft, submit_case
    from cityportal.testing import make_citizen, valid_cnp
    db, tm, conn = _open()
    root = bootstrap(conn.root(), registry)
    from cityportal import demo
    demo.seed(root, registry)
    service = next(s for c in root['servicii'].values() for s in c.values()
                   if s.department == 'urbanism')
    account, dossier = make_citizen(root, registry, valid_cnp('1900101350011'), 'Ion', 'Pop')
    case = new_draft(dossier, service, account.userid, registry=registry)
    case.answers = {f['name']: 'x' for f in case.form_fields}
    tm.commit()
    tm.begin()
    submit_case(case, db, registry, root, account.userid)
    draft = new_draft(dossier, service, account.userid, registry=registry)
    tm.commit()
    tm.begin()
    catalog = root.catalog
    # the old shape: no queue, a deadline index, the number in a FieldIndex
    del catalog.indexes['queue']
    catalog.indexes['deadline'] = FieldIndex(_date('deadline'))
    catalog.indexes['number'] = FieldIndex(lambda obj, default: default)
    for index in catalog.indexes.values():
        if type(index) is PortalFieldIndex:
            index.__class__ = FieldIndex
    root.generation = 10
    evolve.evolve(root, registry, tm=tm)
    catalog = root.catalog
    assert 'deadline' not in catalog.indexes
    assert isinstance(catalog['number'], NumberIndex)
    assert type(catalog['state']) is PortalFieldIndex
    assert not len(catalog['state']._not_indexed)
    docid = catalog.docid_for(case)
    assert catalog['number'].docid_for(case.number) == docid
    total, keys = catalog['queue'].select([(queues.DEPARTMENT, 'urbanism')], ['submitted'])
    assert total == 1 and [queues.docid_of(k) for k, _row in keys] == [docid]
    assert keys[0][1].split('\x1f')[1] == case.number
    assert catalog['queue'].entry(catalog.docid_for(draft)) is None
    assert root.generation == evolve.latest_generation()
    conn.close()
