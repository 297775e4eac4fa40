"""Acting for others: a parent for a minor child, a proxy for a person or a company.

The citizen asks on @@reprezentare, a clerk of the verifying department
(evidenta-persoanelor, the demo `functionar`) approves or rejects on
@@imputerniciri, the citizen switches "acting as" and works in the represented
dossier; every step is audited with the actor and the represented dossier.
"""
import datetime

import pytest
from webtest import Upload

from cityportal.dossiers.representation import APPROVED, PENDING, REJECTED, REVOKED
from cityportal.dossiers.resources import cnp_key, cui_key
from cityportal.testing import Browser, make_citizen, sign_in_citizen, valid_cnp
from cityportal.validators import mask_cnp

DEPT = '/departamente/evidenta-persoanelor'
QUEUE = DEPT + '/@@imputerniciri'
CNP_PARENT = valid_cnp('285031535001')
CNP_OTHER = valid_cnp('190120135002')
CUI = 'RO18547290'
PDF = b'%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n' + b'\0' * 64


def cnp_born(date, serial='123'):
    """A valid CNP of a boy born on ``date`` in Timiș."""
    first = {18: '3', 19: '1', 20: '5'}[date.year // 100]
    return valid_cnp('%s%02d%02d%02d35%s' % (first, date.year % 100, date.month, date.day,
                                             serial))


def years_ago(years, days=0):
    today = datetime.date.today()
    try:
        date = today.replace(year=today.year - years)
    except ValueError:      # 29 February
        date = today.replace(year=today.year - years, day=28)
    return date + datetime.timedelta(days=days)


CNP_CHILD = cnp_born(years_ago(7))


@pytest.fixture
def citizens(root, registry):
    parent, own = make_citizen(root, registry, CNP_PARENT, 'Ioana', 'Ștefănescu')
    other, other_dossier = make_citizen(root, registry, CNP_OTHER, 'Mihai', 'Țurcanu')
    root.commit()
    return {'parent': (parent, own.__name__), 'other': (other, other_dossier.__name__)}


@pytest.fixture
def browser(app, db):
    """Another browser on the same site (each with its own cookies)."""
    def make():
        return Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.0.0.2'})
    return make


def signed_in(testapp, root, account):
    sign_in_citizen(testapp, root.conn, account)
    root.commit()
    return testapp


def add(testapp, name, kind, upload=('certificat-naștere.pdf', PDF), status=303, **fields):
    page = testapp.get('/dosare/%s/@@reprezentare' % name)
    form = page.forms['cpform']
    form['kind'] = kind
    for key, value in fields.items():
        form[key] = value
    if upload is not None:
        form['upload'] = Upload(*upload)
    return form.submit('add', status=status)


def add_minor(testapp, name, cnp=CNP_CHILD, **kw):
    return add(testapp, name, 'minor', cnp=cnp, given_name='Andrei',
               family_name='Ștefănescu', **kw)


def add_company(testapp, name, cui=CUI, **kw):
    return add(testapp, name, 'proxy_company', cui=cui, company_name='Tipografia Banat SRL',
               upload=('împuternicire.png', PNG), **kw)


def representations(root):
    return list(root.refresh()['dosare'].representations.values())


def only(root):
    reps = representations(root)
    assert len(reps) == 1, reps
    return reps[0]


def as_clerk(browser):
    clerk = browser()
    clerk.login('functionar')
    return clerk


def approve(clerk, rep_id):
    detail = clerk.get(DEPT + '/@@imputernicire', params={'id': rep_id})
    return detail.forms['approve-form'].submit(status=303)


def entries(root, action):
    return [e for e in root.refresh().audit.entries.values() if e['action'] == action]


# the whole way, for a child ----------------------------------------------------

def test_parent_child_request_verification_and_acting(testapp, root, registry, citizens,
                                                      browser):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    page = add_minor(testapp, own).follow()
    assert 'Cererea de reprezentare a fost trimisă spre verificare.' in page.text
    assert 'În verificare' in page.text and CNP_CHILD not in page.text
    rep = only(root)
    assert (rep.state, rep.kind, rep.requester) == (PENDING, 'minor', own)
    assert rep.subject_key == cnp_key(registry, CNP_CHILD)
    assert rep.masked == mask_cnp(CNP_CHILD) and rep.mimetype == 'application/pdf'
    assert rep.filename == 'certificat-naștere.pdf' and rep.size == len(PDF)
    assert rep.document.open('r').read() == PDF
    assert CNP_CHILD not in repr(vars(rep))
    # the dossier page lists it too
    assert 'Andrei Ștefănescu' in testapp.get('/dosare/%s/' % own).text
    [entry] = entries(root, 'representation.request')
    assert entry['actor'] == parent.userid and entry['on_behalf_of'] is None

    clerk = as_clerk(browser)
    queue = clerk.get(QUEUE)
    assert 'Andrei Ștefănescu' in queue.text and mask_cnp(CNP_CHILD) in queue.text
    assert CNP_CHILD not in queue.text and CNP_PARENT not in queue.text
    detail = queue.click(href='imputernicire\\?id=')
    assert CNP_CHILD not in detail.text and 'Ioana Ștefănescu' in detail.text
    download = detail.click(href='imputernicire-document')
    assert download.body == PDF
    assert download.content_type == 'application/pdf'
    assert download.headers['Content-Disposition'].startswith('attachment;')
    assert "filename*=UTF-8''certificat-na%C8%99tere.pdf" in download.headers[
        'Content-Disposition']
    assert download.headers['X-Content-Type-Options'] == 'nosniff'
    approve(clerk, rep.id).follow()

    dossiers = root.refresh()['dosare']
    rep = dossiers.representations[rep.id]
    assert rep.state == APPROVED and rep.decided_by == 'functionar' and rep.decided_at
    child = dossiers[dossiers.by_key[cnp_key(registry, CNP_CHILD)]]
    assert child.owner is None and child.title == 'Andrei Ștefănescu'
    assert child.holder_masked == mask_cnp(CNP_CHILD)
    assert child.representatives == {parent.userid: {'kind': 'minor',
                                                      'representation': rep.id}}
    assert rep.dossier_name == child.__name__
    [entry] = entries(root, 'representation.approve')
    assert entry['actor'] == 'functionar'
    assert entry['on_behalf_of'] == '/dosare/' + child.__name__

    # the parent switches to acting for the child
    page = testapp.get('/dosare/%s/' % own)
    switcher = page.forms[[k for k, f in page.forms.items()
                           if f.action.endswith('/@@actionez')][0]]
    switcher['dosar'] = child.__name__
    page = switcher.submit(status=303).follow()
    assert page.request.path == '/dosare/%s/' % child.__name__
    assert 'Acționați în numele: <strong>Andrei Ștefănescu</strong>' in page.text
    assert testapp.get('/@@dosar', status=303).location.endswith('/dosare/%s/' % child.__name__)
    [entry] = entries(root, 'representation.act')
    assert entry['actor'] == parent.userid
    assert entry['on_behalf_of'] == '/dosare/' + child.__name__
    # the child's dossier is theirs to work in, not to manage
    testapp.get('/dosare/%s/@@profil' % child.__name__, status=403)
    testapp.get('/dosare/%s/@@reprezentare' % child.__name__, status=403)
    # on their own dossier they act for themselves, even while acting for the child
    form = testapp.get('/dosare/%s/@@profil' % own).forms['cpform']
    form['phone'] = '0722 123 456'
    form.submit('save', status=303)
    [entry] = entries(root, 'profile.edit')
    assert entry['actor'] == parent.userid and entry['on_behalf_of'] is None

    # and back to themselves
    page = testapp.get('/dosare/%s/' % child.__name__)
    switcher = page.forms[[k for k, f in page.forms.items()
                           if f.action.endswith('/@@actionez')][0]]
    switcher['dosar'] = ''
    switcher.submit(status=303)
    assert testapp.get('/@@dosar', status=303).location.endswith('/dosare/%s/' % own)
    assert 'Acționați în numele' not in testapp.get('/dosare/%s/' % own).text


def test_company_proxy_is_approved_the_same_way(testapp, root, registry, citizens, browser):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    add_company(testapp, own)
    rep = only(root)
    assert rep.kind == 'proxy_company' and rep.masked == '18547290'
    assert rep.subject_key == cui_key(registry, '18547290') and rep.mimetype == 'image/png'
    clerk = as_clerk(browser)
    assert '18547290' in clerk.get(QUEUE).text       # a CUI is public: shown whole
    approve(clerk, rep.id)
    dossiers = root.refresh()['dosare']
    company = dossiers[dossiers.by_key[cui_key(registry, '18547290')]]
    assert company.owner is None and company.holder_kind == 'company'
    assert company.title == 'Tipografia Banat SRL'
    assert parent.userid in company.representatives
    page = testapp.post('/@@actionez', {'dosar': company.__name__,
                                        'csrf_token': testapp.csrf()}, status=303).follow()
    assert 'Tipografia Banat SRL' in page.text and 'CUI' in page.text


def test_a_proxy_for_an_adult_joins_their_existing_dossier(testapp, root, registry, citizens,
                                                          browser):
    parent, own = citizens['parent']
    other, other_name = citizens['other']
    signed_in(testapp, root, parent)
    add(testapp, own, 'proxy_person', cnp=CNP_OTHER, given_name='Mihai', family_name='Țurcanu',
        upload=('procura.jpg', b'\xff\xd8\xff\xe0' + b'\0' * 32))
    rep = only(root)
    assert rep.mimetype == 'image/jpeg'
    approve(as_clerk(browser), rep.id)
    dossier = root.refresh()['dosare'][other_name]
    assert dossier.owner == other.userid and parent.userid in dossier.representatives
    testapp.get('/dosare/%s/' % other_name, status=200)


# rejection and revocation -----------------------------------------------------------

def test_reject_needs_a_reason(testapp, root, citizens, browser):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    add_minor(testapp, own)
    rep = only(root)
    clerk = as_clerk(browser)
    form = clerk.get(DEPT + '/@@imputernicire', params={'id': rep.id}).forms['cpform']
    bad = form.submit('reject', status=400)
    assert 'Scrieți motivul respingerii' in bad.text
    assert 'Andrei Ștefănescu' in bad.text and 'approve-form' in bad.forms
    assert only(root).state == PENDING
    form = bad.forms['cpform']
    form['reason'] = 'Certificatul de naștere nu este lizibil.'
    form.submit('reject', status=303)
    rep = only(root)
    assert rep.state == REJECTED and rep.reason == 'Certificatul de naștere nu este lizibil.'
    [entry] = entries(root, 'representation.reject')
    assert entry['actor'] == 'functionar' and entry['details']['reason'] == rep.reason
    page = testapp.get('/dosare/%s/@@reprezentare' % own)
    assert 'Respinsă: Certificatul de naștere nu este lizibil.' in page.text
    # a rejected request is no longer in the queue, and cannot be approved after all
    assert 'Andrei' not in clerk.get(QUEUE).text
    res = clerk.post(DEPT + '/@@imputernicire-aproba?id=' + rep.id,
                     {'csrf_token': clerk.csrf()}, status=303).follow()
    assert 'Cererea a fost deja soluționată.' in res.text
    assert only(root).state == REJECTED
    # and a new request for the child is possible again
    add_minor(testapp, own)
    assert len(representations(root)) == 2


def test_revocation_removes_access(testapp, root, registry, citizens, browser):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    add_minor(testapp, own)
    rep = only(root)
    approve(as_clerk(browser), rep.id)
    child_name = only(root).dossier_name
    testapp.post('/@@actionez', {'dosar': child_name, 'csrf_token': testapp.csrf()},
                 status=303)
    testapp.get('/dosare/%s/' % child_name, status=200)
    # revoke: confirm first, then POST
    page = testapp.get('/dosare/%s/@@reprezentare' % own)
    confirm = page.click(href='reprezentare-revoca')
    assert "Revocați reprezentarea pentru Andrei Ștefănescu?" in confirm.text
    confirm.forms['revoke-form'].submit('revoke', status=303)
    assert only(root).state == REVOKED
    child = root.refresh()['dosare'][child_name]
    assert child.representatives == {}
    [entry] = entries(root, 'representation.revoke')
    assert entry['actor'] == parent.userid and entry['on_behalf_of'] == '/dosare/' + child_name
    res = testapp.get('/dosare/%s/' % child_name, status=403)
    assert 'Andrei' not in res.text
    assert testapp.get('/@@dosar', status=303).location.endswith('/dosare/%s/' % own)
    res = testapp.post('/@@actionez', {'dosar': child_name, 'csrf_token': testapp.csrf()},
                       expect_errors=True)
    assert res.status_int == 403


def test_revoking_while_still_acting_falls_back_to_the_own_dossier(testapp, root, citizens,
                                                                  browser):
    """The choice in the session is checked on every use, not trusted."""
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    add_minor(testapp, own)
    rep = only(root)
    approve(as_clerk(browser), rep.id)
    child_name = only(root).dossier_name
    testapp.post('/@@actionez', {'dosar': child_name, 'csrf_token': testapp.csrf()},
                 status=303)
    # taken away behind the session's back (a second browser of the parent)
    second = signed_in(browser(), root, parent)
    confirm = second.get('/dosare/%s/@@reprezentare-revoca?id=%s' % (own, rep.id))
    confirm.forms['revoke-form'].submit('revoke', status=303)
    page = testapp.get('/dosare/%s/' % own)
    assert 'Acționați în numele' not in page.text
    assert testapp.get('/@@dosar', status=303).location.endswith('/dosare/%s/' % own)


# invalid input: nothing is stored --------------------------------------------------

def _refused(res, root, message):
    assert res.status_int == 400, res.status
    assert 'Formularul nu a fost salvat.' in res.text
    assert message in res.text, res.text[:3000]
    assert representations(root) == []


@pytest.mark.parametrize('case, message', [
    ('invalid-cnp', 'CNP-ul nu este valid: cifra de control nu corespunde.'),
    ('adult', 'a împlinit 18 ani'),
    ('just-18', 'a împlinit 18 ani'),
    ('unborn', 'Data nașterii din CNP este în viitor.'),
    ('no-names', 'Câmp obligatoriu.'),
    ('own-cnp', 'Nu vă puteți reprezenta pe dumneavoastră înșivă.'),
    ('exe-as-pdf', 'Se acceptă doar documente PDF, JPEG sau PNG'),
    ('oversize', 'Fișierul depășește 10 MB.'),
    ('empty-file', 'Fișierul este gol.'),
    ('missing-file', 'Câmp obligatoriu.'),
    ('no-kind', 'Alegeți pe cine reprezentați.'),
])
def test_invalid_person_requests_are_refused(testapp, root, citizens, case, message):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    kw = {'status': 400}
    if case == 'invalid-cnp':
        res = add_minor(testapp, own, cnp=CNP_CHILD[:12] + str((int(CNP_CHILD[12]) + 1) % 10),
                        **kw)
    elif case == 'adult':
        res = add_minor(testapp, own, cnp=CNP_OTHER, **kw)
    elif case == 'just-18':
        res = add_minor(testapp, own, cnp=cnp_born(years_ago(18)), **kw)
    elif case == 'unborn':
        res = add_minor(testapp, own, cnp=cnp_born(years_ago(0, days=40)), **kw)
    elif case == 'no-names':
        res = add(testapp, own, 'minor', cnp=CNP_CHILD, **kw)
    elif case == 'own-cnp':
        res = add(testapp, own, 'proxy_person', cnp=CNP_PARENT, given_name='Ioana',
                  family_name='Ștefănescu', **kw)
    elif case == 'exe-as-pdf':
        res = add_minor(testapp, own, upload=('certificat.pdf', b'MZ\x90\x00' + b'\0' * 200),
                        **kw)
    elif case == 'oversize':
        res = add_minor(testapp, own, upload=('certificat.pdf', b'%PDF-1.4\n' +
                                              b'0' * (10 * 1024 * 1024)), **kw)
    elif case == 'empty-file':
        res = add_minor(testapp, own, upload=('certificat.pdf', b''), **kw)
    elif case == 'missing-file':
        res = add_minor(testapp, own, upload=None, **kw)
    else:
        page = testapp.get('/dosare/%s/@@reprezentare' % own)
        form = page.forms['cpform']
        form['cnp'] = CNP_CHILD
        form['upload'] = Upload('c.pdf', PDF)
        res = form.submit('add', status=400)
    _refused(res, root, message)
    if case not in ('missing-file', 'no-kind', 'exe-as-pdf', 'oversize', 'empty-file'):
        assert 'value="Andrei"' in res.text or case in ('no-names', 'own-cnp')


def test_adult_is_refused_the_day_before_they_turn_18_is_not(testapp, root, citizens):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    add_minor(testapp, own, cnp=cnp_born(years_ago(18, days=1)))
    assert only(root).state == PENDING


@pytest.mark.parametrize('cui, message', [
    ('RO18547291', 'CUI-ul nu este valid: cifra de control nu corespunde.'),
    ('12-AB', 'CUI-ul are între 2 și 10 cifre'),
    ('', 'Câmp obligatoriu.'),
])
def test_bad_cui_is_refused(testapp, root, citizens, cui, message):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    _refused(add_company(testapp, own, cui=cui, status=400), root, message)


def test_duplicates_are_refused(testapp, root, citizens):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    add_minor(testapp, own)
    res = add_minor(testapp, own, status=400)
    assert 'Aveți deja o cerere în verificare sau aprobată pentru acest CNP.' in res.text
    add_company(testapp, own)
    res = add_company(testapp, own, cui='18547290', status=400)
    assert 'pentru acest CUI' in res.text
    assert len(representations(root)) == 2


def test_romanian_errors_have_english_translations(testapp, root, citizens):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    testapp.set_cookie('cp_lang', 'en')
    res = add_minor(testapp, own, cnp=CNP_OTHER, status=400)
    assert 'Acționez' not in res.text and 'Câmp obligatoriu' not in res.text
    assert 'Adaugă' not in res.text


# who may not ------------------------------------------------------------------------

@pytest.fixture
def pending(testapp, root, citizens):
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    add_minor(testapp, own)
    return only(root).id


def _staff_urls(rep_id):
    return [QUEUE, DEPT + '/@@imputernicire?id=' + rep_id,
            DEPT + '/@@imputernicire-document?id=' + rep_id]


@pytest.mark.parametrize('who', ['semnatar', 'editor', 'other-citizen', 'parent',
                                 'anonymous', 'clerk-fiscala'])
def test_others_do_not_reach_the_queue(testapp, root, registry, citizens, pending, browser,
                                       who):
    visitor = browser()
    if who == 'parent':
        signed_in(visitor, root, citizens['parent'][0])
    elif who == 'other-citizen':
        signed_in(visitor, root, citizens['other'][0])
    elif who == 'clerk-fiscala':
        from cityportal import api
        site = root.refresh()
        api.user.create(site, 'casier', 'o-parola-destul-de-lunga', 'Casier Fiscal',
                        registry=registry)
        api.user.grant_local_roles(site['departamente']['fiscala'], 'casier', ('Clerk',),
                                   registry=registry)
        root.commit()
        visitor.login('casier', 'o-parola-destul-de-lunga')
    elif who != 'anonymous':
        visitor.login(who)
    for url in _staff_urls(pending):
        res = visitor.get(url, expect_errors=True)
        if who == 'anonymous':
            assert res.status_int == 302 and '/login?came_from=' in res.location, url
        else:
            assert res.status_int in (403, 404), (url, res.status)
        assert 'Andrei' not in res.text and PDF not in res.body
    res = visitor.post(DEPT + '/@@imputernicire-aproba?id=' + pending,
                       {'csrf_token': visitor.csrf()}, expect_errors=True)
    assert res.status_int in (302, 403)
    assert only(root).state == PENDING


def test_other_departments_have_no_queue(root, browser, pending):
    """The urbanism clerk (functionar works there too) finds no such pages in urbanism."""
    clerk = as_clerk(browser)
    for url in _staff_urls(pending):
        clerk.get(url.replace('evidenta-persoanelor', 'urbanism'), status=404)
    clerk.post('/departamente/urbanism/@@imputernicire-aproba?id=' + pending,
               {'csrf_token': clerk.csrf()}, status=404)
    assert only(root).state == PENDING


def test_a_citizen_cannot_approve_their_own_request(testapp, root, pending):
    res = testapp.post(DEPT + '/@@imputernicire-aproba?id=' + pending,
                       {'csrf_token': testapp.csrf()}, expect_errors=True)
    assert res.status_int == 403
    assert only(root).state == PENDING
    assert entries(root, 'representation.approve') == []


def test_post_without_csrf_is_refused(testapp, root, citizens, pending, browser):
    parent, own = citizens['parent']
    res = testapp.post('/dosare/%s/@@reprezentare-revoca?id=%s' % (own, pending),
                       {'revoke': ''}, expect_errors=True)
    assert res.status_int == 400
    page = testapp.get('/dosare/%s/@@reprezentare' % own)
    form = page.forms['cpform']
    form['csrf_token'] = 'forged'
    form['kind'] = 'minor'
    assert form.submit('add', expect_errors=True).status_int == 400
    clerk = as_clerk(browser)
    assert clerk.post(DEPT + '/@@imputernicire-aproba?id=' + pending, {},
                      expect_errors=True).status_int == 400
    assert clerk.post(DEPT + '/@@imputernicire?id=' + pending, {'reason': 'x', 'reject': ''},
                      expect_errors=True).status_int == 400
    assert testapp.post('/@@actionez', {'dosar': own}, expect_errors=True).status_int == 400
    assert only(root).state == PENDING


def test_representatives_cannot_manage_the_request_of_someone_else(testapp, root, citizens,
                                                                   pending, browser):
    other = signed_in(browser(), root, citizens['other'][0])
    other_name = citizens['other'][1]
    parent_name = citizens['parent'][1]
    # not on the parent's dossier, and not by id through their own
    other.get('/dosare/%s/@@reprezentare' % parent_name, status=403)
    other.get('/dosare/%s/@@reprezentare-revoca?id=%s' % (other_name, pending), status=404)
    res = other.post('/dosare/%s/@@reprezentare-revoca?id=%s' % (other_name, pending),
                     {'csrf_token': other.csrf(), 'revoke': ''}, expect_errors=True)
    assert res.status_int == 404
    assert only(root).state == PENDING
    # and they cannot switch to a dossier they do not represent
    res = other.post('/@@actionez', {'dosar': parent_name, 'csrf_token': other.csrf()},
                     expect_errors=True)
    assert res.status_int == 403


def test_staff_cannot_use_the_citizen_pages(root, citizens, browser):
    clerk = as_clerk(browser)
    own = citizens['parent'][1]
    assert clerk.get('/dosare/%s/@@reprezentare' % own, expect_errors=True).status_int == 403
    assert clerk.post('/@@actionez', {'dosar': own, 'csrf_token': clerk.csrf()},
                      expect_errors=True).status_int == 403


# the facade, without a request --------------------------------------------------------

def test_both_parents_share_the_child_dossier(root, registry):
    import io
    from cityportal.dossiers import representation as r
    mother, _d = make_citizen(root, registry, CNP_PARENT, 'Ioana', 'Ștefănescu')
    father, _d = make_citizen(root, registry, CNP_OTHER, 'Mihai', 'Ștefănescu')
    dossiers = root['dosare']
    reps = [r.request_representation(dossiers, registry, parent, r.MINOR, io.BytesIO(PDF),
                                     'c.pdf', cnp=CNP_CHILD, given_name='Andrei',
                                     family_name='Ștefănescu')
            for parent in (mother, father)]
    assert [rep.id for rep in r.pending_representations(dossiers)] == [rep.id for rep in reps]
    first, second = [r.approve(dossiers, registry, rep, 'functionar') for rep in reps]
    assert first is second and first.owner is None
    assert set(first.representatives) == {mother.userid, father.userid}
    r.revoke(dossiers, registry, reps[0], mother.userid)
    assert set(first.representatives) == {father.userid}
    assert r.represented_dossiers(dossiers, father) == [first]
    assert r.represented_dossiers(dossiers, mother) == []
    with pytest.raises(r.RepresentationError):
        r.approve(dossiers, registry, reps[0], 'functionar')     # revoked: decided


def test_the_child_signing_in_later_owns_their_dossier(root, registry):
    import io
    from cityportal.dossiers import representation as r
    parent, _d = make_citizen(root, registry, CNP_PARENT, 'Ioana', 'Ștefănescu')
    dossiers = root['dosare']
    rep = r.request_representation(dossiers, registry, parent, r.MINOR, io.BytesIO(PDF),
                                   'c.pdf', cnp=CNP_CHILD, given_name='Andrei',
                                   family_name='Ștefănescu')
    child_dossier = r.approve(dossiers, registry, rep, 'functionar')
    child, same = make_citizen(root, registry, CNP_CHILD, 'Andrei', 'Ștefănescu')
    assert same is child_dossier and child_dossier.owner == child.userid
    assert parent.userid in child_dossier.representatives


def test_minor_means_under_18_today(registry):
    from cityportal.dossiers.representation import subject_problems
    born = datetime.date(2008, 2, 29)
    cnp = cnp_born(born)
    assert subject_problems('minor', cnp, 'A', 'B', today=datetime.date(2026, 2, 28)) == []
    assert subject_problems('minor', cnp, 'A', 'B', today=datetime.date(2026, 3, 1))


def test_a_form_sent_back_with_errors_keeps_the_document(testapp, root, citizens):
    """The names were missing: the page comes back with the file kept (held on the
    account); sent again with the names only, the request carries that file."""
    parent, own = citizens['parent']
    signed_in(testapp, root, parent)
    res = add(testapp, own, 'minor', cnp=CNP_CHILD, status=400)
    assert 'Câmp obligatoriu.' in res.text
    assert 'certificat-naștere.pdf' in res.text          # shown as kept
    form = res.forms['cpform']
    form['given_name'] = 'Andrei'
    form['family_name'] = 'Ștefănescu'
    form.submit('add', status=303)
    rep = only(root)
    assert rep.filename == 'certificat-naștere.pdf'
    assert rep.document.open('r').read() == PDF
    held = root.refresh()['dosare'].accounts[parent.account_id].held_uploads
    assert len(held) == 0                                # given to the request: gone


def test_held_uploads_are_the_accounts_own_and_expire():
    import io
    from cityportal.dossiers.held_uploads import HOLD_SECONDS, MAX_HELD, HeldUploads

    class Account:
        pass
    clock = [1000.0]
    mine, other = Account(), Account()
    store = HeldUploads(mine, 100, now=lambda: clock[0])
    store['u1'] = {'fp': io.BytesIO(PDF[:50]), 'filename': 'a.pdf', 'mimetype': 'x'}
    store['big'] = {'fp': io.BytesIO(b'0' * 101), 'filename': 'b.pdf'}
    assert 'u1' in mine.held_uploads and 'big' not in mine.held_uploads
    later = HeldUploads(mine, 100, now=lambda: clock[0])     # the next request
    assert later['u1']['fp'].read() == PDF[:50] and 'big' not in later
    assert 'u1' not in HeldUploads(other, 100, now=lambda: clock[0])
    clock[0] += HOLD_SECONDS + 1
    assert later.get('u1') is None
    for i in range(MAX_HELD + 3):
        store['n%d' % i] = {'fp': io.BytesIO(b'%d' % i)}
        clock[0] += 1
    assert len(mine.held_uploads) == MAX_HELD and 'n0' not in mine.held_uploads
    store.close()
    later.close()
