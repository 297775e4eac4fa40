"""The BTree folder: names, events, ordering, lazy paging."""
import pytest
from zope.interface.verify import verifyObject

from cityportal.exceptions import DuplicateName, InvalidName
from cityportal.interfaces import IFolder, IObjectAdded, IObjectRemoved, IObjectWillBeRemoved


class Recorder:
    def __init__(self):
        self.events = []

    def notify(self, event):
        self.events.append(event)


def _makeOne(**kw):
    from cityportal.folder import Folder
    return Folder('Test', **kw)


def _item(title='x'):
    from cityportal.content import Item
    return Item(title)


def test_provides_ifolder():
    assert verifyObject(IFolder, _makeOne())


def test_add_sets_location_and_length():
    f = _makeOne()
    child = f.add('a', _item())
    assert child.__parent__ is f and child.__name__ == 'a'
    assert len(f) == 1 and 'a' in f and f['a'] is child
    assert bool(_makeOne()) is True   # empty folders are still truthy


@pytest.mark.parametrize('name', [
    '', '.hidden', '_private', '@@view', '..', 'a/b', 'a b', 'ș', 'x' * 101, 'login', '-a',
    'a\x00b', None, 5])
def test_invalid_names_refused(name):
    f = _makeOne()
    with pytest.raises(InvalidName):
        f.add(name, _item())
    assert len(f) == 0


def test_valid_names():
    f = _makeOne()
    for name in ('a', 'TM-2026-000123', 'cerere.pdf', 'x' * 100, 'a_b'):
        f.add(name, _item())
    assert len(f) == 5


def test_duplicate_name_refused_and_nothing_changes():
    f = _makeOne()
    first = f.add('a', _item('first'))
    with pytest.raises(DuplicateName):
        f.add('a', _item('second'))
    assert f['a'] is first and len(f) == 1


def test_setitem_is_disabled():
    f = _makeOne()
    with pytest.raises(TypeError):
        f['a'] = _item()


def test_events_on_add_and_remove():
    f = _makeOne()
    reg = Recorder()
    child = f.add('a', _item(), registry=reg)
    f.remove('a', registry=reg)
    kinds = [e for e in reg.events]
    assert IObjectAdded.providedBy(kinds[0]) and kinds[0].object is child
    assert IObjectWillBeRemoved.providedBy(kinds[1]) and kinds[1].parent is f
    assert IObjectRemoved.providedBy(kinds[2]) and kinds[2].name == 'a'
    assert child.__parent__ is None and len(f) == 0


def test_no_events_without_registry_or_when_disabled():
    f = _makeOne()
    reg = Recorder()
    f.add('a', _item(), registry=reg, send_events=False)
    f.add('b', _item())
    assert reg.events == []


def test_page_is_sorted_and_bounded():
    f = _makeOne()
    for i in range(250):
        f.add('n%04d' % i, _item())
    page = f.page(100, 50)
    assert [n for n, _ in page] == ['n%04d' % i for i in range(100, 150)]
    assert f.page(240, 50)[-1][0] == 'n0249' and len(f.page(240, 50)) == 10
    assert f.page(250, 50) == [] and f.page(-1, 50) == []
    rev = f.page(0, 3, reverse=True)
    assert [n for n, _ in rev] == ['n0249', 'n0248', 'n0247']


def test_ordered_folder_keeps_insertion_order_and_moves():
    from cityportal.folder import OrderedFolder
    f = OrderedFolder('o')
    for name in ('c', 'a', 'b'):
        f.add(name, _item())
    assert list(f.keys()) == ['c', 'a', 'b']
    f.move('b', -2)
    assert list(f.keys()) == ['b', 'c', 'a']
    f.reorder(['a', 'b', 'c'])
    assert [n for n, _ in f.page(1, 5)] == ['b', 'c']
    f.remove('b')
    assert list(f) == ['a', 'c']
    with pytest.raises(ValueError):
        f.reorder(['a'])


def test_large_folder_paging_in_zodb(tmp_path):
    """100k children in a real FileStorage: deep pages come back right."""
    import transaction
    import ZODB
    from ZODB.FileStorage import FileStorage
    from cityportal.folder import Folder
    db = ZODB.DB(FileStorage(str(tmp_path / 'Data.fs')))
    tm = transaction.TransactionManager()
    conn = db.open(transaction_manager=tm)
    f = conn.root()['f'] = Folder('big')
    for i in range(100_000):
        f.add('c%06d' % i, _item(), send_events=False)
        if i % 20000 == 0:
            tm.commit()
    tm.commit()
    conn.close()
    conn = db.open(transaction_manager=tm)
    f = conn.root()['f']
    assert len(f) == 100_000
    assert [n for n, _ in f.page(24950, 50)][0] == 'c024950'
    assert [n for n, _ in f.page(99_990, 50)][-1] == 'c099999'
    conn.close()
    db.close()


def test_segment_index_stays_exact_under_random_adds_and_removes(monkeypatch):
    import random
    from cityportal import folder as folder_mod
    monkeypatch.setattr(folder_mod, 'SEGMENT', 4)    # tiny runs: many splits
    f = _makeOne()
    rng = random.Random(7)
    names = set()
    for step in range(3000):
        if names and rng.random() < 0.35:
            name = rng.choice(sorted(names))
            f.remove(name)
            names.discard(name)
        else:
            name = 'n%05d' % rng.randrange(20000)
            if name in names:
                continue
            f.add(name, _item())
            names.add(name)
        if step % 97 == 0:
            ordered = sorted(names)
            assert sum(f._segments.values()) == len(ordered) == len(f)
            for offset in (0, 1, len(ordered) // 2, max(0, len(ordered) - 3)):
                assert [n for n, _ in f.page(offset, 7)] == ordered[offset:offset + 7]
    assert max(f._segments.values()) < 8


def test_rebuild_segments_for_old_folders():
    f = _makeOne()
    for i in range(1000):
        f.add('x%04d' % i, _item())
    f._segments = None                      # as stored before the index existed
    assert [n for n, _ in f.page(500, 3)] == ['x0500', 'x0501', 'x0502']   # O(n) fallback
    f.rebuild_segments()
    assert sum(f._segments.values()) == 1000
    assert [n for n, _ in f.page(999, 3)] == ['x0999']
