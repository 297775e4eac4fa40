"""The clerk's side of a case, with every role: the case page, its files, the actions,
the legal clock (pause, extension), the inboxes and the head of department's dashboard.

The demo ``functionar`` is a Clerk of ``urbanism``, ``semnatar`` its Signatory; a clerk
of another department is made here (``fiscal``). Cases are filed through the api
(:func:`cityportal.testing.make_case`), the citizen's own answer to a completion
request through the workflow (its page is the messages' issue).
"""
import datetime
import hashlib
import time

import pytest
from ZODB.blob import Blob

from cityportal import api as portal_api
from cityportal.cases import deadlines, workflow
from cityportal.cases.resources import Attachment
from cityportal.testing import (
    DEMO_PASSWORDS, action_form, case_url, make_case, make_citizen, sign_in_citizen,
    valid_cnp)

CNP_A = valid_cnp('285031535001')
CNP_B = valid_cnp('190120135002')
CATEGORY = 'urbanism-si-constructii'
CU = portal_api.content.slugify('Certificat de urbanism pentru lucrări de construire/desființare')
AC = portal_api.content.slugify('Autorizație de construire')
FISCAL_PASSWORD = 'parola-fiscal-2026'
PDF = b'%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n'

FIELDS = (
    {'name': 'scop', 'type': 'select', 'label': 'Scopul certificatului',
     'options': [{'value': 'construire', 'label': 'Construire'},
                 {'value': 'desfiintare', 'label': 'Desființare'}]},
    {'name': 'descriere', 'type': 'textarea', 'label': 'Descrierea lucrărilor'},
    {'name': 'data_inceperii', 'type': 'date', 'label': 'Data începerii', 'required': False},
    {'name': 'plan', 'type': 'file', 'label': 'Plan de situație', 'required': False,
     'file': {'types': ['pdf'], 'max_size_mb': 5}},
)
ANSWERS = {'scop': 'construire', 'descriere': 'Locuință P+1E cu garaj.',
           'data_inceperii': '2026-12-20'}


def today():
    from cityportal.cases.api import today
    return today()


@pytest.fixture
def site(root, registry):
    """Two urbanism services with a legal term, two citizens, a clerk of another department."""
    services = root['servicii'][CATEGORY]
    for name, extension in ((CU, 15), (AC, None)):
        service = services[name]
        service.deadline = {'days': 30, 'kind': 'calendar'}
        if extension:
            service.deadline['extension_days'] = extension
        service.tacit_approval = 'yes'
        service.form_fields = FIELDS
        service.documents = (
            {'name': 'Extras de carte funciară', 'mandatory': True, 'obtained_by_city': True},)
    a, dossier_a = make_citizen(root, registry, CNP_A, 'Ioana', 'Ștefănescu')
    b, dossier_b = make_citizen(root, registry, CNP_B, 'Mihai', 'Țurcanu')
    portal_api.user.create(root, 'fiscal', FISCAL_PASSWORD, 'Dana Fiscu', registry=registry)
    portal_api.user.grant_local_roles(root['departamente']['fiscala'], 'fiscal', ('Clerk',),
                                      registry=registry)
    root.commit()
    return {'cu': services[CU], 'ac': services[AC], 'a': a, 'dossier_a': dossier_a,
            'b': b, 'dossier_b': dossier_b}


def new_case(root, registry, site, service='cu', answers=ANSWERS, attachment=True):
    case = make_case(root, registry, site['dossier_a'], site[service], site['a'].userid,
                     answers=dict(answers))
    if attachment:
        blob = Blob()
        with blob.open('w') as f:
            f.write(PDF)
        case.attachments['f1'] = Attachment(
            'plan', 'Plan situație "final"/../x.pdf', 'application/pdf', 'application/pdf',
            len(PDF), hashlib.sha256(PDF).hexdigest(), blob, site['a'].userid)
        case.answers['plan'] = ['f1']
    root.commit()
    return case


@pytest.fixture
def case(root, registry, site):
    return new_case(root, registry, site)


def advance(case, registry, *names, clerk='functionar'):
    """Take the transitions ``names`` as ``clerk`` (assign: to the clerk)."""
    for name in names:
        kw = {'assignee': clerk} if name == 'assign' else {}
        workflow.transition(case, name, clerk, registry=registry, **kw)


def login(testapp, who):
    if who == 'fiscal':
        return testapp.login('fiscal', FISCAL_PASSWORD)
    return testapp.login(who)


def act(testapp, case, action, status=303, **fields):
    page = testapp.get(case_url(case))
    form = action_form(page, action)
    assert form is not None, 'no form for %s' % action
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def fresh(root, case):
    root.refresh()
    return root['dosare'][case.__parent__.__name__][case.__name__]


def audit_entries(root, action):
    return [e for e in root.refresh().audit.entries.values() if e['action'] == action]


# the lifecycle ---------------------------------------------------------------------

def test_clerk_and_signatory_take_a_case_from_inbox_to_closed(testapp, root, registry, site,
                                                              case):
    c = fresh(root, case)        # filed three weeks ago: the clock has been running
    c.submitted -= datetime.timedelta(days=21)
    c.recompute_deadline(deadlines.get_calendar(registry))
    root.catalog.reindex(c)
    root.commit()
    login(testapp, 'functionar')
    inbox = testapp.get('/departamente/urbanism/@@inbox')
    assert case.number in inbox.text and 'Ioana Ștefănescu' in inbox.text
    page = inbox.click(case.number)
    assert page.request.path == case_url(case)
    for text in ('Construire', 'Locuință P+1E cu garaj.', '20.12.2026', 'Plan situație',
                 'Extras de carte funciară', 'Cerere depusă', 'Aprobare tacită',
                 'Depusă, în curs de înregistrare'):
        assert text in page.text, text
    first_deadline = fresh(root, case).deadline
    assert first_deadline is not None

    act(testapp, case, 'register')
    act(testapp, case, 'assign', responsabil='functionar')
    c = fresh(root, case)
    assert (c.state, c.assignee) == (workflow.ASSIGNED, 'functionar')
    act(testapp, case, 'start')
    assert fresh(root, case).state == workflow.IN_PROGRESS

    # completion without a reason: refused, nothing changes
    bad = act(testapp, case, 'request_completion', status=400, motiv='  ')
    assert 'Scrieți motivul.' in bad.text
    assert fresh(root, case).state == workflow.IN_PROGRESS
    act(testapp, case, 'request_completion', motiv='Lipsește planul de încadrare.')
    c = fresh(root, case)
    assert c.state == workflow.AWAITING and c.deadline is None
    assert 'Termenul este suspendat' in testapp.get(case_url(case)).text

    # the citizen answers five days later: the deadline moves by the paused days
    c.pauses[-1] = [today() - datetime.timedelta(days=5), None]
    workflow.transition(c, 'complete', site['a'].userid, registry=registry)
    root.commit()
    c = fresh(root, case)
    assert c.state == workflow.IN_PROGRESS
    expected = deadlines.deadline_for(
        c.term, c.submitted.astimezone(deadlines_tz()).date(),
        pauses=[(today() - datetime.timedelta(days=5), today() - datetime.timedelta(days=1))],
        calendar=deadlines.get_calendar(registry))
    assert c.deadline == expected
    assert 3 <= (c.deadline - first_deadline).days <= 7      # 5 days, to a working day

    act(testapp, case, 'approve')
    c = fresh(root, case)
    assert c.state == workflow.APPROVED and c.decided is not None
    page = testapp.get(case_url(case))
    assert action_form(page, 'sign') is None          # a clerk does not sign
    testapp.post(case_url(case) + '@@actiune', {
        'csrf_token': testapp.csrf(), 'actiune': 'sign',
        'versiune': str(len(c.events))}, status=403)
    assert fresh(root, case).state == workflow.APPROVED

    testapp.logout()
    login(testapp, 'semnatar')
    act(testapp, case, 'sign')
    assert fresh(root, case).state == workflow.SIGNED
    testapp.logout()
    login(testapp, 'functionar')
    act(testapp, case, 'issue')
    act(testapp, case, 'close')
    c = fresh(root, case)
    assert c.state == workflow.CLOSED
    actions = [e['action'] for e in c.events]
    assert actions == ['draft', 'submit', 'register', 'assign', 'start', 'request_completion',
                       'complete', 'approve', 'sign', 'issue', 'close']
    assert c.events[-1]['actor'] == 'functionar' and c.events[-1]['ip'] == '10.0.0.1'
    assert c.events[8]['actor'] == 'semnatar' and c.events[8]['on_behalf_of'] is None
    page = testapp.get(case_url(case))
    for title in ('Cerere înregistrată', 'Cerere repartizată', 'Completări solicitate',
                  'Completări trimise', 'Cerere aprobată', 'Răspuns semnat', 'Răspuns emis',
                  'Dosar închis', 'Lipsește planul de încadrare.', 'Ioana Dăscălescu', '10.0.0.1'):
        assert title in page.text, title


def deadlines_tz():
    from cityportal.layout.dates import LOCAL_TZ
    return LOCAL_TZ


def test_a_completion_request_mails_the_citizen(testapp, root, registry, site, case, tmp_path,
                                                monkeypatch):
    from cityportal.connectors.mail import Mailer
    from tests.functional.filing_support import Outbox
    monkeypatch.setattr(registry, 'mailer', Mailer(var=str(tmp_path), enabled=False))
    outbox = Outbox(str(tmp_path / 'mail' / 'outbox'))
    advance(fresh(root, case), registry, 'register', 'assign', 'start')
    root['dosare'].accounts[site['a'].account_id].email = 'ioana@example.ro'
    root.commit()
    login(testapp, 'functionar')
    act(testapp, case, 'request_completion', motiv='Planul de încadrare, vă rog.')
    [mail] = outbox.messages()
    assert mail['To'] == 'ioana@example.ro' and case.number in mail['Subject']
    body = mail.get_body().get_content()
    assert '@@completare' in body and 'Planul de încadrare' not in body


def test_reject_needs_a_reason(testapp, root, registry, site, case):
    c = fresh(root, case)
    advance(c, registry, 'register', 'assign', 'start')
    root.commit()
    login(testapp, 'functionar')
    bad = act(testapp, case, 'reject', status=400, motiv='')
    assert 'Scrieți motivul.' in bad.text and 'role="alert"' in bad.text
    c = fresh(root, case)
    assert c.state == workflow.IN_PROGRESS and c.decided is None
    events = len(c.events)
    act(testapp, case, 'reject', motiv='Terenul nu este în intravilan.')
    c = fresh(root, case)
    assert c.state == workflow.REJECTED and len(c.events) == events + 1
    assert c.events[-1]['reason'] == 'Terenul nu este în intravilan.'


def test_another_clerk_cannot_act_on_a_colleagues_case(testapp, root, registry, site, case):
    c = fresh(root, case)
    advance(c, registry, 'register', 'assign', 'start')
    root.commit()
    login(testapp, 'semnatar')          # of the department, not the assignee
    page = testapp.get(case_url(case))
    assert action_form(page, 'approve') is None
    res = testapp.post(case_url(case) + '@@actiune', {
        'csrf_token': testapp.csrf(), 'actiune': 'approve',
        'versiune': str(len(c.events))}, status=400)
    assert 'repartizată altui funcționar' in res.text
    assert fresh(root, case).state == workflow.IN_PROGRESS


def test_assign_only_to_a_clerk_of_the_department(testapp, root, registry, site, case):
    advance(fresh(root, case), registry, 'register')
    root.commit()
    login(testapp, 'functionar')
    page = testapp.get(case_url(case))
    form = action_form(page, 'assign')
    assert [v for v, *_ in form['responsabil'].options] == ['functionar']
    res = testapp.post(case_url(case) + '@@actiune', {
        'csrf_token': testapp.csrf(), 'actiune': 'assign', 'responsabil': 'fiscal',
        'versiune': form['versiune'].value}, status=400)
    assert 'Alegeți un funcționar al departamentului.' in res.text
    assert fresh(root, case).assignee is None


def test_extension_once_with_a_reason(testapp, root, registry, site, case):
    login(testapp, 'functionar')
    before = fresh(root, case).deadline
    bad = act(testapp, case, 'extend', status=400, motiv='')
    assert 'Scrieți motivul.' in bad.text
    assert not fresh(root, case).extended
    act(testapp, case, 'extend', motiv='Necesită avizul comisiei tehnice.')
    c = fresh(root, case)
    assert c.extended and c.extension_reason == 'Necesită avizul comisiei tehnice.'
    assert c.deadline == deadlines.deadline_for(
        c.term, c.submitted.astimezone(deadlines_tz()).date(), extended=True,
        calendar=deadlines.get_calendar(registry))
    assert c.deadline > before and c.events[-1]['action'] == 'extend'
    page = testapp.get(case_url(case))
    assert action_form(page, 'extend') is None
    assert 'Termen prelungit' in page.text and 'Necesită avizul comisiei tehnice.' in page.text
    again = testapp.post(case_url(case) + '@@actiune', {
        'csrf_token': testapp.csrf(), 'actiune': 'extend', 'motiv': 'Încă o dată.',
        'versiune': str(len(c.events))}, status=400)
    assert 'Termenul a fost deja prelungit o dată.' in again.text
    assert fresh(root, case).deadline == c.deadline


def test_no_extension_when_the_term_has_none(testapp, root, registry, site):
    case = new_case(root, registry, site, service='ac', attachment=False)
    login(testapp, 'functionar')
    page = testapp.get(case_url(case))
    assert action_form(page, 'extend') is None
    res = testapp.post(case_url(case) + '@@actiune', {
        'csrf_token': testapp.csrf(), 'actiune': 'extend', 'motiv': 'Motiv.',
        'versiune': str(len(case.events))}, status=400)
    assert 'nu se poate prelungi' in res.text
    assert not fresh(root, case).extended


# who may see and do what -------------------------------------------------------------

@pytest.mark.parametrize('who', ['fiscal', 'editor', 'operator', 'citizen-b', 'anonymous'])
def test_outsiders_reach_nothing_of_the_case(testapp, root, site, case, who):
    if who == 'citizen-b':
        sign_in_citizen(testapp, root.conn, site['b'])
        root.commit()
    elif who != 'anonymous':
        login(testapp, who)
    url = case_url(case)
    for path in (url, url + '@@fisier?id=f1', '/departamente/urbanism/@@inbox',
                 '/departamente/urbanism/@@situatie'):
        res = testapp.get(path, expect_errors=True)
        if who == 'anonymous':
            assert res.status_int == 302, (path, res.status)
        else:
            assert res.status_int == 403, (path, res.status)
        assert 'Ștefănescu' not in res.text and 'Locuință' not in res.text
    csrf = testapp.csrf() if who != 'anonymous' else ''
    for action in ('assign', 'note', 'extend', 'sign'):
        res = testapp.post(url + '@@actiune', {
            'csrf_token': csrf, 'actiune': action, 'responsabil': 'functionar',
            'nota': 'x', 'motiv': 'x', 'versiune': str(len(case.events))},
            expect_errors=True)
        assert res.status_int in ((302, 400) if who == 'anonymous' else (403,)), \
            (action, res.status)
    c = fresh(root, case)
    assert (c.state, c.assignee, len(c.notes), c.extended) == (
        workflow.SUBMITTED, None, 0, False)


def test_the_clerk_of_another_department_has_an_inbox_of_their_own(testapp, root, site, case):
    login(testapp, 'fiscal')
    page = testapp.get('/departamente/fiscala/@@inbox')
    assert case.number not in page.text
    assert testapp.get('/@@cazurile-mele').status_int == 200


def test_internal_notes_are_never_shown_to_the_citizen(testapp, root, site, case):
    login(testapp, 'functionar')
    act(testapp, case, 'note', nota='NOTĂ INTERNĂ: verificat la OCPI.')
    c = fresh(root, case)
    assert c.notes[0]['text'] == 'NOTĂ INTERNĂ: verificat la OCPI.'
    assert c.notes[0]['actor'] == 'functionar'
    assert 'NOTĂ INTERNĂ' in testapp.get(case_url(case)).text
    testapp.logout()
    root.refresh()
    sign_in_citizen(testapp, root.conn, site['a'])
    root.commit()
    page = testapp.get(case_url(case))
    assert 'NOTĂ INTERNĂ' not in page.text and 'Note interne' not in page.text
    assert '@@actiune' not in page.text and '10.0.0.1' not in page.text
    assert 'Ștefan Țăranu' not in page.text
    assert 'Cerere depusă' in page.text and 'Istoricul cererii' in page.text
    assert '@@retrage' in page.text and '@@mesaje' in page.text
    assert '@@completare' not in page.text      # only while awaiting the citizen
    assert testapp.post(case_url(case) + '@@actiune', {
        'csrf_token': testapp.csrf(), 'actiune': 'note', 'nota': 'x',
        'versiune': str(len(c.events))}, expect_errors=True).status_int == 403
    # awaiting the citizen: the link to the answer
    c = fresh(root, case)
    from cityportal.cases.workflow import transition
    advance(c, None, 'register', 'assign', 'start')
    transition(c, 'request_completion', 'functionar', reason='Planul, vă rog.')
    root.commit()
    page = testapp.get(case_url(case))
    assert '@@completare' in page.text and 'Planul, vă rog.' in page.text


def test_staff_views_are_audited_once_an_hour(testapp, root, site, case):
    login(testapp, 'functionar')
    testapp.get(case_url(case))
    testapp.get(case_url(case))
    entries = audit_entries(root, 'case.view')
    assert len(entries) == 1
    assert entries[0]['actor'] == 'functionar' and entries[0]['target'] == case_url(case)[:-1]
    assert entries[0]['ip'] == '10.0.0.1'
    c = fresh(root, case)
    c.staff_views['functionar'] = time.time() - 3601
    root.commit()
    testapp.get(case_url(case))
    assert len(audit_entries(root, 'case.view')) == 2
    testapp.logout()
    login(testapp, 'semnatar')
    testapp.get(case_url(case))
    assert [e['actor'] for e in audit_entries(root, 'case.view')].count('semnatar') == 1
    testapp.logout()
    root.refresh()
    sign_in_citizen(testapp, root.conn, site['a'])
    root.commit()
    testapp.get(case_url(case))
    assert len(audit_entries(root, 'case.view')) == 3      # the citizen's own: not audited


def test_download_of_an_attachment(testapp, root, site, case):
    login(testapp, 'functionar')
    page = testapp.get(case_url(case))
    res = page.click('Plan situație')
    assert res.body == PDF
    assert res.content_type == 'application/pdf'
    disposition = res.headers['Content-Disposition']
    assert disposition.startswith('attachment; filename="')
    plain = disposition.split('"')[1]
    assert '/' not in plain and '..' not in plain and '"' not in plain
    assert res.headers['X-Content-Type-Options'] == 'nosniff'
    assert res.headers['Cache-Control'] == 'private, no-store'
    assert [e['details']['file'] for e in audit_entries(root, 'case.download')] == ['f1']
    testapp.get(case_url(case) + '@@fisier?id=nu-exista', status=404)
    testapp.get(case_url(case) + '@@fisier', status=404)
    testapp.logout()
    root.refresh()
    sign_in_citizen(testapp, root.conn, site['a'])
    root.commit()
    assert testapp.get(case_url(case) + '@@fisier?id=f1').body == PDF


# inboxes ---------------------------------------------------------------------------

def set_deadline(root, case, deadline, state=None):
    c = fresh(root, case)
    c.deadline = deadline
    if state:
        c.state = state
    root.catalog.reindex(c)
    root.commit()


def rows_of(page):
    """Case numbers in the order the inbox lists them."""
    import re
    return re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a></th>', page.text)


def test_inbox_sorts_by_deadline_pages_and_puts_undated_last(testapp, root, registry, site):
    cases = [new_case(root, registry, site, attachment=False) for _i in range(53)]
    base = today() + datetime.timedelta(days=40)
    # deadlines in an order unrelated to filing: the last filed is due first
    for i, case in enumerate(cases[:51]):
        set_deadline(root, case, base + datetime.timedelta(days=50 - i))
    for case in cases[51:]:
        set_deadline(root, case, None)
    login(testapp, 'functionar')
    page1 = testapp.get('/departamente/urbanism/@@inbox')
    assert '53 de cereri găsite.' in page1.text
    numbers = rows_of(page1)
    assert len(numbers) == 50
    assert numbers == [c.number for c in reversed(cases[1:51])]
    page2 = page1.click('Înainte »')
    assert rows_of(page2) == [cases[0].number, cases[51].number, cases[52].number]
    assert testapp.get('/departamente/urbanism/@@inbox?page=99').text.count(
        'scope="row"') == 3


def test_inbox_filters_and_urgency_counts(testapp, root, registry, site):
    late1, late2, risky, far, undated, other, closed = [
        new_case(root, registry, site, service='ac' if i == 5 else 'cu', attachment=False)
        for i in range(7)]
    set_deadline(root, late1, today() - datetime.timedelta(days=3))
    set_deadline(root, late2, today() - datetime.timedelta(days=1))
    set_deadline(root, risky, today())
    set_deadline(root, far, today() + datetime.timedelta(days=60))
    set_deadline(root, undated, None)
    set_deadline(root, closed, today() - datetime.timedelta(days=30), state=workflow.CLOSED)
    c = fresh(root, far)
    advance(c, registry, 'register', 'assign', 'start')
    root.commit()
    login(testapp, 'functionar')
    url = '/departamente/urbanism/@@inbox'
    page = testapp.get(url)
    assert '<strong>2</strong> <span>cu termenul depășit</span>' in page.text
    assert '<strong>1</strong> <span>aproape de termen</span>' in page.text
    listed = rows_of(page)
    assert closed.number not in listed            # finished: not in the default view
    assert listed[:3] == [late1.number, late2.number, risky.number]
    assert listed[-1] == undated.number
    assert page.text.count('termen depășit</strong>') == 2
    assert rows_of(testapp.get(url + '?termen=intarziate')) == [late1.number, late2.number]
    assert rows_of(testapp.get(url + '?termen=aproape')) == [risky.number]
    assert rows_of(testapp.get(url + '?stare=in_progress')) == [far.number]
    assert rows_of(testapp.get(url + '?stare=closed')) == [closed.number]
    assert closed.number in rows_of(testapp.get(url + '?stare=toate'))
    assert rows_of(testapp.get(url + '?responsabil=functionar')) == [far.number]
    unassigned = rows_of(testapp.get(url + '?responsabil=-'))
    assert far.number not in unassigned and len(unassigned) == 5
    service = '/servicii/%s/%s' % (CATEGORY, AC)
    assert rows_of(testapp.get(url, {'serviciu': service})) == [other.number]
    assert rows_of(testapp.get(url, {'q': risky.number.lower()})) == [risky.number]
    assert rows_of(testapp.get(url, {'q': 'autorizatie'})) == [other.number]
    # nonsense in the filters: ignored, never a 500
    for query in ('stare=nimic', 'responsabil=fiscal', 'serviciu=/etc/passwd', 'termen=x',
                  'page=-3', 'page=abc', 'q=%22%27%3Cscript%3E'):
        assert testapp.get(url + '?' + query).status_int == 200
    # the filter form is labelled and works without JavaScript
    form = page.forms[1] if 'stare' in page.forms[1].fields else page.forms[0]
    form['stare'] = 'in_progress'
    assert rows_of(form.submit()) == [far.number]
    for control in ('f-stare', 'f-responsabil', 'f-serviciu', 'f-termen', 'f-q'):
        assert 'for="%s"' % control in page.text


def test_my_cases(testapp, root, registry, site):
    mine, other = new_case(root, registry, site), new_case(root, registry, site)
    c = fresh(root, mine)
    advance(c, registry, 'register', 'assign')
    root.commit()
    login(testapp, 'functionar')
    page = testapp.get('/@@cazurile-mele')
    assert rows_of(page) == [mine.number]
    testapp.logout()
    login(testapp, 'semnatar')
    assert rows_of(testapp.get('/@@cazurile-mele')) == []


def staff_request(registry, root, userid, *paths):
    """A request of a staff member holding local roles on ``paths`` (no HTTP)."""
    from pyramid import testing

    class Request(testing.DummyRequest):
        identity = None

    class Identity:
        active = True
        is_staff = True
        roles = ()
    identity = Identity()
    identity.userid, identity.local_role_paths = userid, paths
    request = Request()
    request.registry = registry
    request.root = root.refresh()
    request.identity = identity
    return request


def test_inbox_query_without_a_request_page(registry, root, site):
    """The query itself: the permission filter of the allowed index applies."""
    from cityportal.cases.inbox import inbox_query
    case = new_case(root, registry, site, attachment=False)
    request = staff_request(registry, root, 'fiscal', '/departamente/fiscala')
    assert inbox_query(request, department='urbanism').total == 0
    request = staff_request(registry, root, 'functionar', '/departamente/urbanism')
    results = inbox_query(request, department='urbanism', counts=True)
    assert results.total == 1 and results.items[0].number == case.number
    assert (results.late, results.at_risk) == (0, 0)


def test_case_states_are_not_used_by_other_content():
    """The inbox selects cases by their states: no other type may use them (but draft)."""
    from cityportal.services import workflow as service_workflow
    assert set(service_workflow.STATE_TITLES) & set(workflow.STATES) == {'draft'}


# the dashboard ---------------------------------------------------------------------

def test_dashboard_figures(testapp, root, registry, site):
    cases = [new_case(root, registry, site, service='ac' if i >= 4 else 'cu',
                      attachment=False) for i in range(6)]
    now = datetime.datetime.now(datetime.timezone.utc)
    durations = {0: 2, 1: 4, 2: 10, 4: 7}       # days from submission to decision
    for i, days in durations.items():
        c = fresh(root, cases[i])
        c.submitted = now - datetime.timedelta(days=days + 1)
        c.decided = now - datetime.timedelta(days=1)
        c.state = workflow.APPROVED if i != 2 else workflow.REJECTED
        root.catalog.reindex(c)
        root.commit()
    c = fresh(root, cases[3])               # decided long ago: outside the 90 days
    c.submitted = now - datetime.timedelta(days=200)
    c.decided = now - datetime.timedelta(days=150)
    c.state = workflow.CLOSED
    root.catalog.reindex(c)
    root.commit()
    set_deadline(root, cases[5], today() - datetime.timedelta(days=2))

    login(testapp, 'semnatar')
    page = testapp.get('/departamente/urbanism/@@situatie')
    assert '<svg' in page.text and 'aria-hidden="true"' in page.text
    assert '<caption>Numărul cererilor în fiecare stare</caption>' in page.text
    assert 'Durata mediană de soluționare, pe servicii' in page.text
    assert cases[5].number in page.text

    from cityportal.cases.dashboard import dashboard_figures
    request = staff_request(registry, root, 'semnatar', '/departamente/urbanism')
    figures = dashboard_figures(request, root['departamente']['urbanism'])
    by_state = {s['state']: s['count'] for s in figures['by_state']}
    assert by_state['approved'] == 3 and by_state['rejected'] == 1
    assert by_state['closed'] == 1 and by_state['submitted'] == 1
    assert figures['total'] == 6 and figures['late'] == 1
    assert [c['number'] for c in figures['late_cases']] == [cases[5].number]
    medians = {p['service']: (p['decided'], p['median_days']) for p in figures['processing']}
    assert medians == {'/servicii/%s/%s' % (CATEGORY, CU): (3, 4.0),
                       '/servicii/%s/%s' % (CATEGORY, AC): (1, 7.0)}
    import json
    json.dumps(figures)          # plain data, for the public page later


@pytest.mark.parametrize('who, status', [('semnatar', 200), ('admin', 200),
                                         ('functionar', 403), ('editor', 403)])
def test_dashboard_is_for_heads_and_managers(testapp, who, status):
    login(testapp, who)
    testapp.get('/departamente/urbanism/@@situatie', status=status)


def test_fiscal_password_is_not_a_demo_one():
    assert FISCAL_PASSWORD not in DEMO_PASSWORDS.values()


def test_the_clerks_pages_in_english(testapp, root, registry, site, case):
    login(testapp, 'functionar')
    testapp.set_cookie('cp_lang', 'en')
    page = testapp.get(case_url(case))
    for text in ('Working on the request', 'Full history of the request', 'Request filed',
                 'Internal notes', 'Extend the term', 'What the request says'):
        assert text in page.text, text
    inbox = testapp.get('/departamente/urbanism/@@inbox')
    assert 'Requests of Direcția Urbanism' in inbox.text and 'One request found.' in inbox.text
    res = testapp.post(case_url(case) + '@@actiune', {
        'csrf_token': testapp.csrf(), 'actiune': 'note', 'nota': 'x', 'versiune': '0'},
        status=409)
    assert 'The request was changed in the meantime by Ioana Ștefănescu (Request filed).' \
        in res.text


def test_the_inbox_shows_the_holders_name_as_it_changes(testapp, root, registry, site):
    """The inbox rows come from the work queues (no case loaded): a new name of the
    holder (from ROeID at their next login) reaches them."""
    from cityportal.events import ObjectModified, notify
    case = new_case(root, registry, site, attachment=False)
    login(testapp, 'functionar')
    page = testapp.get('/departamente/urbanism/@@inbox')
    assert case.number in page.text
    dossier = fresh(root, case).__parent__
    dossier.title = 'Maria Ionescu-Popa'
    notify(registry, ObjectModified(dossier))
    root.commit()
    page = testapp.get('/departamente/urbanism/@@inbox')
    assert 'Maria Ionescu-Popa' in page.text
    assert page.click(case.number).request.path.endswith('/%s/' % case.__name__)
