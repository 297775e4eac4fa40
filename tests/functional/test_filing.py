"""Filing a request online, as a citizen: draft, save, come back, check, submit, receipt.

Also: uploads that must be refused, once-only documents, deleting a draft, withdrawing,
answering a completion request, the thread of messages both ways, and who may reach
each of these pages.
"""
import datetime
import re

import pytest
from pyramid.traversal import find_resource

from cityportal.cases import workflow
from cityportal.folder import utcnow
from cityportal.layout.dates import LOCAL_TZ

from tests.functional.filing_support import (  # noqa: F401  (fixtures)
    GOOD, ONCE_ONLY, PDF, PNG, SERVICE, citizens, controls, csrf, docx_bytes, outbox, post,
    service, sign_in, upload)

CASE_NUMBER = re.compile(r'^TM-(\d{4})-(\d{6})$')


def dossier_of(root, citizens, who='a'):
    return root.refresh()['dosare'][citizens[who][1]]


def only_case(dossier):
    cases = [c for c in dossier.values() if getattr(c, 'content_type', None) == 'Case']
    assert len(cases) == 1, cases
    return cases[0]


def start_draft(testapp, root, citizens, values=None, files=None, button='save', status=303):
    """POST the service's form as citizen A; return the response."""
    sign_in(testapp, root, citizens['a'][0])
    return post(testapp, SERVICE + '/@@cerere',
                controls(values if values is not None else GOOD, files, button=button,
                         csrf=csrf(testapp)), status=status)


# the whole way --------------------------------------------------------------------

def test_a_citizen_files_a_request_with_an_attachment(testapp, root, service, citizens, outbox):
    sign_in(testapp, root, citizens['a'][0])
    page = testapp.get(SERVICE + '/@@cerere')
    assert ONCE_ONLY in page.text                     # said, not asked
    assert 'Extras de carte funciară' not in [l.text for l in page.html.find_all('label')]
    form = page.forms['cpform']
    form['scop'] = 'construire'
    form['descriere'] = 'Locuință P+1E cu garaj.'
    form.set('upload', upload('plan situație.pdf', PDF), index=0)    # the plan
    res = form.submit('save', status=303)
    assert '/@@formular' in res.location and '/cerere-' in res.location
    dossier = dossier_of(root, citizens)
    draft = only_case(dossier)
    assert draft.state == workflow.DRAFT and draft.__name__.startswith('cerere-')
    assert draft.answers['scop'] == 'construire' and draft.answers['suprafata'] is None
    (aid, attachment), = draft.attachments.items()
    assert draft.answers['plan'] == aid and attachment.filename == 'plan situație.pdf'
    assert attachment.size == len(PDF) and attachment.sniffed_type == 'application/pdf'
    import hashlib
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    with attachment.blob.open('r') as f:
        assert f.read() == PDF
    assert 'extras_cf' not in [f['name'] for f in draft.form_fields]
    assert draft.fetch_documents == (ONCE_ONLY,)

    # come back later: the form is prefilled, the file is there
    page = res.follow()
    assert 'Ciorna a fost salvată' in page.text
    assert 'plan situație.pdf' in page.text and aid in page.text
    again = testapp.get(SERVICE + '/@@cerere')
    assert 'Aveți o ciornă începută la' in again.text
    assert draft.__name__ + '/@@formular' in again.text

    form = page.forms['cpform']
    assert form['scop'].value == 'construire'
    form['suprafata'] = '450,5'                                   # not a number here
    form['email_contact'] = 'ioana@example.ro'
    res = form.submit('verify', status=400)
    assert 'Unele date nu au fost acceptate' in res.text
    assert 'href="#camp-suprafata"' in res.text                   # the summary links the field
    assert 'plan situație.pdf' in res.text                        # the file survived
    form = res.forms['cpform']
    form['suprafata'] = '450.5'
    form['acord'] = True
    form.set('upload', upload('memoriu.docx', docx_bytes(),
                              'application/vnd.openxmlformats-officedocument.'
                              'wordprocessingml.document'), index=1)
    res = form.submit('verify', status=303)
    assert res.location.endswith('/@@verificare')
    summary = res.follow()
    text = summary.text
    for expected in ('Construire', 'Locuință P+1E cu garaj.', '450,5', 'ioana@example.ro',
                     'plan situație.pdf', 'memoriu.docx', ONCE_ONLY, '25 lei.',
                     '30 de zile calendaristice.', 'primăria le obține singură'):
        assert expected in text, expected

    # submit: one transaction, then the receipt
    res = summary.forms['submit-form'].submit('submit', status=303)
    assert res.location.endswith('/@@confirmare')
    receipt = res.follow()
    dossier = dossier_of(root, citizens)
    case = only_case(dossier)
    assert case.state == workflow.SUBMITTED
    m = CASE_NUMBER.match(case.number)
    assert m and int(m.group(1)) == utcnow().astimezone(LOCAL_TZ).year
    assert case.__name__.startswith('cerere-')     # the name stays: no path changes
    assert case.number in receipt.text and 'Ce urmează' in receipt.text
    assert 'ioana@example.ro' in receipt.text
    submitted_day = case.submitted.astimezone(LOCAL_TZ).date()
    assert case.deadline is not None and case.deadline >= submitted_day + datetime.timedelta(30)
    assert case.deadline.strftime('%d.%m.%Y') in receipt.text
    assert len(case.attachments) == 2
    assert case.answers['suprafata'] == 450.5 and case.answers['acord'] is True
    assert case.answers['data_inceperii'] is None
    event = case.events[-1]
    assert event['action'] == 'submit' and event['actor'] == citizens['a'][0].userid
    assert event['on_behalf_of'] is None and event['ip'] == '10.0.0.1'
    assert [e['action'] for e in case.events][:2] == ['draft', 'save']
    messages = [m for m in root['integrari'].outbox.messages.values()
                if m.kind == 'registry.register']
    assert [m.payload['number'] for m in messages] == [case.number]
    log = root.audit.latest(20)
    assert any(e['action'] == 'case.submit' and e['details']['number'] == case.number
               for e in log)
    # the receipt e-mail, queued for after the commit
    mail, = outbox.messages()
    assert mail['Subject'] == 'Cererea %s a fost depusă' % case.number
    assert mail['To'] == 'ioana@example.ro'
    body = mail.get_content()
    assert case.number in body and 'Autorizație de construire' in body
    assert case.deadline.strftime('%d.%m.%Y') in body
    assert 'http://localhost/dosare/%s/%s/' % (dossier.__name__, case.__name__) in body
    # the draft is gone, its number is the name
    testapp.get('/dosare/%s/%s/@@formular' % (dossier.__name__, 'ciorna-x'), status=404)


# bad uploads ------------------------------------------------------------------------

def new_draft_with_plan(testapp, root, citizens):
    """A draft of citizen A with the good values and a plan; returns (draft URL, draft)."""
    sign_in(testapp, root, citizens['a'][0])
    res = post(testapp, SERVICE + '/@@cerere',
               controls(GOOD, {'plan': upload('plan.pdf', PDF)}, csrf=csrf(testapp)),
               status=303)
    draft = only_case(dossier_of(root, citizens))
    return res.location, draft


BAD_UPLOADS = [
    ('plan.exe', b'MZ\x90\x00\x03\x00\x00\x00', 'Tip de fișier nepermis. Se acceptă: PDF, JPG, PNG.'),
    ('plan.pdf', b'', 'Fișierul este gol.'),
    ('plan.pdf', PDF + b'0' * (1024 * 1024), 'Fișierul depășește 1 MB.'),
    ('../../etc/plan.pdf', PDF, 'Numele fișierului nu poate conține o cale'),
    ('..\\plan.pdf', PDF, 'Numele fișierului nu poate conține o cale'),
    ('plan\x00.pdf', PDF, 'Numele fișierului conține caractere nepermise'),
    ('plan\u202efdp.exe.pdf', PDF, 'Numele fișierului conține caractere nepermise'),
    ('plan.pdf', b'Acesta nu este un PDF, doar un text.', 'Conținutul fișierului nu este PDF'),
    ('plan.pdf', b'MZ\x90\x00\x03\x00\x00\x00\x04\x00PE\x00\x00', 'Conținutul fișierului nu este PDF'),
    ('plan.pdf', PNG, 'Conținutul fișierului nu este PDF'),
]


@pytest.mark.parametrize('filename, data, message', BAD_UPLOADS)
def test_a_bad_upload_is_refused_and_nothing_of_it_is_kept(
        testapp, root, service, citizens, filename, data, message):
    url, draft = new_draft_with_plan(testapp, root, citizens)
    (good_id, _attachment), = draft.attachments.items()
    values = dict(GOOD, descriere='Descriere nouă, păstrată.', suprafata='999')
    res = post(testapp, url, controls(values, {
        'plan': (good_id, upload(filename, data)),
        'anexe': [None, upload(filename.replace('.pdf', '.docx'), data)]},
        csrf=csrf(testapp)), status=400)
    assert message in res.text
    assert 'Descriere nouă, păstrată.' in res.text and 'value="999"' in res.text
    assert 'plan.pdf' in res.text                       # the plan it had is still there
    draft = only_case(dossier_of(root, citizens))
    assert list(draft.attachments) == [good_id]         # nothing of the refused files
    assert draft.answers['plan'] == good_id and draft.answers['anexe'] == []
    assert draft.answers['descriere'] == 'Descriere nouă, păstrată.'   # the valid rest is saved


def test_a_bad_upload_in_a_new_request_is_reported_on_the_drafts_form(
        testapp, root, service, citizens):
    res = start_draft(testapp, root, citizens, dict(GOOD, suprafata='mult'),
                      {'plan': upload('plan.pdf', b'nu e pdf')})
    page = res.follow()
    assert 'Conținutul fișierului nu este PDF' in page.text
    assert 'value="mult"' in page.text and 'nu este un număr' in page.text
    draft = only_case(dossier_of(root, citizens))
    assert len(draft.attachments) == 0 and draft.answers['plan'] is None
    assert draft.answers['suprafata'] is None and draft.answers['scop'] == 'construire'
    # shown once: the next visit shows the form as saved
    assert 'nu este un număr' not in testapp.get(res.location).text


def test_files_of_the_right_kinds_are_kept_with_their_metadata(testapp, root, service, citizens):
    url, draft = new_draft_with_plan(testapp, root, citizens)
    (plan_id, _a), = draft.attachments.items()
    res = post(testapp, url, controls(GOOD, {
        'plan': (plan_id, None),
        'anexe': [upload('memoriu.docx', docx_bytes(), 'application/x-nu e tip'),
                  None, upload('anexa 2.pdf', PDF)]}, csrf=csrf(testapp)), status=303)
    draft = only_case(dossier_of(root, citizens))
    anexe = draft.answers['anexe']
    assert len(anexe) == 2 and draft.answers['plan'] == plan_id
    docx = draft.attachments[anexe[0]]
    assert docx.filename == 'memoriu.docx' and docx.field == 'anexe'
    assert docx.sniffed_type.endswith('wordprocessingml.document')
    assert docx.declared_type == ''                  # not a MIME type: not kept
    assert draft.attachments[anexe[1]].sniffed_type == 'application/pdf'
    # replace the plan, remove one annex: the replaced and removed files go
    page = testapp.get(url)
    form = page.forms['cpform']
    form.set('upload', upload('plan nou.png', PNG, 'image/png'), index=0)
    form.set('remove', True, index=1)
    form.submit('save', status=303)
    draft = only_case(dossier_of(root, citizens))
    assert draft.answers['plan'] != plan_id and plan_id not in draft.attachments
    assert draft.attachments[draft.answers['plan']].filename == 'plan nou.png'
    assert draft.answers['anexe'] == [anexe[1]]
    assert sorted(draft.attachments) == sorted([draft.answers['plan'], anexe[1]])


def test_a_uid_of_another_field_or_case_is_not_a_file(testapp, root, service, citizens):
    url, draft = new_draft_with_plan(testapp, root, citizens)
    (plan_id, _a), = draft.attachments.items()
    res = post(testapp, url, controls(GOOD, {'plan': (plan_id, None),
                                             'anexe': [(plan_id, None), ('0' * 16, None)]},
                                      csrf=csrf(testapp)), status=303)
    draft = only_case(dossier_of(root, citizens))
    assert draft.answers['anexe'] == [] and draft.answers['plan'] == plan_id


# helpers for filed cases ---------------------------------------------------------------

def file_case(testapp, root, citizens, who='a'):
    """Citizen ``who`` files a complete request through the pages; returns the case."""
    sign_in(testapp, root, citizens[who][0])
    res = post(testapp, SERVICE + '/@@cerere',
               controls(GOOD, {'plan': upload('plan.pdf', PDF)}, button='verify',
                        csrf=csrf(testapp)), status=303)
    assert res.location.endswith('/@@verificare'), res.location
    res = testapp.post(res.location, {'csrf_token': csrf(testapp), 'submit': 'submit'},
                       status=303)
    name = res.location.split('/')[-2]
    return dossier_of(root, citizens, who)[name]


def case_url(case):
    return '/dosare/%s/%s/' % (case.__parent__.__name__, case.__name__)


def as_clerk(root, registry, case, *names, reason='', actor='functionar'):
    """Move ``case`` along the clerk's transitions, as the department's clerk would."""
    case = find_resource(root.refresh(), case_url(case))
    for name in names:
        kw = {'assignee': actor} if name == 'assign' else {}
        workflow.transition(case, name, actor, reason=reason if name in (
            'request_completion', 'reject') else '', registry=registry, **kw)
    root.commit()
    return case


# once-only, drafts ----------------------------------------------------------------------

def test_once_only_documents_are_not_asked_and_recorded_for_fetching(
        testapp, root, service, citizens, outbox):
    case = file_case(testapp, root, citizens)
    assert case.fetch_documents == (ONCE_ONLY,)
    assert 'extras_cf' not in case.answers
    assert all(f.get('document') != ONCE_ONLY for f in case.form_fields)


def test_a_new_visit_offers_to_continue_a_draft_and_a_draft_can_be_deleted(
        testapp, root, service, citizens):
    res = start_draft(testapp, root, citizens, {'scop': 'desfiintare'})
    draft = only_case(dossier_of(root, citizens))
    page = testapp.get(SERVICE + '/@@cerere')
    assert 'Aveți o ciornă începută la' in page.text
    other = testapp.get('/dosare/%s/' % citizens['a'][1])
    confirm = testapp.get(res.location.replace('@@formular', '@@sterge-ciorna'))
    assert 'Ștergeți ciorna cererii' in confirm.text
    done = confirm.forms['delete-form'].submit('confirm', status=303)
    assert done.location == 'http://localhost/dosare/%s/' % citizens['a'][1]
    dossier = dossier_of(root, citizens)
    assert draft.__name__ not in dossier
    assert 'Aveți o ciornă' not in testapp.get(SERVICE + '/@@cerere').text
    assert any(e['action'] == 'case.draft_delete' for e in root.audit.latest(10))
    assert other.status_int == 200


def test_check_sends_an_incomplete_draft_back_with_its_errors(testapp, root, service, citizens):
    res = start_draft(testapp, root, citizens, {'scop': 'construire'})
    url = res.location
    review = testapp.get(url.replace('@@formular', '@@verificare'), status=303)
    page = review.follow()
    assert 'Cererea nu este completă' in page.text
    assert 'Câmp obligatoriu.' in page.text and 'href="#camp-plan"' in page.text
    # a POST to submit it is sent back the same way: nothing is filed
    testapp.post(url.replace('@@formular', '@@verificare'),
                 {'csrf_token': csrf(testapp), 'submit': 'submit'}, status=303)
    assert only_case(dossier_of(root, citizens)).state == workflow.DRAFT


def test_no_email_when_the_citizen_does_not_want_it(testapp, root, service, citizens, outbox):
    account = root['dosare'].accounts[citizens['a'][1]]
    account.notify_email = False
    root.commit()
    case = file_case(testapp, root, citizens)
    assert case.state == workflow.SUBMITTED and outbox.messages() == []
    receipt = testapp.get(case_url(case) + '@@confirmare')
    assert 'V-am trimis confirmarea' not in receipt.text


# withdrawal --------------------------------------------------------------------------------

def test_the_citizen_withdraws_a_request(testapp, root, service, citizens, outbox):
    case = file_case(testapp, root, citizens)
    url = case_url(case) + '@@retrage'
    page = testapp.get(url)
    assert 'Retrageți cererea' in page.text and case.number in page.text
    testapp.post(url, {'confirm': '1', 'reason': 'M-am răzgândit.'}, status=400)   # no CSRF
    assert dossier_of(root, citizens)[case.__name__].state == workflow.SUBMITTED
    testapp.post(url, {'confirm': '1', 'reason': 'x' * 2001, 'csrf_token': csrf(testapp)},
                 status=400)
    res = testapp.post(url, {'confirm': '1', 'reason': 'M-am răzgândit.',
                             'csrf_token': csrf(testapp)}, status=303)
    case = dossier_of(root, citizens)[case.__name__]
    assert case.state == workflow.WITHDRAWN
    event = case.events[-1]
    assert event['action'] == 'withdraw' and event['reason'] == 'M-am răzgândit.'
    assert event['actor'] == citizens['a'][0].userid and event['on_behalf_of'] is None
    assert any(e['action'] == 'case.withdraw' for e in root.audit.latest(10))
    # not twice
    again = testapp.get(url, status=303)
    assert again.location == 'http://localhost' + case_url(case)


def test_a_decided_request_cannot_be_withdrawn(testapp, root, registry, service, citizens,
                                               outbox):
    case = file_case(testapp, root, citizens)
    case = as_clerk(root, registry, case, 'register', 'assign', 'start', 'approve')
    testapp.get(case_url(case) + '@@retrage', status=303)
    testapp.post(case_url(case) + '@@retrage', {'confirm': '1', 'csrf_token': csrf(testapp)},
                 status=303)
    assert dossier_of(root, citizens)[case.__name__].state == workflow.APPROVED


# completion ----------------------------------------------------------------------------------

def test_the_citizen_answers_a_completion_request_and_the_clock_resumes(
        testapp, root, registry, service, citizens, outbox):
    case = file_case(testapp, root, citizens)
    url = case_url(case) + '@@completare'
    testapp.get(url, status=303)                      # nothing was asked yet
    case = as_clerk(root, registry, case, 'register', 'assign', 'start', 'request_completion',
                    reason='Lipsește planul de încadrare în zonă.')
    assert case.state == workflow.AWAITING and case.deadline is None   # the clock stopped
    page = testapp.get(url)
    assert 'Lipsește planul de încadrare în zonă.' in page.text
    assert 'Se acceptă: PDF, JPG, PNG, DOCX.' in page.text      # the case's file types
    empty = post(testapp, url, [('csrf_token', csrf(testapp)), ('send', 'send')], status=400)
    assert 'Încărcați cel puțin un document sau scrieți un mesaj.' in empty.text
    bad = post(testapp, url, [
        ('__start__', 'documente:mapping'), ('__start__', 'fisier_1:mapping'),
        ('upload', upload('incadrare.pdf', b'nu e pdf')), ('__end__', 'fisier_1:mapping'),
        ('__end__', 'documente:mapping'), ('mesaj', 'Am atașat planul.'),
        ('csrf_token', csrf(testapp)), ('send', 'send')], status=400)
    assert 'Conținutul fișierului nu este PDF' in bad.text and 'Am atașat planul.' in bad.text
    assert len(dossier_of(root, citizens)[case.__name__].attachments) == 1
    res = post(testapp, url, [
        ('__start__', 'documente:mapping'), ('__start__', 'fisier_1:mapping'),
        ('upload', upload('incadrare.pdf', PDF)), ('__end__', 'fisier_1:mapping'),
        ('__end__', 'documente:mapping'), ('mesaj', 'Am atașat planul.'),
        ('csrf_token', csrf(testapp)), ('send', 'send')], status=303)
    case = dossier_of(root, citizens)[case.__name__]
    assert case.state == workflow.IN_PROGRESS
    assert case.pauses[-1][1] is not None and case.deadline is not None   # resumed
    assert [e['action'] for e in case.events][-2:] == ['complete', 'message']
    assert case.events[-2]['actor'] == citizens['a'][0].userid
    message = case.messages[-1]
    assert message['kind'] == 'completion' and message['text'] == 'Am atașat planul.'
    (aid,) = message['attachments']
    assert case.attachments[aid].field == 'completare'
    assert case.attachments[aid].filename == 'incadrare.pdf'
    assert any(e['action'] == 'case.complete' for e in root.audit.latest(10))
    thread = testapp.get(case_url(case) + '@@mesaje')
    assert 'Am atașat planul.' in thread.text and 'incadrare.pdf' in thread.text


# messages ---------------------------------------------------------------------------------------

def test_messages_both_ways_with_a_notification_to_the_citizen(
        testapp, root, registry, service, citizens, outbox, app):
    from cityportal.cases.api import add_note
    from cityportal.testing import Browser
    case = file_case(testapp, root, citizens)
    outbox_before = len(outbox.messages())          # the receipt
    case = find_resource(root.refresh(), case_url(case))
    add_note(case, 'functionar', 'Notă internă: verifică vecinii.')
    root.commit()
    clerk = Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.0.0.2'})
    clerk.login('functionar')
    url = case_url(case) + '@@mesaje'
    page = clerk.get(url)
    assert 'Nu există încă mesaje.' in page.text and 'Notă internă' not in page.text
    form = page.forms['cpform']
    form['mesaj'] = 'Vă rugăm să precizați regimul de înălțime.'
    form.set('upload', upload('model.pdf', PDF), index=0)
    form.submit('send', status=303)
    case = find_resource(root.refresh(), case_url(case))
    message = case.messages[-1]
    assert message['author'] == 'functionar' and message['staff'] is True
    assert message['on_behalf_of'] is None and len(message['attachments']) == 1
    assert case.events[-1]['action'] == 'message' and case.events[-1]['actor'] == 'functionar'
    mails = outbox.messages()[outbox_before:]
    assert [m['Subject'] for m in mails] == ['Mesaj nou despre cererea %s' % case.number]
    assert 'regimul de înălțime' not in mails[0].get_content()        # read in the portal
    # the citizen reads it and answers
    page = testapp.get(url)
    assert 'Vă rugăm să precizați regimul de înălțime.' in page.text
    assert 'model.pdf' in page.text and 'Notă internă' not in page.text
    form = page.forms['cpform']
    form['mesaj'] = 'Regim de înălțime P+1E.'
    form.submit('send', status=303)
    page = clerk.get(url)
    assert 'Regim de înălțime P+1E.' in page.text and 'Ioana Ștefănescu' in page.text
    case = find_resource(root.refresh(), case_url(case))
    assert [m['staff'] for m in case.messages] == [True, False]
    assert len(outbox.messages()) == outbox_before + 1     # the citizen's own: no e-mail
    # empty or hostile messages are refused, nothing is written
    bad = clerk.post(url, {'mesaj': '', 'csrf_token': clerk.csrf(), 'send': 'send'},
                     status=400)
    assert 'Câmp obligatoriu.' in bad.text
    clerk.post(url, {'mesaj': 'x\x00y', 'csrf_token': clerk.csrf(), 'send': 'send'},
               status=400)
    assert len(find_resource(root.refresh(), case_url(case)).messages) == 2


# who may do what ----------------------------------------------------------------------------------

CITIZEN_VIEWS = ('@@formular', '@@verificare', '@@confirmare', '@@sterge-ciorna', '@@retrage',
                 '@@completare', '@@mesaje')


@pytest.fixture
def other_clerk(root, registry):
    from cityportal import api
    api.user.create(root._root, 'fiscal', 'parola-fiscal-2026-x', 'Dan Fiscal',
                    registry=registry)
    api.user.grant_local_roles(root['departamente']['fiscala'], 'fiscal', ('Clerk',),
                               registry=registry)
    root.commit()
    return 'fiscal'


@pytest.mark.parametrize('who', ['citizen-b', 'anonymous', 'other-clerk', 'editor', 'operator'])
def test_nobody_else_reaches_the_filing_pages(testapp, root, registry, service, citizens,
                                              outbox, other_clerk, who):
    draft_res = start_draft(testapp, root, citizens, {'scop': 'construire'})
    draft_url = draft_res.location.replace('http://localhost', '').replace('@@formular', '')
    case = file_case(testapp, root, citizens)
    case = as_clerk(root, registry, case, 'register', 'assign', 'start', 'request_completion',
                    reason='Mai trebuie un act.')
    testapp.reset()
    if who == 'citizen-b':
        sign_in(testapp, root, citizens['b'][0])
    elif who == 'other-clerk':
        testapp.login(other_clerk, 'parola-fiscal-2026-x')
    elif who != 'anonymous':
        testapp.login(who)
    token = csrf(testapp) if who != 'anonymous' else ''
    for base in (draft_url, case_url(case)):
        for view in CITIZEN_VIEWS:
            url = base + view
            res = testapp.get(url, expect_errors=True)
            if who == 'anonymous':
                assert res.status_int == 302 and '/@@autentificare' in res.location, url
            else:
                assert res.status_int in (403, 404), (url, res.status)
            assert 'Ștefănescu' not in res.text and 'Locuință' not in res.text
            res = testapp.post(url, {'csrf_token': token, 'confirm': '1', 'submit': 'submit',
                                     'send': 'send', 'mesaj': 'x', 'save': 'save'},
                               expect_errors=True)
            assert res.status_int in (302, 400, 403, 404), (url, res.status)
    case = dossier_of(root, citizens)[case.__name__]
    assert case.state == workflow.AWAITING and len(case.messages) == 0
    draft = dossier_of(root, citizens)[draft_url.split('/')[-2]]
    assert draft.state == workflow.DRAFT and draft.answers['scop'] == 'construire'


def test_the_departments_clerk_reads_and_writes_messages_but_never_acts_for_the_citizen(
        testapp, root, registry, service, citizens, outbox):
    case = file_case(testapp, root, citizens)
    as_clerk(root, registry, case, 'register', 'assign', 'start', 'request_completion',
             reason='Mai trebuie un act.')
    testapp.reset()
    testapp.login('functionar')
    assert testapp.get(case_url(case) + '@@mesaje').status_int == 200
    for view in ('@@formular', '@@verificare', '@@confirmare', '@@sterge-ciorna', '@@retrage',
                 '@@completare'):
        assert testapp.get(case_url(case) + view, expect_errors=True).status_int == 403, view


def test_posts_without_the_csrf_token_are_refused(testapp, root, registry, service, citizens,
                                                  outbox):
    res = start_draft(testapp, root, citizens, {'scop': 'construire'})
    draft_url = res.location.replace('@@formular', '')
    for url in (draft_url + '@@formular', draft_url + '@@verificare',
                draft_url + '@@sterge-ciorna'):
        testapp.post(url, {'save': 'save', 'confirm': '1', 'submit': 'submit',
                           'descriere': 'schimbat'}, status=400)
    post(testapp, SERVICE + '/@@cerere', controls(GOOD), status=400)    # no token
    draft = only_case(dossier_of(root, citizens))
    assert draft.state == workflow.DRAFT and draft.answers.get('descriere') is None
    case = file_case(testapp, root, citizens)
    for view in ('@@retrage', '@@mesaje'):
        testapp.post(case_url(case) + view, {'confirm': '1', 'mesaj': 'x', 'send': 'send'},
                     status=400)
    case = dossier_of(root, citizens)[case.__name__]
    assert case.state == workflow.SUBMITTED and len(case.messages) == 0


# acting for someone else ---------------------------------------------------------------------

def test_a_representative_files_in_the_represented_dossier(testapp, root, registry, service,
                                                           citizens, outbox):
    from cityportal.dossiers.resources import set_representative
    a, b = citizens['a'][0], citizens['b'][0]
    dossier_b = root['dosare'][citizens['b'][1]]
    set_representative(dossier_b, a.userid, registry=registry, kind='proxy_person',
                       representation='test')
    root.commit()
    sign_in(testapp, root, a)
    testapp.post('/@@actionez', {'dosar': dossier_b.__name__, 'csrf_token': csrf(testapp)},
                 status=303)
    res = post(testapp, SERVICE + '/@@cerere',
               controls(GOOD, {'plan': upload('plan.pdf', PDF)}, button='verify',
                        csrf=csrf(testapp)), status=303)
    assert '/dosare/%s/cerere-' % dossier_b.__name__ in res.location
    res = testapp.post(res.location, {'csrf_token': csrf(testapp), 'submit': 'submit'},
                       status=303)
    case = dossier_of(root, citizens, 'b')[res.location.split('/')[-2]]
    path = '/dosare/' + dossier_b.__name__
    assert case.actor == a.userid and case.on_behalf_of == path
    assert {e['action']: e['on_behalf_of'] for e in case.events} == {
        'draft': path, 'save': path, 'submit': path}
    assert all(e['actor'] == a.userid for e in case.events)
    entry = next(e for e in root.audit.latest(20) if e['action'] == 'case.submit')
    assert entry['actor'] == a.userid and entry['on_behalf_of'] == path
    assert len(dossier_of(root, citizens, 'a')) == 0
    mail, = outbox.messages()                         # to the representative who filed
    assert 'Depusă în numele: Mihai Țurcanu' in mail.get_content()


def test_the_filing_pages_in_english(testapp, root, service, citizens, outbox):
    testapp.set_cookie('cp_lang', 'en')
    res = start_draft(testapp, root, citizens, dict(GOOD, suprafata='mult'),
                      {'plan': upload('plan.pdf', b'nu e pdf')})
    page = res.follow()
    assert 'Save the draft' in page.text and 'Some data were not accepted' in page.text
    assert 'The content of the file is not PDF' in page.text
    assert 'Documents the city hall obtains itself' in page.text
    testapp.set_cookie('cp_lang', 'ro')
    case = file_case(testapp, root, citizens)
    testapp.set_cookie('cp_lang', 'en')
    receipt = testapp.get(case_url(case) + '@@confirmare')
    assert 'The request has been filed' in receipt.text and 'What happens next' in receipt.text
    mail = outbox.messages()[-1]
    assert mail['Subject'].startswith('Cererea ')          # filed in Romanian: Romanian mail
