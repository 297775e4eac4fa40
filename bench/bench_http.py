"""HTTP benchmark: the portal against a bare Pyramid hello-world, both on waitress.

    .venv/bin/python bench/bench_http.py [--duration 10] [--rounds 2]
                                         [--connections 8] [--wrk-threads 2]
                                         [--threads 4] [--no-reference] [--strict]

Builds (or reuses) bench/out/Data.fs, then starts in the same run, on
127.0.0.1 and free ports, with the same waitress settings (``--threads``,
4 as in etc/development.ini):

- the portal (bench/serve.py portal: cityportal on the bench storage),
- a bare Pyramid hello world (bench/serve.py bare),
- unless --no-reference, the minimal Pyramid + ZODB view with a one-line
  template (bench/serve.py zodb-minimal), the issue's reference point.

Pages: common.PORTAL_PAGES (home, the two listing pages, a service sheet
with a target of >= 40 % of the bare app's rps, and the service search page
``/servicii/@@cautare?q=certificat``, whose ratio is reported without a
target). With the page cache on (the default), a repeated URL is served
from it: ``--no-page-cache`` gives the rendered figures (a first visitor,
a new search).

It waits until they answer, checks each page, warms them up, then loads them
with wrk (Debian package ``wrk``): ``wrk -t2 -c8 -d10s --latency URL``. Each
measured page run is preceded by a run against the bare app, round after
round, so the machine's noise hits both; ratios are taken pair by pair and
the median over the rounds is printed, with the server's CPU time per request
(from /proc). Servers are stopped at the end. Server logs: bench/out/serve-*.log.
--strict exits with status 1 when a target is not met.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402

HOST = '127.0.0.1'
MIN_HOME_RATIO = 0.40     # home >= 40% of the bare app's rps
#: label -> minimum rps as a fraction of the bare app's, same run
MIN_RATIOS = {
    'home': MIN_HOME_RATIO,      # Foundation issue
    'sheet': 0.40,               # service catalog issue: the service sheet
}
#: pages whose ratio is reported without a target
RATIO_ONLY = {'search'}
CLK_TCK = os.sysconf('SC_CLK_TCK')


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, kind, threads, reload_templates=False, no_page_cache=False):
        self.kind = kind
        self.port = free_port()
        self.base = 'http://%s:%d' % (HOST, self.port)
        os.makedirs(common.OUT_DIR, exist_ok=True)
        self.log_path = os.path.join(common.OUT_DIR, 'serve-%s.log' % kind)
        cmd = [sys.executable, os.path.join(common.BENCH_DIR, 'serve.py'), kind,
               '--port', str(self.port), '--threads', str(threads)]
        if reload_templates:
            cmd.append('--reload-templates')
        if no_page_cache:
            cmd.append('--no-page-cache')
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=common.PROJECT_DIR)

    def url(self, path, qs=''):
        return self.base + path + ('?' + qs if qs else '')

    def wait(self, path='/', timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit('%s server exited (%s); see %s' % (
                    self.kind, self.proc.returncode, self.log_path))
            try:
                with urllib.request.urlopen(self.url(path), timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit('%s server did not answer in %d s' % (self.kind, timeout))

    def cpu_seconds(self):
        with open('/proc/%d/stat' % self.proc.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime + stime

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def check_page(server, label, path, qs, expect):
    with urllib.request.urlopen(server.url(path, qs), timeout=30) as r:
        body = r.read().decode('utf-8')
        if r.status != 200 or expect not in body:
            raise SystemExit('%s %s: unexpected answer %s (%r not found)' % (
                label, server.url(path, qs), r.status, expect))


_UNITS = {'us': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0}


def _seconds(text):
    m = re.match(r'([\d.]+)(us|ms|s|m)$', text)
    if not m:
        raise ValueError('cannot parse latency %r' % text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(output):
    rps = re.search(r'Requests/sec:\s+([\d.]+)', output)
    p50 = re.search(r'^\s+50%\s+(\S+)', output, re.M)
    p99 = re.search(r'^\s+99%\s+(\S+)', output, re.M)
    total = re.search(r'(\d+) requests in', output)
    if not (rps and p50 and p99 and total):
        raise SystemExit('cannot parse wrk output:\n' + output)
    non2xx = re.search(r'Non-2xx or 3xx responses:\s+(\d+)', output)
    sock = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)',
                     output)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sock:
        errors += sum(int(g) for g in sock.groups())
    return {'rps': float(rps.group(1)), 'p50': _seconds(p50.group(1)),
            'p99': _seconds(p99.group(1)), 'requests': int(total.group(1)),
            'errors': errors}


def run_wrk(args, server, url, duration, warmup=False):
    cmd = [args.wrk, '-t%d' % args.wrk_threads, '-c%d' % args.connections,
           '-d%ds' % duration, '--latency', url]
    cpu0 = server.cpu_seconds()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cpu = server.cpu_seconds() - cpu0
    res = parse_wrk(out)
    if res['errors'] and not warmup:
        common.log('wrk reported errors on %s:\n%s' % (url, out))
    res['cpu_us'] = cpu / max(res['requests'], 1) * 1e6
    return res


def fmt_latency(seconds):
    return '%.2f ms' % (seconds * 1e3)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--duration', type=int, default=10, help='seconds per wrk run (10)')
    p.add_argument('--rounds', type=int, default=2,
                   help='bare/page pairs per page (2)')
    p.add_argument('--warmup', type=int, default=3, help='seconds of warm-up per URL (3)')
    p.add_argument('--connections', type=int, default=8)
    p.add_argument('--wrk-threads', type=int, default=2)
    p.add_argument('--threads', type=int, default=4, help='waitress threads (4)')
    p.add_argument('--reload-templates', action='store_true')
    p.add_argument('--no-page-cache', action='store_true',
                   help='the portal renders every page (anonymous page cache off)')
    p.add_argument('--no-reference', action='store_true',
                   help='skip the minimal Pyramid + ZODB reference app')
    p.add_argument('--wrk', default=shutil.which('wrk') or 'wrk')
    p.add_argument('--strict', action='store_true',
                   help='exit with status 1 when a target is not met')
    args = p.parse_args(argv)
    if not shutil.which(args.wrk):
        raise SystemExit('wrk not found: apt-get install -y wrk')

    common.ensure_data()
    servers = []
    try:
        bare = Server('bare', args.threads)
        portal = Server('portal', args.threads, args.reload_templates, args.no_page_cache)
        servers += [bare, portal]
        ref = None
        if not args.no_reference:
            ref = Server('zodb-minimal', args.threads)
            servers.append(ref)
        for s in servers:
            s.wait()

        targets_list = [(bare,) + common.BARE_PAGE]
        if ref is not None:
            targets_list.append((ref,) + common.ZODB_MINIMAL_PAGE)
        targets_list += [(portal,) + page for page in common.PORTAL_PAGES]
        for server, label, path, qs, expect in targets_list:
            check_page(server, label, path, qs, expect)

        common.log('warming up (%d s per URL)...' % args.warmup)
        for server, label, path, qs, expect in targets_list:
            # the first listing request of each ZODB connection loads every
            # bucket of the 100k folder (~0.7 s): wrk may time out, ignored
            run_wrk(args, server, server.url(path, qs), args.warmup, warmup=True)

        measured = targets_list[1:]
        bare_url = bare.url(common.BARE_PAGE[1], common.BARE_PAGE[2])
        runs = {label: [] for _, label, *_ in targets_list}
        pairs = {label: [] for _, label, *_ in measured}
        total = args.rounds * len(measured) * 2 * args.duration
        common.log('measuring: %d wrk runs of %d s (about %d s)...' % (
            args.rounds * len(measured) * 2, args.duration, total))
        for rnd in range(args.rounds):
            for server, label, path, qs, expect in measured:
                b = run_wrk(args, bare, bare_url, args.duration)
                t = run_wrk(args, server, server.url(path, qs), args.duration)
                runs[common.BARE_PAGE[0]].append(b)
                runs[label].append(t)
                pairs[label].append((b, t))
                common.log('  round %d %-13s %8.0f rps (bare %8.0f rps): %.0f%%' % (
                    rnd + 1, label, t['rps'], b['rps'], 100 * t['rps'] / b['rps']))
    finally:
        for s in servers:
            s.stop()

    print()
    print('cityportal HTTP benchmark, %s, %d CPUs, load %.1f; waitress threads=%d; '
          'wrk -t%d -c%d -d%ds --latency; %d round(s); page cache %s' % (
              time.strftime('%Y-%m-%d %H:%M'), os.cpu_count(), os.getloadavg()[0],
              args.threads, args.wrk_threads, args.connections, args.duration, args.rounds,
              'off (every page rendered)' if args.no_page_cache else 'on (shipped default)'))
    print('figures: median over the runs; "x bare": median of the per-pair ratios '
          '(each run against the bare app just before it)')
    print()
    head = '%-13s %9s %7s %10s %7s %10s %7s %9s %6s  %s' % (
        'page', 'rps', 'x bare', 'p50', 'x bare', 'p99', 'x bare', 'srv cpu', 'errors',
        'target')
    print(head)
    failed = 0
    for server, label, path, qs, expect in targets_list:
        rs = runs[label]
        rps = statistics.median(r['rps'] for r in rs)
        p50 = statistics.median(r['p50'] for r in rs)
        p99 = statistics.median(r['p99'] for r in rs)
        cpu = statistics.median(r['cpu_us'] for r in rs)
        errors = sum(r['errors'] for r in rs)
        if label == common.BARE_PAGE[0]:
            ratios = ('1.00', '1.00', '1.00')
            verdict = '(reference)'
        else:
            pr = pairs[label]
            r_rps = statistics.median(t['rps'] / b['rps'] for b, t in pr)
            r_p50 = statistics.median(t['p50'] / b['p50'] for b, t in pr)
            r_p99 = statistics.median(t['p99'] / b['p99'] for b, t in pr)
            ratios = ('%.2f' % r_rps, '%.1f' % r_p50, '%.1f' % r_p99)
            if label in MIN_RATIOS:
                ok = r_rps >= MIN_RATIOS[label]
                failed += not ok
                verdict = 'rps >= %.0f%% of bare: %s' % (
                    MIN_RATIOS[label] * 100, 'PASS' if ok else 'FAIL')
            elif label in RATIO_ONLY:
                verdict = '(ratio reported, no target)'
            elif label == common.ZODB_MINIMAL_PAGE[0]:
                verdict = '(reference; ~0.56 in the issue)'
            else:
                verdict = '(no HTTP target)'
        if errors:
            failed += 1
            verdict += '  ERRORS'
        print('%-13s %9.0f %7s %10s %7s %10s %7s %6.0f us %6d  %s' % (
            label, rps, ratios[0], fmt_latency(p50), ratios[1], fmt_latency(p99),
            ratios[2], cpu, errors, verdict))
    print()
    print('srv cpu: CPU time of the server process per request (utime+stime from /proc),'
          ' waitress included')
    print('%s' % ('all targets met' if not failed else '%d target(s) not met' % failed))
    return 1 if failed and args.strict else 0


if __name__ == '__main__':
    sys.exit(main())
