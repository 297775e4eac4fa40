"""Submissions over HTTP: 8 concurrent clients filing prepared drafts (target >= 100 cases/s).

    .venv/bin/python bench/bench_submit.py [--cases 800] [--clients 8] [--threads 8]

A temporary FileStorage with the demo site; one service of Direcția Urbanism gets
a one-field form; ``--cases`` citizens each have a complete draft of it and a
server-side session. The portal is served by waitress (``--threads``, 2 by
default as in etc/production.ini) in this process; ``--clients`` threads of a
second process (forked before the server starts, so that the clients do not
share the server's interpreter lock) POST "Depune cererea" (``@@verificare``,
with the CSRF token) over keep-alive connections, each for its share of the
drafts.
Every submission is the real one: a number from the allocator, the legal clock,
the first event, the registry outbox message, the receipt e-mail (kept in the
mail outbox: delivery is off), the catalog, one commit to the FileStorage.
Reports cases/s, latency percentiles, and the ConflictErrors pyramid_retry
absorbed (none may reach a client).
"""
import argparse
import http.client
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import transaction  # noqa: E402

from bench import common  # noqa: E402

FIELDS = ({'name': 'adresa', 'type': 'text', 'label': 'Adresa imobilului', 'required': True},)


def build(tmp, n):
    from cityportal import demo, main
    from cityportal.cases.api import new_draft
    from cityportal.root import bootstrap
    from cityportal.testing import make_citizen, valid_cnp
    settings = dict(common.portal_settings(), **{
        'zodbconn.uri': 'file://%s/Data.fs?blobstorage_dir=%s/blobs' % (tmp, tmp),
        'cityportal.var': tmp, 'cityportal.cnp_key': 'bench',
        'cityportal.mail.enabled': 'false', 'retry.attempts': '5'})
    app = main({}, **settings)
    db = app.registry._zodb_databases['']
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    root = bootstrap(conn.root(), app.registry)
    demo.seed(root, app.registry)
    service = next(s for c in root['servicii'].values() for s in c.values()
                   if s.department == 'urbanism')
    service.form_fields = FIELDS
    service.deadline = {'days': 30, 'kind': 'calendar'}
    jobs = []
    for i in range(n):
        account, dossier = make_citizen(
            root, app.registry, valid_cnp('1%02d%02d%02d35%03d' % (
                60 + i // 9000 % 40, 1 + i // 750 % 12, 1 + i // 27 % 27, i % 1000)),
            'Cetățean', 'Nr. %d' % i, email='c%d@example.ro' % i)
        case = new_draft(dossier, service, account.userid, registry=app.registry)
        case.answers = {'adresa': 'Str. Republicii %d' % i}
        token = common.session_token(conn, account.userid, account.session_key)
        jobs.append(('/dosare/%s/%s/@@verificare' % (dossier.__name__, case.__name__), token))
        if i % 200 == 199:
            tm.commit()
            tm.begin()
    tm.commit()
    conn.close()
    return app, jobs


def run_clients(port, jobs, n_clients, go, results):
    """The clients' process: ``n_clients`` threads filing ``jobs``; puts (statuses, latencies, s)."""
    latencies, statuses = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(n_clients)

    def client(k):
        mine = jobs[k::n_clients]
        barrier.wait()
        conn = None
        for path, token in mine:
            csrf = secrets.token_urlsafe(16)
            body = 'csrf_token=%s&submit=submit' % csrf
            headers = {'Content-Type': 'application/x-www-form-urlencoded',
                       'Cookie': 'cp_session=%s; cp_csrf=%s' % (token, csrf)}
            s0 = time.perf_counter()
            for _attempt in range(50):        # the server may still be starting
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
                    conn.request('POST', path, body, headers)
                    res = conn.getresponse()
                    res.read()
                    break
                except ConnectionRefusedError:
                    conn = None
                    time.sleep(0.05)
            with lock:
                latencies.append(time.perf_counter() - s0)
                statuses.append(res.status)
        conn.close()

    go.wait()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(n_clients)]
    w0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((statuses, latencies, time.perf_counter() - w0))


def describe(app, oids):
    """Which objects the retried ConflictErrors were about (catalog indexes by name)."""
    import collections
    db = app.registry._zodb_databases['']
    conn = db.open()
    root = conn.root()['cityportal']
    names = {}

    def buckets(tree, label):
        bucket = getattr(tree, '_firstbucket', None)
        while bucket is not None:
            names[bucket._p_oid] = label + ' (bucket)'
            bucket = bucket._next

    def label_tree(value, label):
        if getattr(value, '_p_oid', None):
            names[value._p_oid] = label
            buckets(value, label)
    for tree in root.audit.trees:
        label_tree(tree, 'audit (a shard)')
    label_tree(root['integrari'].outbox.messages, 'outbox.messages')
    label_tree(root.catalog.docid_to_path, 'catalog.docid_to_path')
    label_tree(root.catalog.path_to_docid, 'catalog.path_to_docid')
    from cityportal.sessions import get_store
    label_tree(get_store(conn).sessions, 'sessions')
    for name, index in root.catalog.indexes.items():
        for attr, value in vars(index).items():
            if getattr(value, '_p_oid', None):
                label_tree(value, '%s.%s' % (name, attr))
            for a2, v2 in getattr(value, '__dict__', {}).items():
                if getattr(v2, '_p_oid', None) and hasattr(v2, '_firstbucket'):
                    label_tree(v2, '%s.%s.%s' % (name, attr, a2))
            if attr == '_fwd_index':
                for key, docs in value.items():
                    if getattr(docs, '_p_oid', None):
                        names[docs._p_oid] = '%s[%r]' % (name, key)
    counts = collections.Counter()
    for oid in oids:
        label = names.get(oid)
        if label is None:
            try:
                label = type(conn.get(oid)).__name__
            except Exception:
                label = oid.hex()
        counts[label] += 1
    conn.close()
    return ', '.join('%s: %d' % kv for kv in counts.most_common(8)) or '-'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--cases', type=int, default=800)
    p.add_argument('--clients', type=int, default=8)
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args(argv)
    import logging
    from pyramid_retry import IBeforeRetry
    from waitress.server import create_server
    logging.getLogger('waitress.queue').setLevel(logging.ERROR)
    tmp = tempfile.mkdtemp(prefix='cityportal-bench-submit-')
    try:
        t0 = time.time()
        app, jobs = build(tmp, args.cases)
        common.log('%d drafts ready in %.0f s' % (len(jobs), time.time() - t0))
        retries, oids = [], []

        def on_retry(event):
            retries.append(type(event.exception).__name__)
            if getattr(event.exception, 'oid', None):
                oids.append(event.exception.oid)
        app.registry.registerHandler(on_retry, (IBeforeRetry,))
        import multiprocessing
        import socket
        ctx = multiprocessing.get_context('fork')
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()
        go, results = ctx.Event(), ctx.Queue()
        clients = ctx.Process(target=run_clients, args=(port, jobs, args.clients, go, results))
        clients.start()
        server = create_server(app, host='127.0.0.1', port=port, threads=args.threads)
        threading.Thread(target=server.run, daemon=True).start()
        go.set()
        statuses, latencies, elapsed = results.get()
        clients.join()
        server.close()
        ok = statuses.count(303)
        latencies.sort()
        print('%d submissions by %d clients (waitress %d threads, FileStorage): %.1f s, '
              '%.0f cases/s' % (len(statuses), args.clients, args.threads, elapsed,
                                ok / elapsed))
        print('  answers: %d x 303 (filed), other: %s' % (
            ok, sorted(set(s for s in statuses if s != 303)) or 'none'))
        print('  latency p50 %.0f ms, p99 %.0f ms; ConflictErrors retried: %d (%s)' % (
            1000 * statistics.median(latencies), 1000 * latencies[int(0.99 * (len(latencies) - 1))],
            len(retries), ', '.join(sorted(set(retries))) or '-'))
        print('  target >= 100 cases/s: %s' % ('PASS' if ok / elapsed >= 100 else 'FAIL'))
        print('  conflicts by object: %s' % describe(app, oids))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
