"""The dossier page of a citizen with 200 cases, in process, against the bare Pyramid app.

    .venv/bin/python bench/bench_dossier.py [--cases 200] [--rounds 7] [--seconds 0.5]
                                            [--http] [--duration 5]

Builds a temporary FileStorage: the demo site, one citizen with ``--cases``
cases of the demo services (in every state of the lifecycle, with deadlines),
and a server-side session for them. Each round times the dossier page and the
bare app (Pyramid's hello world) back to back; the figures are the medians
over rounds of CPU µs per request, and the rps ratio is bare µs / page µs
(the same machine, the same minute).

``--http`` also serves both apps with waitress (4 threads, in this process,
one at a time) and loads them with wrk (``-t2 -c8 --latency``, with the
citizen's session cookie for the dossier), round after round: the rps ratio
over HTTP, as the other pages of bench/RESULTS.md are measured.
"""
import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings

warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import transaction  # noqa: E402

from bench import common  # noqa: E402
from bench.bench_inprocess import make_environ  # noqa: E402


def build(tmp, n_cases):
    from cityportal import demo, main
    from cityportal.cases.resources import Case
    from cityportal.cases.workflow import STATES
    from cityportal.folder import utcnow
    from cityportal.root import bootstrap
    from cityportal.testing import make_citizen, valid_cnp
    settings = dict(common.portal_settings(), **{
        'zodbconn.uri': 'file://%s/Data.fs?blobstorage_dir=%s/blobs' % (tmp, tmp),
        'cityportal.var': tmp, 'cityportal.cnp_key': 'bench'})
    app = main({}, **settings)
    db = app.registry._zodb_databases['']
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    root = bootstrap(conn.root(), app.registry)
    demo.seed(root, app.registry)
    services = [s for c in root['servicii'].values() for s in c.values()]
    account, dossier = make_citizen(root, app.registry, valid_cnp('285031535001'),
                                    'Ioana', 'Ștefănescu')
    now = utcnow()
    for i in range(n_cases):
        service = services[i % len(services)]
        case = Case(service, account.userid)
        case.number = 'TM-2026-%06d' % (i + 1)
        case.state = STATES[1 + i % (len(STATES) - 1)]
        case.submitted = now - datetime.timedelta(days=i % 300)
        case.deadline = (case.submitted + datetime.timedelta(days=30)).date()
        dossier.add(case.number.lower(), case, registry=app.registry)
    token = common.session_token(conn, account.userid, account.session_key)
    tm.commit()
    path = '/dosare/%s/' % dossier.__name__
    conn.close()
    return app, path, token


def timed(app, path, cookie, n):
    env_cookie = 'cp_session=' + cookie if cookie else ''
    c0 = time.process_time()
    for _ in range(n):
        environ = make_environ(path, '')
        if env_cookie:
            environ['HTTP_COOKIE'] = env_cookie
        status = []
        result = app(environ, lambda s, h, e=None: status.append(s))
        b''.join(result)
        if hasattr(result, 'close'):
            result.close()
    return (time.process_time() - c0) / n * 1e6, status[0]


def serve(app):
    """A waitress server for ``app`` on a free loopback port, in a thread."""
    import logging
    import threading
    from waitress.server import create_server
    logging.getLogger('waitress.queue').setLevel(logging.ERROR)
    server = create_server(app, host='127.0.0.1', port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return server, 'http://127.0.0.1:%s' % server.effective_port


def wrk(url, duration, cookie=None):
    import subprocess
    from bench.bench_http import parse_wrk
    cmd = ['wrk', '-t2', '-c8', '-d%ds' % duration, '--latency', url]
    if cookie:
        cmd[1:1] = ['-H', 'Cookie: cp_session=' + cookie]
    return parse_wrk(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def http_rounds(app, path, token, rounds, duration):
    bare_server, bare_url = serve(common.make_bare_app())
    page_server, page_url = serve(app)
    try:
        wrk(page_url + path, 1, token)           # warm up
        ratios, page_rps, bare_rps = [], [], []
        for _ in range(rounds):
            b = wrk(bare_url + '/', duration)
            p = wrk(page_url + path, duration, token)
            if p['errors']:
                raise SystemExit('wrk: %d errors on the dossier page' % p['errors'])
            ratios.append(p['rps'] / b['rps'])
            page_rps.append(p['rps'])
            bare_rps.append(b['rps'])
        print('HTTP (wrk -t2 -c8 -d%ds, waitress 4 threads), %d rounds: dossier %.0f rps, '
              'bare %.0f rps; ratio median %.3f (%.1f%%), min %.3f, max %.3f' % (
                  duration, rounds, statistics.median(page_rps), statistics.median(bare_rps),
                  statistics.median(ratios), 100 * statistics.median(ratios),
                  min(ratios), max(ratios)))
    finally:
        for server in (bare_server, page_server):
            server.task_dispatcher.shutdown()
            server.close()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--cases', type=int, default=200)
    p.add_argument('--rounds', type=int, default=7)
    p.add_argument('--seconds', type=float, default=0.5)
    p.add_argument('--http', action='store_true')
    p.add_argument('--duration', type=int, default=5)
    args = p.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix='cityportal-bench-dossier-')
    try:
        app, path, token = build(tmp, args.cases)
        bare = common.make_bare_app()
        us, status = timed(app, path, token, 20)
        assert status.startswith('200'), status
        n_page = max(5, int(args.seconds / (us / 1e6)))
        us_bare, _ = timed(bare, '/', None, 2000)
        n_bare = max(100, int(args.seconds / (us_bare / 1e6)))
        page, base = [], []
        for _ in range(args.rounds):
            page.append(timed(app, path, token, n_page)[0])
            base.append(timed(bare, '/', None, n_bare)[0])
        pm, bm = statistics.median(page), statistics.median(base)
        print('dossier page, %d cases: median %.0f µs CPU/request (min %.0f, max %.0f), '
              '%d requests x %d rounds' % (args.cases, pm, min(page), max(page), n_page,
                                           args.rounds))
        print('bare Pyramid app:        median %.1f µs CPU/request' % bm)
        print('rps ratio dossier/bare (bare µs / page µs): %.3f (%.1f%%)' % (bm / pm,
                                                                              100 * bm / pm))
        if args.http:
            http_rounds(app, path, token, max(2, args.rounds // 2), args.duration)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
