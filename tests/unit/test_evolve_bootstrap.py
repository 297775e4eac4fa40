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
    del root.catalog.indexes['deadline']
    root.generation = 0
    evolve.evolve(root, registry, tm=tm)
    assert 'deadline' in root.catalog.indexes
    assert root.generation == evolve.latest_generation()
    conn.close()
