"""Eight citizens submit a request for the same service at the same moment.

Through the WSGI app (pyramid_tm + pyramid_retry), on a FileStorage with blobs seeded
like the other tests' site, eight threads wait at a barrier and then each submits a
prepared draft. Every one must get its receipt: the ConflictErrors the shared catalog
raises are retried by pyramid_retry and never reach a citizen; the eight numbers are
distinct (a retried attempt's number is a gap, accounted for), each case sits in its dossier, submitted, with one registry
message and one receipt e-mail (sent by the attempt that committed, never by a retried
one).

Known limit (the catalog's, see the xfail below): today every one of these submissions
conflicts with every other one. The catalog gives out serial docids (two concurrent
transactions take the same one) and hypatia's indexes drop a value's docid set when it
empties and make a new one, which the move of a draft to its numbered name does for
the dossier's entry; ZODB cannot merge either. The submissions are therefore serialized
by retries: eight need eight attempts, more than the configured ``retry.attempts``
(3 in testing.ini, 5 in production.ini).
"""
import threading

import pytest
from pyramid.traversal import find_resource
from pyramid_retry import IBeforeRetry, RetryableExecutionPolicy
from ZODB import DB
from ZODB.FileStorage import FileStorage

from cityportal.cases import workflow
from cityportal.testing import Browser, make_citizen, valid_cnp

from tests.functional.filing_support import (  # noqa: F401  (fixtures)
    DOCUMENTS, FIELDS, GOOD, PDF, SERVICE, controls, csrf, outbox, post, sign_in, upload)

THREADS = 8


@pytest.fixture
def file_db(app, registry, tmp_path):
    """A site seeded like the other tests' in a FileStorage (with blobs), used by the app."""
    import transaction
    from cityportal import demo
    from cityportal.root import bootstrap
    storage = FileStorage(str(tmp_path / 'Data.fs'), blob_dir=str(tmp_path / 'blobs'))
    database = DB(storage)
    tm = transaction.TransactionManager(explicit=True)
    conn = database.open(transaction_manager=tm)
    tm.begin()
    demo.seed(bootstrap(conn.root(), registry), registry)
    tm.commit()
    conn.close()
    previous = getattr(app.registry, '_zodb_databases', None)
    app.registry._zodb_databases = {'': database}
    yield database
    app.registry._zodb_databases = previous
    database.close()


@pytest.fixture
def file_root(file_db):
    import transaction
    from cityportal.root import APP_ROOT_KEY
    from tests.conftest import RootHandle
    tm = transaction.TransactionManager(explicit=True)
    conn = file_db.open(transaction_manager=tm)
    tm.begin()
    yield RootHandle(conn.root()[APP_ROOT_KEY], tm, conn)
    tm.abort()
    conn.close()


def prepare(app, registry, root):
    """Eight citizens, each with a complete draft; returns [(browser, review URL)].

    As in a portal in use, one case was filed before and another citizen's draft
    stays a draft: on a brand-new site the first submissions would all create
    the catalog's "submitted" entry and empty its "draft" one, changes ZODB
    cannot merge (retried, but not within 3 attempts for 8 at once).
    """
    svc = find_resource(root.refresh(), SERVICE)
    svc.form_fields, svc.documents = FIELDS, DOCUMENTS
    svc.deadline = {'days': 30, 'kind': 'calendar'}
    root.commit()
    out = []
    for i in range(THREADS + 2):
        account, _dossier = make_citizen(root.refresh(), registry,
                                         valid_cnp('28503153%04d' % (5100 + i)),
                                         'Cetățean', 'Nr. %d' % i,
                                         email='cetatean%d@example.ro' % i)
        root.commit()
        browser = Browser(app, extra_environ={'HTTP_HOST': 'localhost',
                                              'REMOTE_ADDR': '10.0.1.%d' % (i + 1)})
        sign_in(browser, root, account)
        res = post(browser, SERVICE + '/@@cerere',
                   controls(GOOD, {'plan': upload('plan-%d.pdf' % i, PDF)}, button='verify',
                            csrf=csrf(browser)), status=303)
        assert res.location.endswith('/@@verificare')
        out.append((browser, res.location))
    first_browser, first_url = out.pop(0)
    first_browser.post(first_url, {'csrf_token': csrf(first_browser), 'submit': 'submit'},
                       status=303)
    out.pop()             # stays a draft
    return out


def submit_together(registry, drafts):
    """Submit every draft at the same moment; returns ([(status, location)], retries)."""
    retries = []

    def count_retry(event):
        retries.append(type(event.exception).__name__)

    barrier = threading.Barrier(len(drafts))
    results = [None] * len(drafts)

    def submit(i):
        browser, url = drafts[i]
        token = csrf(browser)
        barrier.wait()
        try:
            res = browser.post(url, {'csrf_token': token, 'submit': 'submit'},
                               expect_errors=True)
            results[i] = (res.status_int, res.location)
        except Exception as e:           # reported by the assertion below
            results[i] = (repr(e), None)

    registry.registerHandler(count_retry, (IBeforeRetry,))
    try:
        threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(drafts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        registry.unregisterHandler(count_retry, (IBeforeRetry,))
    return results, retries


def check_all_filed(root, results, retries, outbox):
    assert all(r is not None and r[0] == 303 and r[1].endswith('/@@confirmare')
               for r in results), results
    site = root.refresh()
    cases = [find_resource(site, r[1].replace('http://localhost', '').replace(
        '@@confirmare', '')) for r in results]
    numbers = sorted(c.number for c in cases)
    assert len(set(numbers)) == THREADS
    # a retried attempt's number is a gap the registry of reservations accounts for
    from cityportal.cases.numbers import gaps
    year = int(numbers[0].split('-')[1])
    used = {int(n.rsplit('-', 1)[1]) for n in numbers}
    missing = gaps(root.conn.root(), year, used)
    assert not used & set(missing)
    # a fresh storage: numbering starts at 1, which the case filed before took
    every = sorted(used | set(missing) | {1})
    assert every == list(range(1, every[-1] + 1))
    assert [c.state for c in cases] == [workflow.SUBMITTED] * THREADS
    assert sorted(c.number for c in cases) == numbers
    assert all(len(c.attachments) == 1 for c in cases)
    assert all([e['action'] for e in c.events].count('submit') == 1 for c in cases)
    registered = [m.payload['number'] for m in site['integrari'].outbox.messages.values()
                  if m.kind == 'registry.register']
    before = 'TM-%d-000001' % year            # the case filed before
    assert sorted(registered) == sorted(numbers + [before])
    # one receipt per case: a retried attempt sends nothing
    subjects = sorted(m['Subject'] for m in outbox.messages())
    assert subjects == sorted('Cererea %s a fost depusă' % n for n in numbers + [before])
    assert set(retries) <= {'ConflictError', 'ReadConflictError', 'BTreesConflictError'}, \
        retries


def test_eight_simultaneous_submissions_all_filed_once(app, registry, file_root, outbox,
                                                       monkeypatch):
    """With as many attempts as submitters (the worst case: all serialized by retries)."""
    drafts = prepare(app, registry, file_root)
    monkeypatch.setattr(app, 'execution_policy', RetryableExecutionPolicy(attempts=THREADS))
    results, retries = submit_together(registry, drafts)
    check_all_filed(file_root, results, retries, outbox)


def test_eight_simultaneous_submissions_within_the_configured_retries(
        app, registry, file_root, outbox):
    drafts = prepare(app, registry, file_root)
    results, retries = submit_together(registry, drafts)
    check_all_filed(file_root, results, retries, outbox)
