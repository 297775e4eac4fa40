"""Start the stand-ins next to the portal: for `make run` and for the tests.

    python -m integrations.launcher etc/development.ini

reads the ini, starts every stand-in the portal's settings point at on a
loopback port (today: the ROeID IdP, when ``cityportal.saml.idp_metadata`` is
an http://127.0.0.1 URL; the SMTP sink, when ``cityportal.mail.host`` is
127.0.0.1 and ``cityportal.mail.port`` is set, its web page on
``cityportal.mail.sink_http_port``, default 8026), waits until each answers,
then runs ``pserve`` in the foreground. Ctrl-C (or pserve's exit) stops them all.

Tests use :class:`Process` and :func:`start_idp` / :func:`start_smtp_sink` /
:func:`start_portal` to run the same commands on free ports.
"""
import argparse
import configparser
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

PROJECT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
START_TIMEOUT = 60


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def answers(url, timeout=2):
    """True when ``url`` answers 200 (loopback only: never through a proxy)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as res:
            return res.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Process:
    """A child process with its output in a log file, stopped on :meth:`stop`."""

    def __init__(self, name, argv, log_path, health_url, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.health_url = health_url
        self.log = open(log_path, 'a+', encoding='utf-8')
        self.proc = subprocess.Popen(argv, cwd=PROJECT, stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))

    def wait_ready(self, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not answers(self.health_url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError('%s did not answer on %s (exit %s):\n%s' % (
                    self.name, self.health_url, self.proc.poll(), self.output()))
            time.sleep(0.1)
        return self

    def output(self):
        self.log.flush()
        with open(self.log_path, encoding='utf-8', errors='replace') as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def start_idp(port, sp_metadata, keys_dir, log_path, extra=()):
    """The ROeID stand-in on 127.0.0.1:``port``, trusting the SP at ``sp_metadata``."""
    argv = [sys.executable, '-m', 'integrations.roeid_idp', '--host', '127.0.0.1',
            '--port', str(port), '--sp-metadata', sp_metadata, '--keys-dir', keys_dir]
    argv.extend(extra)
    return Process('roeid_idp', argv, log_path, 'http://127.0.0.1:%d/health' % port)


def start_smtp_sink(port, http_port, maildir, log_path):
    """The SMTP sink on 127.0.0.1:``port``; messages in ``maildir``, listed on ``http_port``."""
    argv = [sys.executable, '-m', 'integrations.smtp_sink', '--host', '127.0.0.1',
            '--port', str(port), '--http-port', str(http_port), '--maildir', maildir]
    return Process('smtp_sink', argv, log_path, 'http://127.0.0.1:%d/health' % http_port)


def start_portal(ini, port, log_path):
    return Process('pserve', [os.path.join(BIN, 'pserve'), ini], log_path,
                   'http://127.0.0.1:%d/' % port)


def write_ini(source, target, **app_settings):
    """A copy of ``source`` with settings of [app:main] (and ``listen``) replaced."""
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str
    with open(source, encoding='utf-8') as f:
        cp.read_file(f)
    # paths relative to the source ini stay pointed at the same files
    here = os.path.dirname(os.path.abspath(source))
    for section in cp.sections():
        for key, value in cp[section].items():
            if '%(here)s' in value:
                cp[section][key] = value.replace('%(here)s', here)
    listen = app_settings.pop('listen', None)
    for key, value in app_settings.items():
        cp['app:main'][key] = value
    if listen:
        cp['server:main']['listen'] = listen
    with open(target, 'w', encoding='utf-8') as f:
        f.write('# written by integrations/launcher.py from %s\n' % os.path.basename(source))
        cp.write(f)
    return target


class LiveSite:
    """For tests: the portal (pserve over a seeded FileStorage in a temp dir) and the
    ROeID stand-in, each on a free loopback port, reading each other's metadata.

        site = LiveSite(os.path.join(PROJECT, 'etc', 'testing.ini')).start()
        ... site.portal, site.idp (base URLs), site.procs[i].output() ...
        site.stop()
    """

    def __init__(self, source_ini, prefix='cityportal-live-', seed=('--demo',), idp_args=(),
                 **settings):
        import tempfile
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.port, self.idp_port = free_port(), free_port()
        self.portal = 'http://127.0.0.1:%d' % self.port
        self.idp = 'http://127.0.0.1:%d' % self.idp_port
        values = {
            'zodbconn.uri': 'file://%s/Data.fs?blobstorage_dir=%s/blobs' % (self.tmp, self.tmp),
            'cityportal.var': self.tmp,
            'cityportal.saml.idp_metadata': self.idp + '/metadata',
            'cityportal.saml.base_url': self.portal,
            'listen': '127.0.0.1:%d' % self.port,
        }
        values.update(settings)
        self.ini = write_ini(source_ini, os.path.join(self.tmp, 'site.ini'), **values)
        self.seed = seed
        self.idp_args = tuple(idp_args)
        self.procs = []

    def start(self, timeout=START_TIMEOUT):
        seeded = subprocess.run([os.path.join(BIN, 'cityportal-seed'), self.ini] + list(self.seed),
                                cwd=PROJECT, capture_output=True, text=True, timeout=300)
        if seeded.returncode != 0:
            raise RuntimeError('cityportal-seed failed (%d):\n%s\n%s' % (
                seeded.returncode, seeded.stdout, seeded.stderr))
        try:
            self.procs.append(start_idp(self.idp_port, self.portal + '/saml/metadata',
                                        os.path.join(self.tmp, 'idp'),
                                        os.path.join(self.tmp, 'idp.log'), self.idp_args))
            self.procs.append(start_portal(self.ini, self.port,
                                           os.path.join(self.tmp, 'pserve.log')))
            for proc in self.procs:
                proc.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        import shutil
        for proc in self.procs:
            proc.stop()
        self.procs = []
        shutil.rmtree(self.tmp, ignore_errors=True)


def _portal_address(cp):
    listen = cp['server:main'].get('listen', '127.0.0.1:6543').split()[0]
    host, _, port = listen.rpartition(':')
    return host or '127.0.0.1', int(port)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('ini')
    args = parser.parse_args(argv)
    ini = os.path.abspath(args.ini)
    cp = configparser.ConfigParser(interpolation=None)
    with open(ini, encoding='utf-8') as f:
        cp.read_file(f)
    app = cp['app:main']
    host, port = _portal_address(cp)
    var = os.path.normpath(os.path.join(os.path.dirname(ini), app.get(
        'cityportal.var', 'var').replace('%(here)s', os.path.dirname(ini))))
    os.makedirs(os.path.join(var, 'log'), exist_ok=True)
    children = []
    idp = urlsplit(app.get('cityportal.saml.idp_metadata', ''))
    if idp.scheme == 'http' and idp.hostname == '127.0.0.1':
        encrypt = app.get('cityportal.saml.want_assertions_encrypted', 'false').lower() in (
            'true', 'yes', 'on', '1')
        children.append(start_idp(
            idp.port, 'http://%s:%d/saml/metadata' % (host, port),
            os.path.join(var, 'roeid_idp'), os.path.join(var, 'log', 'roeid_idp.log'),
            extra=('--encrypt-assertion',) if encrypt else ()))
    if app.get('cityportal.mail.host', '').strip() == '127.0.0.1' and app.get(
            'cityportal.mail.port', '').strip():
        children.append(start_smtp_sink(
            int(app['cityportal.mail.port']), int(app.get('cityportal.mail.sink_http_port', 8026)),
            os.path.join(var, 'mail', 'sink'), os.path.join(var, 'log', 'smtp_sink.log')))
    # a TERM (from a service manager, or kill) stops everything like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    pserve = None
    try:
        for child in children:
            child.wait_ready()
            print('launcher: %s on %s (log: %s)' % (
                child.name, child.health_url.rsplit('/', 1)[0], child.log_path), flush=True)
        pserve = subprocess.Popen([os.path.join(BIN, 'pserve'), ini], cwd=PROJECT)
        return pserve.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        if pserve is not None and pserve.poll() is None:
            pserve.terminate()
            try:
                pserve.wait(15)
            except subprocess.TimeoutExpired:
                pserve.kill()
        for child in children:
            child.stop()


if __name__ == '__main__':
    sys.exit(main())
