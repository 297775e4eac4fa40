"""Staff login: session rotation, cookie flags, throttling, audit, logout."""
import time

import pytest

from cityportal.testing import DEMO_PASSWORDS


def session_cookie(testapp):
    return testapp.cookies.get('cp_session')


def test_login_sets_httponly_samesite_cookie(testapp):
    res = testapp.login('editor')
    cookies = [v for k, v in res.headerlist if k == 'Set-Cookie' and v.startswith('cp_session=')]
    assert cookies and 'HttpOnly' in cookies[-1] and 'SameSite=Lax' in cookies[-1]


def test_session_id_rotates_at_login(testapp):
    # an anonymous session exists first (a flash after logout creates one)
    testapp.login('editor')
    testapp.logout()
    before = session_cookie(testapp)
    assert before
    testapp.login('editor')
    after = session_cookie(testapp)
    assert after and after != before


def test_logout_kills_the_server_side_session(testapp, app):
    testapp.login('admin')
    stolen = session_cookie(testapp)
    testapp.logout()
    import webtest
    thief = webtest.TestApp(app, extra_environ={'HTTP_HOST': 'localhost'})
    thief.set_cookie('cp_session', stolen)
    res = thief.get('/utilizatori/', expect_errors=True)
    assert res.status_int == 302 and '/login' in res.location


def test_logout_requires_post_with_csrf(testapp):
    testapp.login('editor')
    res = testapp.post('/logout', {}, expect_errors=True)
    assert res.status_int == 400
    assert testapp.get('/@@personal').status_int == 200   # still logged in


def test_wrong_password_clear_error_and_audited(testapp, root):
    res = testapp.login('editor', 'wrong-password', status=400)
    assert 'Numele de utilizator sau parola nu sunt corecte.' in res.text
    assert 'value="editor"' in res.text            # the login is kept
    assert 'wrong-password' not in res.text         # the password is not
    r = root.refresh()
    last = r.audit.latest(limit=1)[0]
    assert last['action'] == 'login.failed' and last['actor'] == 'editor'
    assert last['ip'] == '10.0.0.1'


def test_unknown_user_gets_the_same_message(testapp):
    res = testapp.login('nobody', 'whatever-pass', status=400)
    assert 'Numele de utilizator sau parola nu sunt corecte.' in res.text


def test_throttled_after_repeated_failures(testapp, root):
    for _ in range(5):
        testapp.login('operator', 'bad-password-x', status=400)
    res = testapp.login('operator', DEMO_PASSWORDS['operator'], status=400)
    assert 'Prea multe încercări eșuate' in res.text
    assert testapp.get('/@@personal', expect_errors=True).status_int == 302
    r = root.refresh()
    actions = [e['action'] for e in r.audit.latest(limit=7)]
    assert actions[0] == 'login.throttled' and actions.count('login.failed') == 5
    # the owner, from another address, is not locked out by a stranger's guesses
    testapp.extra_environ['REMOTE_ADDR'] = '10.0.0.2'
    testapp.login('operator')
    # repeated blocked attempts are logged once per window (a bounded log)
    testapp.logout()
    testapp.extra_environ['REMOTE_ADDR'] = '10.0.0.1'
    for _ in range(3):
        testapp.login('operator', DEMO_PASSWORDS['operator'], status=400)
    r = root.refresh()
    assert [e['action'] for e in r.audit.latest(limit=50)].count('login.throttled') == 1


def test_distributed_guessing_blocks_the_login_everywhere():
    from cityportal.accounts.resources import LoginThrottle
    t = LoginThrottle()
    now = time.time()
    for i in range(t.max_failures_per_login):
        t.failed('admin', '10.2.%d.%d' % (i // 250, i % 250), now)
    assert t.blocked_for('ADMIN ', '192.168.1.1', now) > 0
    assert t.blocked_for('editor', '192.168.1.1', now) == 0


def test_malformed_login_attempts_are_audited(testapp, root):
    page = testapp.get('/login')
    form = page.forms['cpform']
    form['login'] = 'x' * 150
    form['password'] = ''
    form.submit('submit', status=400)
    entry = root.refresh().audit.latest(limit=1)[0]
    assert entry['action'] == 'login.invalid' and entry['actor'] == 'x' * 100


def test_anonymous_logout_post_writes_nothing(testapp, db):
    testapp.get('/login')
    token = testapp.cookies['cp_csrf']
    for _ in range(3):
        testapp.post('/logout', {'csrf_token': token}, status=303)
    assert 'cp_session' not in testapp.cookies


def test_password_change_by_manager_ends_the_users_sessions(testapp, app):
    from cityportal.testing import Browser
    editor = Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.3.3.3'})
    editor.login('editor')
    assert editor.get('/@@personal').status_int == 200
    testapp.login('admin')
    form = testapp.get('/utilizatori/editor/@@parola').forms['cpform']
    form['password'] = 'parola-resetata-2026'
    form['password-confirm'] = 'parola-resetata-2026'
    form.submit('save', status=303)
    assert editor.get('/@@personal', expect_errors=True).status_int == 302


def test_deleted_and_recreated_account_does_not_inherit_sessions_or_roles(testapp, app, root):
    from cityportal.testing import Browser
    clerk = Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.4.4.4'})
    clerk.login('functionar')
    testapp.login('admin')
    page = testapp.get('/utilizatori/functionar/@@delete')
    page.forms['delete-form'].submit('delete', status=303)
    from cityportal.security import get_local_roles
    assert 'functionar' not in get_local_roles(root.refresh()['departamente']['urbanism'])
    form = testapp.get('/utilizatori/@@adauga-cont').forms['cpform']
    form['userid'] = 'functionar'
    form['password'] = 'alt-om-alta-parola'
    form['password-confirm'] = 'alt-om-alta-parola'
    form['title'] = 'Alt Om'
    form.submit('save', status=303)
    assert clerk.get('/@@personal', expect_errors=True).status_int == 302
    newcomer = Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.5.5.5'})
    newcomer.login('functionar', 'alt-om-alta-parola')
    assert 'Direcția Urbanism' not in newcomer.get('/@@personal').text


def test_csrf_token_rotates_at_login(testapp):
    testapp.get('/login')
    before = testapp.cookies['cp_csrf']
    testapp.login('editor')
    assert testapp.cookies['cp_csrf'] != before


def test_throttle_window_expires(root):
    from cityportal.accounts.resources import LoginThrottle
    t = LoginThrottle()
    now = time.time()
    for i in range(5):
        t.failed('ana', '1.2.3.4', now - 10)
    assert t.blocked_for('ana', '1.2.3.4', now) > 0
    assert t.blocked_for('ana', '1.2.3.4', now + t.window + 1) == 0
    assert t.blocked_for('ion', '1.2.3.5', now) == 0


def test_successful_login_audited_and_redirects_to_came_from(testapp, root):
    page = testapp.get('/utilizatori/', status=302).follow()
    form = page.forms['cpform']
    form['login'] = 'admin'
    form['password'] = DEMO_PASSWORDS['admin']
    res = form.submit('submit', status=303)
    assert res.location == 'http://localhost/utilizatori/'
    r = root.refresh()
    assert r.audit.latest(limit=1)[0]['action'] == 'login'


@pytest.mark.parametrize('came_from', ['http://evil.example/', '//evil.example/x',
                                        'javascript:alert(1)', '/\\evil.example'])
def test_came_from_cannot_leave_the_portal(testapp, came_from):
    page = testapp.get('/login', params={'came_from': came_from})
    form = page.forms['cpform']
    form['login'] = 'editor'
    form['password'] = DEMO_PASSWORDS['editor']
    res = form.submit('submit', status=303)
    assert res.location.startswith('http://localhost/')


def test_idle_timeout_logs_out_with_clear_message(testapp, db):
    testapp.login('admin')
    # age the session on the server beyond the idle timeout
    import transaction
    from cityportal.sessions import STORE_KEY
    tm = transaction.TransactionManager()
    conn = db.open(transaction_manager=tm)
    for record in conn.root()[STORE_KEY].sessions.values():
        record.accessed -= 3600
    tm.commit()
    conn.close()
    res = testapp.get('/utilizatori/', status=302)
    assert 'expired=1' in res.location
    assert 'Sesiunea a expirat' in res.follow().text


def test_disabled_account_cannot_log_in_and_loses_session(testapp, root, app):
    testapp.login('admin')
    page = testapp.get('/utilizatori/editor/@@edit')
    form = page.forms['cpform']
    form['active'] = False
    form.submit('save', status=303)
    import webtest
    other = webtest.TestApp(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.9.9.9'})
    page = other.get('/login')
    form = page.forms['cpform']
    form['login'] = 'editor'
    form['password'] = DEMO_PASSWORDS['editor']
    assert form.submit('submit', status=400)


def test_security_headers_and_no_store_for_logged_in_pages(testapp):
    res = testapp.get('/')
    assert res.headers['X-Frame-Options'] == 'DENY'
    assert res.headers['X-Content-Type-Options'] == 'nosniff'
    assert "frame-ancestors 'none'" in res.headers['Content-Security-Policy']
    assert 'no-store' not in res.headers.get('Cache-Control', '')
    testapp.login('editor')
    res = testapp.get('/@@personal')
    assert 'no-store' in res.headers['Cache-Control']


def test_throttle_prunes_stale_keys():
    from cityportal.accounts.resources import LoginThrottle
    t = LoginThrottle()
    now = time.time()
    for i in range(20):
        t.failed('user%d' % i, '10.0.0.%d' % i, now - t.window - 5)
    t.failed('fresh', '10.1.1.1', now)
    assert t.prune(now) == 60
    assert set(t.failures.keys()) == {'la:fresh|10.1.1.1', 'l:fresh', 'a:10.1.1.1'}


def test_session_store_purge():
    from cityportal.sessions import SessionData, SessionStore
    store = SessionStore()
    now = time.time()
    old, fresh, ancient = SessionData(now - 5000), SessionData(now), SessionData(now - 90000)
    old.accessed = now - 5000
    ancient.accessed = now - 10
    store.sessions.update({'a': old, 'b': fresh, 'c': ancient})
    assert store.purge(now, idle=900, lifetime=12 * 3600) == 2
    assert list(store.sessions.keys()) == ['b']


def test_concurrent_session_touches_resolve():
    from cityportal.sessions import SessionData
    s = SessionData(100)
    old = {'created': 100, 'accessed': 100, 'data': {'userid': 'x'}}
    a = dict(old, accessed=200)
    b = dict(old, accessed=300)
    assert s._p_resolveConflict(old, a, b)['accessed'] == 300
    with pytest.raises(ValueError):
        s._p_resolveConflict(old, dict(old, data={'userid': 'y'}), b)
