"""A case's whole circuit in Debian's chromium: filed, completed on request, approved.

A citizen (Ioana Ștefănescu, through the ROeID stand-in's page) files a
request for "Autorizație de construire" (department ``urbanism``) with a PDF
attached: the form, the saved draft, the summary, the receipt with its number
TM-<year>-NNNNNN. The clerk of ``urbanism`` (``functionar``) goes from the
workspace to the department's inbox, finds it by that number, registers it, assigns it to themself, takes
it in work and asks for completion. The citizen sees it waiting for them in
their dossier, answers on ``@@completare`` with another PDF and a message; the
clerk sees it back in work and approves it; the citizen's dossier shows it
approved.

The demo services have no online form (``cityportal-seed --demo`` makes
their sheets only), so the publisher first gives the service one through the
field editor: a short text and a file field, both required.

One browser plays every part in turn: between two people every cookie goes
(the portal's session and the stand-in IdP's alike), so each signs in afresh.
"""
import datetime
import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from cityportal import demo
from cityportal.api.content import slugify
from cityportal.testing import field_by_label, navigate

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 10
SIGN_IN_WAIT = 20

STAFF = {userid: (userid, password, name) for userid, password, name, *_ in demo.STAFF}
PUBLISHER = STAFF['publicator']
CLERK = STAFF['functionar']

SERVICE_TITLE = 'Autorizație de construire'
CATEGORY, DEPARTMENT = next((s[0], s[3]) for s in demo.SERVICES if s[1] == SERVICE_TITLE)
CATEGORY_TITLE = dict((c[0], c[1]) for c in demo.CATEGORIES)[CATEGORY]
DEPARTMENT_TITLE = next(d[1] for d in demo.DEPARTMENTS if d[0] == DEPARTMENT)
assert DEPARTMENT == 'urbanism' and 'urbanism' in dict(
    (s[0], s[5]) for s in demo.STAFF)['functionar'], 'the clerk must work for the department'

CITIZEN = ('ioana.stefanescu', 'Ioana Ștefănescu')

# the online form the publisher gives the service: (type, name, label)
ADDRESS_FIELD = ('text', 'adresa_imobil', 'Adresa imobilului')
PLAN_FIELD = ('file', 'plan_situatie', 'Plan de situație')

ADDRESS = 'Str. Mărășești nr. 7, Timișoara'
PLAN_FILE = 'plan-de-situatie.pdf'
COMPLETION_FILE = 'extras-carte-funciara.pdf'
COMPLETION_REASON = 'Lipsește extrasul de carte funciară al imobilului (cel mult 30 de zile).'
COMPLETION_MESSAGE = 'Am atașat extrasul de carte funciară cerut.'

NUMBER_RE = re.compile(r'\bTM-(\d{4})-\d{6}\b')

# states as everyone reads them (cases/workflow.py)
SUBMITTED = 'Depusă, în curs de înregistrare'
REGISTERED = 'Înregistrată'
ASSIGNED = 'Repartizată unui funcționar'
IN_PROGRESS = 'În lucru'
AWAITING = 'Așteaptă completări de la dumneavoastră'
APPROVED = 'Aprobată, în curs de semnare'


# helpers ----------------------------------------------------------------------

def wait(driver, timeout=WAIT):
    return WebDriverWait(driver, timeout)


def h1(driver):
    return driver.find_element(By.TAG_NAME, 'h1').text.strip()


def main_text(driver):
    return driver.find_element(By.TAG_NAME, 'main').text


def path(driver):
    return urlsplit(driver.current_url).path


def messages(driver):
    """The texts of the flash messages and of the page's own status messages."""
    return [' '.join(el.text.split()) for el in driver.find_elements(
        By.CSS_SELECTOR, '.messages .message, main .message')]


def xpath_text(text):
    """``text`` as an XPath string literal (the texts here have no double quote)."""
    assert '"' not in text
    return '"%s"' % text


def button(driver, title, scope='//main'):
    found = driver.find_elements(
        By.XPATH, '%s//form//button[@type="submit" and normalize-space()=%s]' % (
            scope, xpath_text(title)))
    assert len(found) == 1, 'expected one %r button on %s, found %d' % (
        title, driver.current_url, len(found))
    return found[0]


def link(driver, text, scope='//main'):
    found = driver.find_elements(
        By.XPATH, '%s//a[normalize-space()=%s]' % (scope, xpath_text(text)))
    assert found, 'no link %r on %s' % (text, driver.current_url)
    return found[0]


def header_account(driver):
    return driver.find_element(By.CSS_SELECTOR, 'header.site-header .account')


def fresh_session(driver):
    """Forget every cookie, the portal's and the stand-in IdP's: the next person's turn."""
    driver.delete_all_cookies()
    driver.execute_cdp_cmd('Network.clearBrowserCookies', {})


def staff_log_in(driver, portal_url, account):
    userid, password, name = account
    fresh_session(driver)
    driver.get(portal_url + '/login')
    field_by_label(driver, 'Nume de utilizator').send_keys(userid)
    field_by_label(driver, 'Parolă').send_keys(password)
    navigate(driver, button(driver, 'Intră în cont').click)
    assert path(driver) == '/@@personal', driver.current_url
    assert name in header_account(driver).text


def citizen_sign_in(driver, portal_url, idp_url, stack):
    """Sign in through the header's "Intră cu ROeID" and the IdP's page; at the dossier."""
    username, name = CITIZEN
    fresh_session(driver)
    driver.get(portal_url + '/')
    navigate(driver, link(driver, 'Intră cu ROeID', scope='//header').click)
    assert path(driver) == '/@@autentificare', driver.current_url
    navigate(driver, link(driver, 'Intră cu ROeID').click)
    assert driver.current_url.startswith(idp_url), driver.current_url
    driver.find_element(By.ID, 'utilizator').send_keys(username)
    driver.find_element(By.ID, 'parola').send_keys('roeid')
    driver.find_element(By.ID, 'parola').submit()
    # the IdP's answer is a form a script posts to /saml/acs: wait for the dossier
    wait(driver, SIGN_IN_WAIT).until(
        lambda d: urlsplit(d.current_url).path.startswith('/dosare/')
        and d.execute_script('return document.readyState') == 'complete')
    heading = h1(driver)
    assert 'Dosarul personal' in heading and name in heading, (
        heading, stack['procs'][1].output()[-4000:])
    assert name in header_account(driver).text
    return driver.current_url


def write_pdf(target, text):
    """A small, valid one-page PDF (correct xref offsets) saying ``text``; its path."""
    stream = ('BT /F1 14 Tf 72 720 Td (%s) Tj ET' % text).encode('latin-1')
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] '
        b'/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
        b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
        b'<< /Length %d >>\nstream\n%s\nendstream' % (len(stream), stream),
    ]
    out = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b'%d 0 obj\n%s\nendobj\n' % (number, body)
    xref = len(out)
    out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
    out += b''.join(b'%010d 00000 n \n' % offset for offset in offsets)
    out += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (
        len(objects) + 1, xref)
    target.write_bytes(bytes(out))
    return str(target)


def dd_after(driver, term):
    """The text of the case page's first <dd> after the <dt> ``term``."""
    found = driver.find_elements(
        By.XPATH, '//main//dl/dt[normalize-space()=%s]/following-sibling::dd[1]'
        % xpath_text(term))
    assert found, 'no %r on %s' % (term, driver.current_url)
    return ' '.join(found[0].text.split())


def case_state(driver):
    return dd_after(driver, 'Stare')


def clerk_action(driver, title, reason=None, assignee=None):
    """Take one of the clerk's actions on the case page; check its confirmation."""
    scope = '//main//section[@aria-labelledby="c-work"]'
    if assignee is not None:
        Select(field_by_label(driver, 'Funcționarul')).select_by_value(assignee)
    if reason is not None:
        field_by_label(driver, 'Motivul (%s)' % title).send_keys(reason)
    url = driver.current_url.split('?')[0]
    navigate(driver, button(driver, title, scope=scope).click)
    assert driver.current_url.split('?')[0] == url, driver.current_url


def open_from_inbox(driver, portal_url, number, state):
    """From the workspace, the department's inbox filtered by the case number; opens it."""
    inbox_title = 'Cererile departamentului %s' % DEPARTMENT_TITLE
    # the link's accessible name carries the department's (visually hidden) name
    navigate(driver, link(driver, inbox_title).click)
    assert driver.current_url == '%s/departamente/%s/@@inbox' % (portal_url, DEPARTMENT), \
        driver.current_url
    assert h1(driver) == inbox_title
    box = field_by_label(driver, 'Număr sau cuvinte')
    box.send_keys(number)
    navigate(driver, button(driver, 'Filtrează').click)
    assert path(driver) == '/departamente/%s/@@inbox' % DEPARTMENT, driver.current_url
    assert 'O cerere găsită.' in main_text(driver), main_text(driver)
    rows = driver.find_elements(By.CSS_SELECTOR, 'main table.inbox tbody tr')
    assert len(rows) == 1, len(rows)
    cells = [' '.join(c.text.split()) for c in rows[0].find_elements(By.XPATH, './th|./td')]
    assert cells[0] == number and cells[1] == SERVICE_TITLE and cells[2] == CITIZEN[1] \
        and cells[3] == state, cells
    navigate(driver, rows[0].find_element(By.LINK_TEXT, number).click)
    assert h1(driver) == 'Cererea %s' % number
    return cells


# the flow -------------------------------------------------------------------------

def give_service_a_form(driver, portal_url, service_url):
    """The publisher adds the online form's fields (unless an earlier run did)."""
    staff_log_in(driver, portal_url, PUBLISHER)
    driver.get(service_url)
    assert h1(driver) == SERVICE_TITLE
    navigate(driver, link(driver, 'Modifică formularul online').click)
    assert path(driver).endswith('/@@formular')
    assert h1(driver) == 'Formularul online: %s' % SERVICE_TITLE
    for kind, name, label in (ADDRESS_FIELD, PLAN_FIELD):
        if driver.find_elements(By.ID, 'camp-' + name):
            continue
        Select(field_by_label(driver, 'Tipul câmpului')).select_by_value(kind)
        navigate(driver, button(driver, 'Continuă').click)
        assert h1(driver) == 'Câmp nou în formularul „%s”' % SERVICE_TITLE
        field_by_label(driver, 'Nume tehnic').send_keys(name)
        field_by_label(driver, 'Eticheta (ce citește cetățeanul)').send_keys(label)
        assert field_by_label(driver, 'Completarea este obligatorie').is_selected()
        navigate(driver, button(driver, 'Adaugă câmpul').click)
        assert path(driver).endswith('/@@formular'), driver.current_url
        assert 'Câmpul „%s” a fost adăugat.' % label in messages(driver), messages(driver)
    rows = driver.find_elements(By.CSS_SELECTOR, 'main table.fields tbody tr')
    assert [r.find_element(By.TAG_NAME, 'th').text.strip() for r in rows] == [
        ADDRESS_FIELD[2], PLAN_FIELD[2]]


def test_citizen_files_clerk_asks_completion_citizen_completes_clerk_approves(
        driver, portal_url, idp_url, stack, tmp_path):
    service_url = '%s/servicii/%s/%s/' % (portal_url, CATEGORY, slugify(SERVICE_TITLE))
    plan_pdf = write_pdf(tmp_path / PLAN_FILE, 'Plan de situatie - Str. Marasesti nr. 7')
    completion_pdf = write_pdf(tmp_path / COMPLETION_FILE, 'Extras de carte funciara')

    # 0. the service gets an online form with a file field -------------------------
    give_service_a_form(driver, portal_url, service_url)

    # 1. the citizen files the request with the plan attached ----------------------
    dossier_url = citizen_sign_in(driver, portal_url, idp_url, stack)
    navigate(driver, link(driver, 'Depune o cerere').click)
    assert path(driver) == '/servicii/'
    navigate(driver, link(driver, CATEGORY_TITLE).click)
    assert h1(driver) == CATEGORY_TITLE
    navigate(driver, link(driver, SERVICE_TITLE).click)
    assert driver.current_url == service_url, driver.current_url
    assert h1(driver) == SERVICE_TITLE
    navigate(driver, link(driver, 'Depune cererea online').click)
    assert path(driver) == urlsplit(service_url).path + '@@cerere', driver.current_url
    assert h1(driver) == 'Cerere: %s' % SERVICE_TITLE

    field_by_label(driver, ADDRESS_FIELD[2]).send_keys(ADDRESS)
    upload = field_by_label(driver, PLAN_FIELD[2])
    assert upload.get_attribute('type') == 'file'
    assert '.pdf' in upload.get_attribute('accept')
    upload.send_keys(plan_pdf)
    # first the draft (it lands in the dossier, the file with it) …
    navigate(driver, button(driver, 'Salvează ciorna').click)
    draft_path = path(driver)
    assert draft_path.startswith(urlsplit(dossier_url).path) and \
        draft_path.endswith('/@@formular'), driver.current_url
    case_url = portal_url + draft_path[:-len('@@formular')]
    assert 'Ciorna a fost salvată. O găsiți și în dosarul dumneavoastră.' in messages(driver), \
        messages(driver)
    assert field_by_label(driver, ADDRESS_FIELD[2]).get_attribute('value') == ADDRESS
    assert 'Fișier încărcat: %s' % PLAN_FILE in main_text(driver), main_text(driver)
    # … then checked …
    navigate(driver, button(driver, 'Verifică cererea').click)
    assert driver.current_url == case_url + '@@verificare', driver.current_url
    assert h1(driver) == 'Verificați cererea: %s' % SERVICE_TITLE
    assert dd_after(driver, ADDRESS_FIELD[2]) == ADDRESS
    assert dd_after(driver, PLAN_FIELD[2]).startswith(PLAN_FILE + ' ('), \
        dd_after(driver, PLAN_FIELD[2])
    # … and filed: the receipt and its number
    navigate(driver, button(driver, 'Depune cererea').click)
    assert driver.current_url == case_url + '@@confirmare', driver.current_url
    assert h1(driver) == 'Cererea a fost depusă'
    receipt = ' '.join(driver.find_element(By.CSS_SELECTOR, 'main .message.success').text.split())
    found = NUMBER_RE.search(receipt)
    assert found and receipt == 'Am primit cererea dumneavoastră: %s.' % found.group(0), receipt
    number = found.group(0)
    today = datetime.date.today()
    assert int(found.group(1)) in {(today + datetime.timedelta(days=d)).year
                                   for d in (-1, 0, 1)}, number
    assert dd_after(driver, 'Numărul cererii') == number
    assert dd_after(driver, 'Departamentul') == DEPARTMENT_TITLE
    navigate(driver, link(driver, 'Vedeți cererea').click)
    assert driver.current_url == case_url, driver.current_url
    assert h1(driver) == 'Cererea %s' % number
    assert case_state(driver) == SUBMITTED

    # 2. the clerk finds it in the inbox, takes it and asks for completion ---------
    staff_log_in(driver, portal_url, CLERK)
    cells = open_from_inbox(driver, portal_url, number, SUBMITTED)
    assert cells[5] == 'nerepartizată', cells
    assert driver.current_url.split('?')[0] == case_url, driver.current_url
    plan_link = driver.find_element(
        By.XPATH, '//main//dl/dt[normalize-space()=%s]/following-sibling::dd[1]//a'
        % xpath_text(PLAN_FIELD[2]))
    assert plan_link.text.strip() == PLAN_FILE
    assert '@@fisier?id=' in plan_link.get_attribute('href')
    assert dd_after(driver, ADDRESS_FIELD[2]) == ADDRESS
    assert dd_after(driver, 'Responsabil') == 'nerepartizată'

    clerk_action(driver, 'Înregistrează')
    assert 'Gata: Cerere înregistrată.' in messages(driver), messages(driver)
    assert case_state(driver) == REGISTERED
    clerk_action(driver, 'Repartizează', assignee=CLERK[0])
    assert 'Gata: Cerere repartizată.' in messages(driver), messages(driver)
    assert case_state(driver) == ASSIGNED
    assert dd_after(driver, 'Responsabil') == CLERK[2]
    clerk_action(driver, 'Preia în lucru')
    assert 'Gata: Cerere preluată în lucru.' in messages(driver), messages(driver)
    assert case_state(driver) == IN_PROGRESS
    clerk_action(driver, 'Cere completări', reason=COMPLETION_REASON)
    assert 'Gata: Completări solicitate.' in messages(driver), messages(driver)
    assert case_state(driver) == AWAITING
    assert 'Termenul este suspendat până la primirea completărilor.' in \
        dd_after(driver, 'Termen de răspuns')
    assert 'Nu aveți nicio acțiune de făcut acum.' in main_text(driver)

    # 3. the citizen sees the case waiting for them and sends the completion -------
    assert citizen_sign_in(driver, portal_url, idp_url, stack) == dossier_url
    todo = driver.find_element(By.XPATH, '//main//section[@aria-labelledby="todo"]')
    todo_link = link(driver, '%s — %s' % (number, SERVICE_TITLE),
                     scope='//main//section[@aria-labelledby="todo"]')
    assert todo_link.get_attribute('href') == case_url, todo.text
    row = driver.find_element(By.XPATH, '//main//section[@aria-labelledby="cases"]'
                                        '//tr[td/a[normalize-space()=%s]]' % xpath_text(number))
    assert AWAITING in row.text and 'Așteaptă completări' in row.text, row.text
    navigate(driver, todo_link.click)
    assert driver.current_url == case_url, driver.current_url
    assert case_state(driver) == AWAITING
    assert COMPLETION_REASON in main_text(driver)      # in the trail, as the reason
    navigate(driver, link(driver, 'Trimite completările').click)
    assert driver.current_url == case_url + '@@completare', driver.current_url
    assert h1(driver) == 'Completarea cererii %s' % number
    asked = driver.find_element(By.CSS_SELECTOR, 'main blockquote').text.strip()
    assert asked == COMPLETION_REASON, asked
    slot = field_by_label(driver, 'Fișierul 1')
    assert slot.get_attribute('type') == 'file'
    slot.send_keys(completion_pdf)
    field_by_label(driver, 'Mesaj pentru funcționar (opțional)').send_keys(COMPLETION_MESSAGE)
    navigate(driver, button(driver, 'Trimite completările').click)
    assert driver.current_url == case_url, driver.current_url
    assert 'Completările au fost trimise. Termenul de răspuns curge din nou.' in \
        messages(driver), messages(driver)
    assert case_state(driver) == IN_PROGRESS
    others = driver.find_element(By.XPATH, '//main//section[@aria-labelledby="c-other"]').text
    assert COMPLETION_FILE in others and 'Completare' in others, others

    # 4. the clerk sees it back in work and approves it ------------------------------
    staff_log_in(driver, portal_url, CLERK)
    cells = open_from_inbox(driver, portal_url, number, IN_PROGRESS)
    assert cells[5] == CLERK[2], cells
    assert case_state(driver) == IN_PROGRESS
    others = driver.find_element(By.XPATH, '//main//section[@aria-labelledby="c-other"]').text
    assert COMPLETION_FILE in others, others
    trail = driver.find_element(By.XPATH, '//main//section[@aria-labelledby="c-trail"]').text
    assert 'Completări trimise' in trail and CITIZEN[1] in trail, trail
    clerk_action(driver, 'Aprobă')
    assert 'Gata: Cerere aprobată.' in messages(driver), messages(driver)
    assert case_state(driver) == APPROVED

    # 5. the citizen's dossier shows it approved -----------------------------------------
    citizen_sign_in(driver, portal_url, idp_url, stack)
    row = driver.find_element(By.XPATH, '//main//section[@aria-labelledby="cases"]'
                                        '//tr[td/a[normalize-space()=%s]]' % xpath_text(number))
    cells = [' '.join(c.text.split()) for c in row.find_elements(By.TAG_NAME, 'td')]
    assert cells[:3] == [number, SERVICE_TITLE, APPROVED], cells
    assert 'Aprobată' in cells[2]
    todo = driver.find_element(By.XPATH, '//main//section[@aria-labelledby="todo"]').text
    assert 'Nu aveți nimic de completat.' in todo, todo
    navigate(driver, row.find_element(By.LINK_TEXT, number).click)
    assert driver.current_url == case_url, driver.current_url
    assert case_state(driver) == APPROVED
    assert 'Cerere aprobată' in main_text(driver)
