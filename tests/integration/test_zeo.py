"""The same app on ZEO, through the zconfig:// URI of etc/zeo-client.conf.

Two app instances (two "web processes") share one ZEO server: what one
commits, the other reads on its very next request (server-sync).
"""
import os
import re
import socket
import subprocess
import sys
import time

import pytest
import webtest

BIN = os.path.dirname(sys.executable)
PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def zeo(tmp_path):
    port = free_port()
    conf = open(os.path.join(PROJECT, 'etc', 'zeo.conf'), encoding='utf-8').read()
    conf = conf.replace('%define VAR var', '%%define VAR %s' % tmp_path)
    conf = conf.replace('127.0.0.1:8100', '127.0.0.1:%d' % port)
    path = tmp_path / 'zeo.conf'
    path.write_text(conf)
    proc = subprocess.Popen([os.path.join(BIN, 'runzeo'), '-C', str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    client = open(os.path.join(PROJECT, 'etc', 'zeo-client.conf'), encoding='utf-8').read()
    assert 'server-sync true' in client
    yield port, client
    proc.terminate()
    proc.wait(timeout=20)


def make_app(tmp_path, port, client_conf, n):
    conf = client_conf.replace('%define VAR var', '%%define VAR %s' % tmp_path)
    conf = conf.replace('127.0.0.1:8100', '127.0.0.1:%d' % port)
    conf = conf.replace('blobs-cache', 'blobs-cache-%d' % n)
    path = tmp_path / ('client%d.conf' % n)
    path.write_text(conf)
    from cityportal import main
    return main({}, **{'zodbconn.uri': 'zconfig://%s' % path,
                       'cityportal.secret': 'zeo-test', 'cityportal.var': str(tmp_path)})


def test_two_web_processes_on_zeo_see_each_others_commits(zeo, tmp_path):
    port, client = zeo
    a = make_app(tmp_path, port, client, 1)
    b = make_app(tmp_path, port, client, 2)
    from cityportal import demo
    from cityportal.testing import Browser, DEMO_PASSWORDS
    # seed through app a's storage
    import transaction
    db = a.registry._zodb_databases['']
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    tm.begin()
    from cityportal.root import bootstrap
    demo.seed(bootstrap(conn.root(), a.registry), a.registry)
    tm.commit()
    conn.close()
    browser_a = Browser(a, extra_environ={'HTTP_HOST': 'localhost'})
    browser_b = Browser(b, extra_environ={'HTTP_HOST': 'localhost'})
    assert 'Urbanism și construcții' in browser_b.get('/servicii/').text
    browser_a.login('editor')
    for i in range(3):
        form = browser_a.get('/servicii/@@add?type=Category').forms['cpform']
        form['title'] = 'Categorie ZEO %d' % i
        form.submit('save', status=303)
        # immediately, from the other process
        assert ('Categorie ZEO %d' % i) in browser_b.get('/servicii/').text
    # a session created in a is valid in b (sessions live in the shared ZODB)
    browser_b.set_cookie('cp_session', browser_a.cookies['cp_session'])
    assert browser_b.get('/@@personal').status_int == 200
    for app in (a, b):
        app.registry._zodb_databases[''].close()
