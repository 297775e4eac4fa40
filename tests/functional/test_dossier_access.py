"""Who sees a dossier: its holder only (and the managers), never another citizen,
an anonymous visitor or a clerk of an unrelated department."""
import pytest

from cityportal.testing import make_citizen, sign_in_citizen, valid_cnp

CNP_A = valid_cnp('285031535001')
CNP_B = valid_cnp('190120135002')


@pytest.fixture
def citizens(root, registry):
    from cityportal.cases.resources import Case
    a, dossier_a = make_citizen(root, registry, CNP_A, 'Ioana', 'Ștefănescu')
    b, dossier_b = make_citizen(root, registry, CNP_B, 'Mihai', 'Țurcanu')
    # B has a case of an urbanism service (a department with demo clerks)
    service = next(s for c in root['servicii'].values() for s in c.values()
                   if s.department == 'urbanism')
    case = Case(service, b.userid)
    case.number = 'TM-2026-000001'
    case.state = 'in_progress'
    dossier_b.add('tm-2026-000001', case, registry=registry)
    root.commit()
    return {'a': (a, dossier_a.__name__), 'b': (b, dossier_b.__name__)}


def urls_of(name):
    base = '/dosare/%s/' % name
    case = base + 'tm-2026-000001/'
    return [base, base + '@@profil', base + '@@contents', base + '@@edit',
            base + 'nu-exista', base + '@@continut', base + '@@reprezentare',
            base + '@@confirma-email?t=x',
            case, case + '@@fisier?id=1', case + '@@mesaje', case + '@@completare',
            case + '@@retrage', case + '@@formular', case + '@@verificare', case + '@@actiune',
            case + '@@edit', case + '@@contents']


def test_holder_sees_own_dossier_with_a_masked_cnp(testapp, root, citizens):
    account, name = citizens['a']
    sign_in_citizen(testapp, root.conn, account)
    root.commit()
    page = testapp.get('/@@dosar', status=303).follow()
    assert page.request.path == '/dosare/%s/' % name
    assert 'Ioana Ștefănescu' in page.text
    assert CNP_A not in page.text and CNP_A[:7] + '••••' + CNP_A[11:] in page.text
    assert 'Situația fiscală nu este încă disponibilă' in page.text
    assert CNP_A not in name and CNP_A not in page.request.url


@pytest.mark.parametrize('who', ['citizen-a', 'anonymous', 'editor', 'operator',
                                 'other-clerk'])
def test_nobody_else_reaches_b(testapp, root, citizens, who):
    if who == 'citizen-a':
        sign_in_citizen(testapp, root.conn, citizens['a'][0])
        root.commit()
    elif who == 'other-clerk':
        # the demo clerk, made a clerk of a department that is not the case's
        from cityportal import api
        user = root['utilizatori']['functionar']
        for path in list(user.local_role_paths):
            dep = root['departamente'][path.rsplit('/', 1)[-1]]
            api.user.grant_local_roles(dep, user.userid, ())
        api.user.grant_local_roles(root['departamente']['evidenta-persoanelor'],
                                   user.userid, ('Clerk',))
        root.commit()
        testapp.login('functionar')
    elif who != 'anonymous':
        testapp.login(who)
    for url in urls_of(citizens['b'][1]):
        res = testapp.get(url, expect_errors=True)
        if who == 'anonymous':
            assert res.status_int == 302 and '/@@autentificare?came_from=' in res.location, url
        else:
            assert res.status_int in (403, 404), (url, res.status)
        assert 'Țurcanu' not in res.text and CNP_B[:7] not in res.text
        post = testapp.post(url, {'csrf_token': testapp.csrf() if who != 'anonymous' else ''},
                            expect_errors=True)
        assert post.status_int in (302, 400, 403, 404), (url, post.status)


def test_a_citizen_has_no_staff_area(testapp, root, citizens):
    sign_in_citizen(testapp, root.conn, citizens['a'][0])
    root.commit()
    for url in ('/@@personal', '/dosare/', '/utilizatori/', '/integrari/', '/@@audit',
                '/servicii/@@add?type=Category'):
        assert testapp.get(url, expect_errors=True).status_int == 403, url


def test_profile_edit_validates_and_saves(testapp, root, citizens):
    account, name = citizens['a']
    sign_in_citizen(testapp, root.conn, account)
    root.commit()
    page = testapp.get('/dosare/%s/@@profil' % name)
    form = page.forms['cpform']
    form['email'] = 'nu-e-email'
    form['phone'] = '12'
    bad = form.submit('save', status=400)
    assert 'Adresă de e-mail invalidă.' in bad.text and 'nu-e-email' in bad.text
    form = bad.forms['cpform']
    form['email'] = 'ioana@example.ro'
    form['phone'] = '0722 123 456'
    form.submit('save', status=303)
    account = root.refresh()['dosare'].accounts[name]
    # the new address waits for its confirmation link
    assert account.email == '' and account.pending_email == 'ioana@example.ro'
    assert account.phone.replace(' ', '').endswith('722123456')


def test_a_new_email_counts_once_confirmed(testapp, root, citizens, monkeypatch):
    from cityportal.dossiers import views
    sent = []
    monkeypatch.setattr(views, 'send_email_confirmation',
                        lambda request, dossier, email, token: sent.append((email, token)))
    account, name = citizens['a']
    sign_in_citizen(testapp, root.conn, account)
    root.commit()
    form = testapp.get('/dosare/%s/@@profil' % name).forms['cpform']
    form['email'] = 'ioana@example.ro'
    page = form.submit('save', status=303).follow()
    assert 'V-am trimis un link de confirmare la ioana@example.ro' in page.text
    [(email, token)] = sent
    wrong = testapp.get('/dosare/%s/@@confirma-email?t=%s' % (name, 'x' * len(token)),
                        status=303).follow()
    assert 'nu este valid' in wrong.text
    assert root.refresh()['dosare'].accounts[name].email == ''
    good = testapp.get('/dosare/%s/@@confirma-email?t=%s' % (name, token), status=303).follow()
    assert 'Adresa ioana@example.ro a fost confirmată.' in good.text
    account = root.refresh()['dosare'].accounts[name]
    assert account.email == 'ioana@example.ro' and account.email_verified
    # the link works once
    again = testapp.get('/dosare/%s/@@confirma-email?t=%s' % (name, token), status=303).follow()
    assert 'nu este valid' in again.text


def test_an_email_link_expires(root, registry):
    account, _ = make_citizen(root, registry, CNP_A, 'Ioana', 'Ștefănescu')
    token = account.start_email_change('ioana@example.ro', now=1000)
    assert account.confirm_email(token, now=1000 + 49 * 3600) is None
    assert account.email == ''


def test_second_login_finds_the_same_dossier(root, registry):
    first, dossier = make_citizen(root, registry, CNP_A, 'Ioana', 'Ștefănescu')
    again, same = make_citizen(root, registry, CNP_A, 'Ioana', 'Ștefănescu-Pop')
    assert first is again and dossier is same
    assert same.title == 'Ioana Ștefănescu-Pop'
    assert len(root['dosare'].accounts) == 1
    assert CNP_A not in list(root['dosare'].by_key.keys())[0]
