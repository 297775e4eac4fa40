"""Cases at scale: the inbox query over 1,000,000 cases, and the web process's memory.

    .venv/bin/python bench/make_cases.py          # once: bench/out/cases/Data.fs
    .venv/bin/python bench/bench_cases.py [--queries 500]

The inbox query as a clerk of a department sees it (``cases.inbox.inbox_query``:
department + state, sorted by deadline, 50 a page, filtered by the allowed
index and a permission check per case shown): p50 and p99 in-process over
``--queries`` varied queries (every department, each state, the unfinished
ones, late/at-risk, pages 1-5, assignee filters), with a warm ZODB cache, as a
long-running web process has it, each query in a transaction of its own as a
request is (so the connection cache is trimmed between them, as in the web
process). Then the process's RSS (VmRSS, VmHWM), with the connection cache of
etc/development.ini (20,000 objects).

``--http`` then starts a second process, the web process (``--http-only``):
it serves the portal on that storage with waitress (``--threads``, 2 as
etc/production.ini), first answers the same varied queries as inbox pages
over HTTP (a manager's session: every department), then wrk loads one
department's inbox page (the unfinished cases, by deadline, 50 a page, with
the late and at-risk counts) and the bare Pyramid app, round after round:
the inbox page's rps as a ratio of the bare app's; and that process's RSS.

The targets of the issue: p99 <= 50 ms; RSS <= 300 MB.
"""
import argparse
import os
import random
import statistics
import sys
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import transaction  # noqa: E402

from bench import common  # noqa: E402
from bench import make_cases  # noqa: E402


def rss():
    out = {}
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(('VmRSS', 'VmHWM')):
                key, value = line.split(':')
                out[key] = int(value.split()[0]) / 1024
    return out


def ensure_clerks(root, registry, tm):
    """One staff account per department with a local Clerk role there (bench-only)."""
    from cityportal import api
    users = root['utilizatori']
    made = 0
    for dep in root['departamente'].values():
        userid = 'bench-clerk-%s' % dep.__name__
        if userid not in users:
            api.user.create(root, userid, 'bench-password-2026', 'Funcționar %s' % dep.title,
                            registry=registry)
            api.user.grant_local_roles(dep, userid, ('Clerk',), registry=registry)
            made += 1
    if made:
        tm.commit()
        tm.begin()
    return made


def clerk_request(app, root, conn, userid):
    from pyramid import testing
    user = root['utilizatori'][userid]
    request = testing.DummyRequest(session={'userid': userid, 'skey': user.session_key})
    request.registry = app.registry
    request.root = root
    request.environ['zodbconn.connection'] = conn
    return request


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--queries', type=int, default=500)
    p.add_argument('--http', action='store_true')
    p.add_argument('--http-only', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--duration', type=int, default=5)
    args = p.parse_args(argv)
    from cityportal.cases import workflow as w
    from cityportal.cases.inbox import AT_RISK, LATE, NOBODY, inbox_query

    app = make_cases.make_app()
    db = app.registry._zodb_databases['']
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    root = conn.root()['cityportal']
    n = getattr(root, 'bench_cases', 0)
    ensure_clerks(root, app.registry, tm)
    departments = sorted(d.__name__ for d in root['departamente'].values())
    common.log('%d cases, %d departments' % (n, len(departments)))
    rnd = random.Random(42)
    states = [None, w.SUBMITTED, w.REGISTERED, w.ASSIGNED, w.IN_PROGRESS, w.AWAITING,
              w.APPROVED, w.CLOSED]
    queries = []
    for i in range(args.queries):
        dep = departments[i % len(departments)]
        q = {'department': dep, 'state': rnd.choice(states),
             'offset': 50 * rnd.choice([0, 0, 0, 1, 2, 4])}
        r = rnd.random()
        if r < 0.15:
            q['urgency'] = rnd.choice([LATE, AT_RISK])
        elif r < 0.25:
            q['assignee'] = rnd.choice([NOBODY, 'clerk-%s-%d' % (dep, rnd.randrange(5))])
        queries.append(q)
    if args.http_only:
        token = clerk_session(root, ensure_manager(root, app.registry))
        tm.commit()
        conn.close()
        web_process(app, queries, token, args)
        return
    requests = {dep: clerk_request(app, root, conn, 'bench-clerk-%s' % dep)
                for dep in departments}
    tm.commit()
    # warm-up: one pass over every department (a long-running process's cache)
    for dep in departments:
        tm.begin()
        inbox_query(requests[dep], department=dep, counts=True)
        tm.abort()
    times, totals, shown, slow = [], [], [], []
    for q in queries:
        request = requests[q['department']]
        request.environ.pop('cityportal.identity', None)
        tm.begin()
        t0 = time.perf_counter()
        res = inbox_query(request, counts=True, **q)
        times.append((time.perf_counter() - t0) * 1000)
        tm.abort()
        slow.append((times[-1], res.total, q))
        totals.append(res.total)
        shown.append(len(res.items))
    times.sort()

    def pct(pc):
        return times[min(len(times) - 1, int(round(pc / 100 * (len(times) - 1))))]
    print('inbox query over %d cases, %d queries (department + state/urgency/assignee, by '
          'deadline, 50 a page, with the late/at-risk counts):' % (n, len(times)))
    print('  p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; results per query: median %d, '
          'max %d; shown: median %d' % (pct(50), pct(90), pct(99), times[-1],
                                         statistics.median(totals), max(totals),
                                         statistics.median(shown)))
    print('  target p99 <= 50 ms: %s' % ('PASS' if pct(99) <= 50 else 'FAIL'))
    print('  slowest: ' + '; '.join('%.0f ms (%d results, %s)' % (t, n, q)
                                    for t, n, q in sorted(slow, key=lambda x: -x[0])[:4]))
    mem = rss()
    print('process memory after the queries: VmRSS %.0f MB, VmHWM %.0f MB (target <= 300 MB)'
          % (mem.get('VmRSS', 0), mem.get('VmHWM', 0)))
    conn.close()
    db.close()
    if args.http:
        import subprocess
        sys.stdout.flush()
        subprocess.run([sys.executable, os.path.abspath(__file__), '--http-only',
                        '--queries', str(args.queries), '--threads', str(args.threads),
                        '--rounds', str(args.rounds), '--duration', str(args.duration)],
                       check=True)


def ensure_manager(root, registry):
    """A staff account with the Manager role (it sees every department): its userid."""
    from cityportal import api
    userid = 'bench-manager'
    if userid not in root['utilizatori']:
        api.user.create(root, userid, 'bench-password-2026', 'Administrator bench',
                        roles=('Manager',), registry=registry)
    return userid


def query_url(q):
    """The inbox page that answers the query ``q`` of the in-process run."""
    from urllib.parse import urlencode
    from cityportal.cases.inbox import URGENCY_PARAMS
    params = {}
    if q.get('state'):
        params['stare'] = q['state']
    if q.get('urgency'):
        params['termen'] = {v: k for k, v in URGENCY_PARAMS.items()}[q['urgency']]
    if q.get('assignee'):
        params['responsabil'] = q['assignee']
    if q.get('offset'):
        params['page'] = q['offset'] // 50 + 1
    return '/departamente/%s/@@inbox%s' % (q['department'],
                                          '?' + urlencode(params) if params else '')


def web_process(app, queries, token, args):
    """The web process: the varied inbox pages over HTTP, then wrk; its RSS after each."""
    import http.client
    from waitress.server import create_server
    import logging
    import threading
    logging.getLogger('waitress.queue').setLevel(logging.ERROR)
    server = create_server(app, host='127.0.0.1', port=0, threads=args.threads)
    threading.Thread(target=server.run, daemon=True).start()
    port = int(server.effective_port)
    times = []
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    for q in queries:
        t0 = time.perf_counter()
        conn.request('GET', query_url(q), headers={'Cookie': 'cp_session=' + token})
        res = conn.getresponse()
        res.read()
        times.append((time.perf_counter() - t0) * 1000)
        if res.status != 200:
            raise SystemExit('inbox page answered %s: %s' % (res.status, query_url(q)))
    conn.close()
    server.task_dispatcher.shutdown()
    server.close()
    times.sort()
    mem = rss()
    print('web process (waitress %d threads): %d inbox pages over HTTP, one client: p50 %.1f ms, '
          'p99 %.1f ms; VmRSS %.0f MB, VmHWM %.0f MB (target <= 300 MB)' % (
              args.threads, len(times), times[len(times) // 2],
              times[min(len(times) - 1, int(0.99 * (len(times) - 1)))],
              mem.get('VmRSS', 0), mem.get('VmHWM', 0)))
    http_inbox(app, query_url({'department': queries[0]['department']}), token, args)
    mem = rss()
    print('web process after the wrk load: VmRSS %.0f MB, VmHWM %.0f MB (target <= 300 MB)'
          % (mem.get('VmRSS', 0), mem.get('VmHWM', 0)))


def clerk_session(root, userid):
    """A server-side session for the staff account ``userid``: its token."""
    return common.session_token(root._p_jar, userid, root['utilizatori'][userid].session_key)


def http_inbox(app, path, token, args):
    """wrk on the inbox page and on the bare app, ``args.rounds`` times each, side by side."""
    from bench.bench_dossier import wrk
    from waitress.server import create_server
    import logging
    import threading
    logging.getLogger('waitress.queue').setLevel(logging.ERROR)
    servers = []
    urls = []
    for wsgi in (common.make_bare_app(), app):
        server = create_server(wsgi, host='127.0.0.1', port=0, threads=args.threads)
        threading.Thread(target=server.run, daemon=True).start()
        servers.append(server)
        urls.append('http://127.0.0.1:%s' % server.effective_port)
    try:
        first = wrk(urls[1] + path, 2, token)          # warm up
        if first['errors']:
            raise SystemExit('wrk: %d errors on the inbox page' % first['errors'])
        ratios, page_rps, bare_rps, p99 = [], [], [], []
        for _ in range(args.rounds):
            b = wrk(urls[0] + '/', args.duration)
            p = wrk(urls[1] + path, args.duration, token)
            if p['errors']:
                raise SystemExit('wrk: %d errors on the inbox page' % p['errors'])
            ratios.append(p['rps'] / b['rps'])
            page_rps.append(p['rps'])
            bare_rps.append(b['rps'])
            p99.append(p.get('p99'))
        print('inbox page over HTTP (wrk -t2 -c8 -d%ds, waitress %d threads), %d rounds: '
              'page %.0f rps (p99 %s), bare %.0f rps; ratio median %.3f (%.1f%%), min %.3f, '
              'max %.3f' % (args.duration, args.threads, args.rounds,
                            statistics.median(page_rps), p99, statistics.median(bare_rps),
                            statistics.median(ratios), 100 * statistics.median(ratios),
                            min(ratios), max(ratios)))
    finally:
        for server in servers:
            server.task_dispatcher.shutdown()
            server.close()


if __name__ == '__main__':
    main()
