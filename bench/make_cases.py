"""Build the cases bench storage: the service catalog and N cases (1,000,000 by default).

    .venv/bin/python bench/make_cases.py [--cases 1000000] [--per-dossier 5] [--cache-size 400000]

Writes bench/out/cases/Data.fs (gitignored; reused and extended by later runs):
the demo departments and staff, the 316 services of schemas/services/ (29
departments), citizens' dossiers with ``--per-dossier`` cases each, spread over
every service, every state of the lifecycle and ten years of submissions (the
older a case, the likelier it is closed), with deadlines from the service's
legal term, assignees among 5 clerks per department and decision dates.

Cases are added without events and catalogued directly (``catalog.index``),
in batches of 20,000 per transaction; it is resumable: a run continues from
the number of cases already there. A storage built by an older version is
first brought up to date by the portal's evolve steps (as an operator would,
with ``cityportal-evolve``), which the run times.
"""
import argparse
import datetime
import os
import random
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import transaction  # noqa: E402

from bench import common  # noqa: E402

CASES_DIR = os.environ.get('CITYPORTAL_BENCH_CASES') or os.path.join(common.OUT_DIR, 'cases')
DATA_FS = os.path.join(CASES_DIR, 'Data.fs')
#: cases per transaction: a commit writes every index bucket the batch touched
#: (half the build's time), so bigger batches write each bucket fewer times
BATCH = 20000
CLERKS_PER_DEPARTMENT = 5
YEARS = 10


def settings(cache_size=20000):
    os.makedirs(os.path.join(CASES_DIR, 'var'), exist_ok=True)
    return dict(common.portal_settings(cache_size=cache_size), **{
        'zodbconn.uri': 'file://%s?blobstorage_dir=%s/blobs&connection_cache_size=%d' % (
            DATA_FS, CASES_DIR, cache_size),
        'cityportal.var': os.path.join(CASES_DIR, 'var'),
        'cityportal.cnp_key': 'bench-cnp-key'})


def make_app(cache_size=20000):
    from cityportal import main
    return main({}, **settings(cache_size))


def clerk_id(department, k):
    return 'clerk-%s-%d' % (department, k)


def state_for(age_days, rnd):
    """Old cases are mostly closed; recent ones spread over the open states."""
    from cityportal.cases import workflow as w
    if age_days > 120:
        return rnd.choices([w.CLOSED, w.WITHDRAWN, w.ISSUED, w.REJECTED],
                           [85, 6, 6, 3])[0]
    return rnd.choice([w.SUBMITTED, w.REGISTERED, w.ASSIGNED, w.IN_PROGRESS, w.AWAITING,
                       w.APPROVED, w.REJECTED, w.SIGNED, w.ISSUED, w.CLOSED, w.WITHDRAWN])


def build(n_cases, per_dossier, cache_size=400000, batch=BATCH):
    from cityportal import demo
    from cityportal.cases import workflow as w
    from cityportal.cases.deadlines import Calendar, deadline_for
    from cityportal.cases.resources import Case
    from cityportal.root import bootstrap
    from cityportal.services.definitions import load_directory
    from cityportal.services.importer import import_catalog
    from cityportal.testing import valid_cnp

    # a big connection cache: the indexes of a million cases are written all
    # over; with the web process's 20,000 objects most writes first load a bucket
    app = make_app(cache_size)
    registry = app.registry
    db = registry._zodb_databases['']
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    root = bootstrap(conn.root(), registry)
    if not len(root['servicii']) or not getattr(root, 'bench_cases', 0):
        demo.seed(root, registry, services=False)
        tm.commit()
        tm.begin()
        if not getattr(root, 'bench_services_imported', False):
            common.log('importing the service catalog')
            import_catalog(root, load_directory(), registry)
            root.bench_services_imported = True
        tm.commit()
        tm.begin()
    from cityportal import evolve
    if evolve.pending(root):
        import logging
        logging.basicConfig(level=logging.INFO, format='%(asctime)s %(message)s')
        common.log('evolving the storage: steps %s' % [g for g, _ in evolve.pending(root)])
        e0 = time.time()
        evolve.evolve(root, registry, tm=tm)
        common.log('evolved in %.0f s' % (time.time() - e0))
        root = conn.root()['cityportal']
    services = [s for c in root['servicii'].values() for s in c.values() if s.department]
    catalog = root.catalog
    done = getattr(root, 'bench_cases', 0)
    tm.abort()
    if done >= n_cases:
        common.log('%s holds %d cases: nothing to add' % (DATA_FS, done))
        return done
    common.log('adding cases %d..%d to %s' % (done + 1, n_cases, DATA_FS))
    calendar = Calendar()
    now = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.time()
    i = done
    while i < n_cases:
        tm.begin()
        root = conn.root()['cityportal']
        dossiers = root['dosare']
        stop = min(n_cases, i + batch)
        dossier = None
        for k in range(i, stop):
            rnd = random.Random(k)
            if k % per_dossier == 0 or dossier is None:
                d = k // per_dossier
                cnp = valid_cnp('%d%02d%02d%02d35%03d' % (
                    1 + d % 2, 40 + (d // 336000) % 60, 1 + (d // 28000) % 12,
                    1 + (d // 1000) % 28, d % 1000))
                account, dossier, _ = _citizen(dossiers, registry, cnp, d)
            service = services[k % len(services)]
            case = Case(service, dossier.owner)
            age = rnd.uniform(0, YEARS * 365)
            case.submitted = now - datetime.timedelta(days=age)
            case.number = 'TM-%d-%06d' % (case.submitted.year, k + 1)
            case.state = state_for(age, rnd)
            start = case.submitted.date()
            case.deadline = deadline_for(case.term, start, calendar=calendar) or \
                start + datetime.timedelta(days=30)
            if case.state not in (w.SUBMITTED, w.REGISTERED):
                case.assignee = clerk_id(case.department, rnd.randrange(CLERKS_PER_DEPARTMENT))
            if case.state in w.DECIDED_STATES:
                case.decided = case.submitted + datetime.timedelta(days=rnd.uniform(1, 40))
            case.record('submit', dossier.owner, state=case.state)
            dossier.add(case.number.lower(), case, registry=None)
            catalog.index(case)
        root.bench_cases = stop
        tm.commit()
        i = stop
        rate = (i - done) / (time.time() - t0)
        common.log('  %7d/%d cases (%.0f/s, %.0f s left)' % (
            i, n_cases, rate, (n_cases - i) / max(rate, 1e-9)))
    conn.close()
    db.close()
    return i


def _citizen(dossiers, registry, cnp, d):
    from cityportal.connectors.roeid.attributes import Person
    from cityportal.dossiers.resources import find_or_create_citizen
    return find_or_create_citizen(dossiers, registry, Person(
        cnp=cnp, given_name='Prenume%d' % d, family_name='Nume'))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--cases', type=int, default=1_000_000)
    p.add_argument('--per-dossier', type=int, default=5)
    p.add_argument('--cache-size', type=int, default=400000,
                   help='objects in the connection cache while building (default 400,000)')
    p.add_argument('--batch', type=int, default=BATCH, help='cases per transaction')
    args = p.parse_args(argv)
    build(args.cases, args.per_dossier, args.cache_size, args.batch)


if __name__ == '__main__':
    main()
