"""The catalog's work queues (catalog.queues.QueueIndex): keys, pages, counts, filters."""
import datetime
import random

import pytest
from BTrees.IFBTree import IFSet

from cityportal.catalog import queues
from cityportal.catalog.queues import ASSIGNEE, DEPARTMENT, NOBODY, SERVICE, QueueIndex

UTC = datetime.timezone.utc
D0 = datetime.date(2026, 12, 1)


class Doc:
    def __init__(self, department, state, deadline, filed, assignee=None, service='/s/a'):
        self.department, self.state, self.deadline = department, state, deadline
        self.filed, self.assignee, self.service = filed, assignee, service


def discriminator(obj, default):
    if obj.state == 'draft':
        return default
    return (((DEPARTMENT, obj.department), (SERVICE, obj.service),
             (ASSIGNEE, obj.assignee or NOBODY)), obj.state, (obj.deadline, obj.filed),
            (obj.state, obj.assignee or ''))


def moment(day, hour=9):
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def index():
    return QueueIndex(discriminator)


def docids(page):
    return [queues.docid_of(key) for key, _row in page]


def test_keys_order_by_deadline_then_day_filed_and_undated_last():
    early = queues.sort_key(D0, moment(D0 - datetime.timedelta(days=30)), 2 ** 31 - 1)
    later_filed = queues.sort_key(D0, moment(D0 - datetime.timedelta(days=3)), 1)
    later_due = queues.sort_key(D0 + datetime.timedelta(days=1), moment(D0), 1)
    undated = queues.sort_key(None, moment(D0), 1)
    assert early < later_filed < later_due < undated < 2 ** 63
    assert queues.docid_of(early) == 2 ** 31 - 1
    assert queues.group_of(later_filed) != queues.group_of(early)
    assert queues.day_key(D0) <= early < queues.day_key(D0 + datetime.timedelta(days=1))


def test_a_page_is_in_deadline_order_across_states(index):
    rnd = random.Random(7)
    expected = []
    for docid in range(1, 301):
        deadline = D0 + datetime.timedelta(days=rnd.randrange(60))
        state = rnd.choice(['submitted', 'assigned', 'closed'])
        index.index_doc(docid, Doc('urb', state, deadline, moment(D0)))
        if state != 'closed':
            expected.append((deadline, docid))
    expected.sort()
    total, page = index.select([(DEPARTMENT, 'urb')], ['submitted', 'assigned'],
                               offset=10, limit=50)
    assert total == len(expected)
    assert docids(page) == [d for _, d in expected[10:60]]
    assert all(row[0] in ('submitted', 'assigned') for _key, row in page)
    assert index.count((DEPARTMENT, 'urb'), ['closed']) == 300 - len(expected)


def test_moves_between_queues_and_unindex(index):
    index.index_doc(5, Doc('urb', 'submitted', D0, moment(D0)))
    assert index.select([(ASSIGNEE, NOBODY)], ['submitted'])[0] == 1
    index.index_doc(5, Doc('urb', 'assigned', D0, moment(D0), assignee='ana'))
    assert index.select([(DEPARTMENT, 'urb')], ['submitted'])[0] == 0
    assert index.select([(DEPARTMENT, 'urb')], ['assigned'])[1][0][1] == ('assigned', 'ana')
    assert docids(index.select([(ASSIGNEE, 'ana')], ['assigned'])[1]) == [5]
    assert index.select([(ASSIGNEE, NOBODY)], ['submitted', 'assigned'])[0] == 0
    index.index_doc(5, Doc('urb', 'draft', D0, None))        # not queued: taken out
    assert index.entry(5) is None
    assert index.select([(DEPARTMENT, 'urb')], ['assigned'])[0] == 0
    index.index_doc(6, Doc('urb', 'assigned', D0, moment(D0), assignee='ana'))
    index.unindex_doc(6)
    assert index.count((ASSIGNEE, 'ana'), ['assigned']) == 0
    assert index.indexed_count() == 0


def test_two_scopes_ranges_ids_and_test(index):
    for docid in range(1, 41):
        index.index_doc(docid, Doc(
            'urb' if docid % 2 else 'tax', 'assigned', D0 + datetime.timedelta(days=docid),
            moment(D0), assignee='ana' if docid % 4 == 1 else 'ion'))
    urb_ana = [d for d in range(1, 41) if d % 2 and d % 4 == 1]
    total, page = index.select([(DEPARTMENT, 'urb'), (ASSIGNEE, 'ana')], ['assigned'])
    assert total == len(urb_ana) and docids(page) == urb_ana
    # a range of deadlines: due before day 10
    total, page = index.select([(DEPARTMENT, 'urb')], ['assigned'], high=queues.day_key(
        D0 + datetime.timedelta(days=10)))
    assert docids(page) == [1, 3, 5, 7, 9]
    # a small docid set (a text search) is walked instead of the queue
    total, page = index.select([(DEPARTMENT, 'urb')], ['assigned'], ids=IFSet([3, 4, 9]))
    assert total == 2 and docids(page) == [3, 9]
    # a last test (permissions)
    total, page = index.select([(DEPARTMENT, 'urb')], ['assigned'], test=lambda d: d > 30,
                               limit=2)
    assert total == 5 and docids(page) == [31, 33]
    assert index.select([(DEPARTMENT, 'none')], ['assigned']) == (0, [])


def test_a_changed_row_is_rewritten_in_place(index):
    doc = Doc('urb', 'assigned', D0, moment(D0), assignee='ana')
    index.index_doc(1, doc)
    doc.assignee = 'ana'          # nothing changed: nothing written
    index.index_doc(1, doc)
    doc.state = 'assigned'
    index.discriminator = lambda obj, default: (
        discriminator(obj, default)[:3] + (('assigned', 'Ana Pop'),))
    index.index_doc(1, doc)
    assert index.select([(ASSIGNEE, 'ana')], ['assigned'])[1][0][1] == ('assigned', 'Ana Pop')
    assert index.count((DEPARTMENT, 'urb'), ['assigned']) == 1


def test_limit_zero_counts_only(index):
    for docid in range(1, 11):
        index.index_doc(docid, Doc('urb', 'submitted', D0, moment(D0)))
    assert index.select([(DEPARTMENT, 'urb')], ['submitted'], limit=0) == (10, [])
