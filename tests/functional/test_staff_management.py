"""Managers create staff accounts and grant roles through the web."""
from cityportal.testing import DEMO_PASSWORDS


def test_manager_creates_account_then_it_logs_in(testapp, app, root):
    testapp.login('admin')
    form = testapp.get('/utilizatori/@@adauga-cont').forms['cpform']
    form['userid'] = 'maria'
    form['password'] = 'o-parola-buna-2026'
    form['password-confirm'] = 'o-parola-buna-2026'
    form['title'] = 'Maria Șerban'
    form['function'] = 'Inspector'
    form.submit('save', status=303)
    user = root.refresh()['utilizatori']['maria']
    assert user.title == 'Maria Șerban' and user.password_hash.startswith('$argon2')
    import webtest
    from cityportal.testing import Browser
    maria = Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.1.1.1'})
    maria.login('maria', 'o-parola-buna-2026')
    assert maria.get('/@@personal').status_int == 200
    assert maria.get('/utilizatori/', expect_errors=True).status_int == 403


def test_bad_account_input(testapp, root):
    testapp.login('admin')
    form = testapp.get('/utilizatori/@@adauga-cont').forms['cpform']
    form['userid'] = 'functionar'          # exists
    form['password'] = 'scurta'
    form['password-confirm'] = 'alta'
    form['title'] = 'Dublură'
    res = form.submit('save', status=400)
    assert 'Dublură' in res.text
    assert root.refresh()['utilizatori']['functionar'].title == 'Ștefan Țăranu'
    form = res.forms['cpform']
    form['password'] = 'o-parola-buna-2026'
    form['password-confirm'] = 'o-parola-buna-2026'
    res = form.submit('save', status=400)
    assert 'Există deja un element cu numele' in res.text


def test_grant_global_role_through_edit(testapp, app, root):
    testapp.login('admin')
    form = testapp.get('/utilizatori/functionar/@@edit').forms['cpform']
    form.fields['checkbox'][[f._value for f in form.fields['checkbox']].index('Operator')].checked = True
    form.submit('save', status=303)
    assert 'Operator' in root.refresh()['utilizatori']['functionar'].roles
    assert root.refresh().audit.latest(limit=1)[0]['action'] == 'user.roles'


def test_manager_cannot_remove_own_manager_role(testapp, root):
    testapp.login('admin')
    form = testapp.get('/utilizatori/admin/@@edit').forms['cpform']
    for f in form.fields['checkbox']:
        f.checked = False
    res = form.submit('save', status=400)
    assert 'Nu vă puteți retrage singur rolul de administrator.' in res.text
    assert 'Manager' in root.refresh()['utilizatori']['admin'].roles


def test_local_role_on_department_through_the_web(testapp, app, root):
    from cityportal.testing import Browser
    testapp.login('admin')
    page = testapp.get('/departamente/fiscala/@@roluri')
    form = page.forms['cpform']
    form['userid'] = 'functionar'
    form.fields['checkbox'][0].checked = True     # Clerk
    res = form.submit('save', status=303).follow()
    assert 'Ștefan Țăranu' in res.text
    dep = root.refresh()['departamente']['fiscala']
    assert dep.__local_roles__['functionar'] == frozenset({'Clerk'})
    # revoke: no roles checked
    form = testapp.get('/departamente/fiscala/@@roluri').forms['cpform']
    form['userid'] = 'functionar'
    form.submit('save', status=303)
    assert 'functionar' not in root.refresh()['departamente']['fiscala'].__local_roles__


def test_local_role_form_refuses_unknown_user(testapp, root):
    testapp.login('admin')
    res = testapp.get('/departamente/fiscala/@@roluri')
    token = testapp.cookies['cp_csrf']
    res = testapp.post('/departamente/fiscala/@@roluri',
                       [('csrf_token', token), ('userid', 'ghost'), ('__start__', 'roles:sequence'),
                        ('checkbox', 'Clerk'), ('__end__', 'roles:sequence'), ('save', 'save')],
                       status=400)
    from cityportal.security import get_local_roles
    assert 'ghost' not in get_local_roles(root.refresh()['departamente']['fiscala'])


def test_change_own_password(testapp):
    testapp.login('editor')
    form = testapp.get('/@@parola').forms['cpform']
    form['current'] = 'wrong'
    form['password'] = 'o-parola-noua-2026'
    form['password-confirm'] = 'o-parola-noua-2026'
    res = form.submit('save', status=400)
    assert 'Parola actuală nu este corectă.' in res.text
    form = res.forms['cpform']
    form['current'] = DEMO_PASSWORDS['editor']
    form['password'] = 'o-parola-noua-2026'
    form['password-confirm'] = 'o-parola-noua-2026'
    form.submit('save', status=303)
    testapp.logout()
    testapp.login('editor', 'o-parola-noua-2026')
