"""WCAG 2.1 AA in Debian's chromium: axe-core on the portal's pages, keyboard, no JavaScript.

axe-core comes from npm once into var/cache/axe (the ``axe_source`` fixture
in conftest.py); its source is injected into each page with execute_script,
so the browser fetches nothing from outside. Every page must have no axe
violation of any impact for the tags in ``AXE_OPTIONS``; a failure lists each
rule, its impact and help, and the failing nodes' targets and HTML.
"""
import json

import pytest

from cityportal.testing import field_by_label, navigate
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from cityportal import demo
from cityportal.api.content import slugify

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 10
AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']
AXE_OPTIONS = {'runOnly': {'type': 'tag', 'values': AXE_TAGS},
               'resultTypes': ['violations']}

STAFF = {userid: (userid, password, name) for userid, password, name, *_ in demo.STAFF}
ADMIN = STAFF['admin']
EDITOR = STAFF['editor']
CLERK = STAFF['functionar']

CATEGORY, CATEGORY_TITLE = demo.CATEGORIES[0][:2]
SERVICE_TITLE = next(s[1] for s in demo.SERVICES if s[0] == CATEGORY)
SERVICE = slugify(SERVICE_TITLE)

LOGIN_ERROR = 'Numele de utilizator sau parola nu sunt corecte.'
FORM_ERROR = 'Formularul nu a fost salvat.'


# helpers ------------------------------------------------------------------

def wait(driver):
    return WebDriverWait(driver, WAIT)


def h1(driver):
    return driver.find_element(By.TAG_NAME, 'h1').text.strip()


def submit_button(driver, title):
    return driver.find_element(
        By.XPATH, "//main//form//button[@type='submit' and normalize-space()='%s']" % title)


def clear_cookies(driver):
    """Forget every cookie (session, language): anonymous and Romanian again."""
    driver.execute_cdp_cmd('Network.clearBrowserCookies', {})


def signed_in_as(driver, account):
    header = driver.find_element(By.CSS_SELECTOR, 'header.site-header .account').text
    lang = driver.find_element(By.TAG_NAME, 'html').get_attribute('lang')
    return account[2] in header and lang == 'ro'


def log_in(driver, portal_url, account):
    userid, password, name = account
    driver.get(portal_url + '/login')
    field_by_label(driver, 'Nume de utilizator').send_keys(userid)
    field_by_label(driver, 'Parolă').send_keys(password)
    navigate(driver, submit_button(driver, 'Intră în cont').click)
    assert driver.current_url.endswith('/@@personal'), driver.current_url
    assert name in driver.find_element(By.CSS_SELECTOR, 'header.site-header .account').text


def main_text(driver):
    return driver.find_element(By.TAG_NAME, 'main').text


def run_axe(driver, axe_source):
    """axe.run on the current document; the violations, trimmed to what a report needs."""
    if not driver.execute_script('return typeof window.axe === "object"'):
        driver.execute_script(axe_source)
    driver.set_script_timeout(30)
    result = driver.execute_async_script("""
        var options = arguments[0], done = arguments[arguments.length - 1];
        axe.run(document, options, function (err, results) {
          if (err) { done({error: String(err && (err.stack || err.message) || err)}); return; }
          done({violations: results.violations.map(function (v) {
            return {id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(function (n) {
                      return {target: n.target, html: n.html, summary: n.failureSummary};
                    })};
          })});
        });
    """, AXE_OPTIONS)
    assert result and 'error' not in result, 'axe.run failed: %s' % (result or {}).get('error')
    return result['violations']


def format_violations(violations, url, title):
    lines = ['axe-core found %d WCAG 2.1 A/AA violation(s) on %s (%s):' % (
        len(violations), url, title)]
    for v in violations:
        lines.append('')
        lines.append('* %s [%s] %s' % (v['id'], v['impact'], v['help']))
        lines.append('  %s' % v['helpUrl'])
        for node in v['nodes']:
            lines.append('  - target: %s' % json.dumps(node['target'], ensure_ascii=False))
            html = ' '.join(node['html'].split())
            lines.append('    html:   %s' % (html[:300] + ('…' if len(html) > 300 else '')))
            for summary_line in (node['summary'] or '').splitlines():
                lines.append('    | %s' % summary_line)
    return '\n'.join(lines)


def assert_accessible(driver, axe_source):
    violations = run_axe(driver, axe_source)
    if violations:
        pytest.fail(format_violations(violations, driver.current_url, driver.title),
                    pytrace=False)


# the pages ------------------------------------------------------------------
# each opens one page state in ``driver`` (and checks it is the page meant)

def page_home(driver, url):
    clear_cookies(driver)
    driver.get(url + '/')
    assert h1(driver) == 'Toate serviciile primăriei, într-un singur loc'


def page_services(driver, url):
    clear_cookies(driver)
    driver.get(url + '/servicii/')
    assert driver.find_elements(By.CSS_SELECTOR, 'main ul.cards li')


def page_category(driver, url):
    clear_cookies(driver)
    driver.get('%s/servicii/%s/' % (url, CATEGORY))
    assert h1(driver) == CATEGORY_TITLE


def page_service(driver, url):
    clear_cookies(driver)
    driver.get('%s/servicii/%s/%s' % (url, CATEGORY, SERVICE))
    assert h1(driver) == SERVICE_TITLE


def page_login(driver, url):
    clear_cookies(driver)
    driver.get(url + '/login')
    assert h1(driver) == 'Autentificare personal'


def page_login_empty_submit(driver, url):
    page_login(driver, url)
    navigate(driver, submit_button(driver, 'Intră în cont').click)
    assert FORM_ERROR in main_text(driver)
    assert driver.find_elements(By.CSS_SELECTOR, 'main form .has-error, main form .is-invalid')


def page_login_wrong_password(driver, url):
    page_login(driver, url)
    field_by_label(driver, 'Nume de utilizator').send_keys('nimeni')
    field_by_label(driver, 'Parolă').send_keys('nu-este-parola')
    navigate(driver, submit_button(driver, 'Intră în cont').click)
    assert LOGIN_ERROR in main_text(driver)


def page_not_found(driver, url):
    clear_cookies(driver)
    driver.get(url + '/pagina-care-nu-exista')
    assert driver.find_elements(By.CSS_SELECTOR, 'main h1')
    assert driver.find_elements(By.XPATH, "//main//a[@href='%s/']" % url)


def page_home_english(driver, url):
    clear_cookies(driver)
    driver.get(url + '/')
    link = driver.find_element(
        By.XPATH, "//nav[contains(@class,'lang')]//a[normalize-space()='English']")
    navigate(driver, link.click)
    assert driver.find_element(By.TAG_NAME, 'html').get_attribute('lang') == 'en'
    assert driver.find_element(
        By.XPATH, "//nav[contains(@class,'lang')]//*[@aria-current]").text.strip() == 'English'


def as_user(account, path, check=None):
    def page(driver, url):
        driver.get(url + path)
        if not signed_in_as(driver, account):  # log in once, then reuse the session
            clear_cookies(driver)
            log_in(driver, url, account)
            driver.get(url + path)
        assert '/login' not in driver.current_url, 'sent to the login form: %s' % path
        if check is not None:
            check(driver)
    return page


def _has_form(driver):
    assert driver.find_elements(By.CSS_SELECTOR, 'main form.cp-form')


def _has_listing(driver):
    assert driver.find_elements(By.CSS_SELECTOR, 'main table.listing tbody tr')


def page_editor_add_category_invalid(driver, url):
    as_user(EDITOR, '/servicii/@@add?type=Category', _has_form)(driver, url)
    navigate(driver, submit_button(driver, 'Salvează').click)
    assert FORM_ERROR in main_text(driver)


PAGES = [
    ('home', page_home),
    ('services-listing', page_services),
    ('category', page_category),
    ('service', page_service),
    ('login', page_login),
    ('login-empty-submit', page_login_empty_submit),
    ('login-wrong-password', page_login_wrong_password),
    ('not-found', page_not_found),
    ('home-english', page_home_english),
    ('admin-workspace', as_user(ADMIN, '/@@personal')),
    ('admin-users-listing', as_user(ADMIN, '/utilizatori/', _has_listing)),
    ('admin-add-user-form', as_user(ADMIN, '/utilizatori/@@adauga-cont', _has_form)),
    ('admin-department-roles', as_user(ADMIN, '/departamente/urbanism/@@roluri', _has_form)),
    ('admin-audit', as_user(ADMIN, '/@@audit', _has_listing)),
    ('editor-add-category-invalid', page_editor_add_category_invalid),
]


@pytest.mark.parametrize('open_page', [p for _, p in PAGES], ids=[i for i, _ in PAGES])
def test_axe_wcag21_aa(shared_driver, portal_url, axe_source, open_page):
    open_page(shared_driver, portal_url)
    assert_accessible(shared_driver, axe_source)


# keyboard -------------------------------------------------------------------

FOCUS_INFO = """
    var el = document.activeElement, cs = getComputedStyle(el);
    return {tag: el.tagName.toLowerCase(), id: el.id || '', name: el.getAttribute('name') || '',
            type: el.getAttribute('type') || '', text: (el.textContent || '').trim().slice(0, 60),
            cls: el.className || '',
            inHeader: !!el.closest('header.site-header, nav.breadcrumbs'),
            inMain: !!el.closest('main'),
            outlineStyle: cs.outlineStyle, outlineWidth: cs.outlineWidth,
            boxShadow: cs.boxShadow};
"""


def has_focus_indicator(info):
    outline = info['outlineStyle'] != 'none' and info['outlineWidth'] not in ('0px', '')
    return outline or info['boxShadow'] not in ('none', '')


def _label(stop):
    return '%s#%s%s' % (stop['tag'], stop['id'], ' "%s"' % stop['text'] if stop['text'] else '')


def test_login_keyboard_order_and_focus_indicator(shared_driver, portal_url):
    """The page's Tab cycle: skip link, header controls, then user name, password, submit.

    The login form autofocuses the user name field, so the test tabs once
    round the whole page (past the end focus leaves the document, then
    comes back to the skip link) and reads the cycle from the skip link on.
    """
    driver = shared_driver
    clear_cookies(driver)
    driver.get(portal_url + '/login')
    user = field_by_label(driver, 'Nume de utilizator')
    password = field_by_label(driver, 'Parolă')
    button = submit_button(driver, 'Intră în cont')
    wanted = [('input', user.get_attribute('id')), ('input', password.get_attribute('id')),
              ('button', button.get_attribute('id'))]

    start = driver.execute_script(FOCUS_INFO)
    assert (start['tag'], start['id']) == wanted[0], (
        'the login form should start focused on the user name field, not %s' % _label(start))
    cycle = [start]
    for _ in range(60):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        info = driver.execute_script(FOCUS_INFO)
        if (info['tag'], info['id']) == wanted[0]:
            break
        cycle.append(info)
    else:
        pytest.fail('Tab never came back to the user name field: %s' % [
            _label(s) for s in cycle])
    stops = [s for s in cycle if s['tag'] != 'body']  # body: focus left the document
    skip = [i for i, s in enumerate(stops) if 'skip-link' in s['cls'].split()]
    assert skip, 'no skip link in the Tab cycle: %s' % [_label(s) for s in stops]
    stops = stops[skip[0]:] + stops[:skip[0]]
    order = [_label(s) for s in stops]
    keys = [(s['tag'], s['id']) for s in stops]

    first = keys.index(wanted[0])
    assert keys[first:first + 3] == wanted, (
        'Tab does not go user name -> password -> submit: %s' % order)
    before = stops[1:first]
    assert before and all(s['inHeader'] and not s['inMain'] for s in before), (
        'expected only header controls between the skip link and the form: %s' % order)
    texts = [s['text'] for s in before]
    assert 'English' in texts and 'Autentificare personal' in texts, order

    missing = ['%s (outline-style %s, outline-width %s, box-shadow %s)' % (
        order[i], s['outlineStyle'], s['outlineWidth'], s['boxShadow'])
        for i, s in enumerate(stops) if not has_focus_indicator(s)]
    assert not missing, 'focused without a visible focus indicator: %s' % missing


def test_axe_reports_violations(shared_driver, axe_source):
    """The harness is not blind: a page with known faults yields their rules."""
    driver = shared_driver
    driver.get('data:text/html;charset=utf-8,<html><head><title>x</title></head><body>'
               '<main><h1>x</h1><img src="data:,"><input type="text">'
               '<p style="color:%23777;background:%23888">gri pe gri</p></main></body></html>')
    found = {v['id'] for v in run_axe(driver, axe_source)}
    assert {'html-has-lang', 'image-alt', 'label', 'color-contrast'} <= found, found


# without JavaScript -----------------------------------------------------------

def test_clerk_flow_works_without_javascript(nojs_driver, portal_url):
    driver = nojs_driver
    # the content setting really is in force: this page's script must not run
    driver.get('data:text/html,<title>fara-js</title><script>document.title="cu-js"</script>')
    assert driver.title == 'fara-js', 'JavaScript is still enabled in this browser'

    userid, password, name = CLERK
    driver.get(portal_url + '/')
    link = driver.find_element(
        By.XPATH, "//header//a[normalize-space()='Autentificare personal']")
    navigate(driver, link.click)
    assert driver.current_url.split('?')[0].endswith('/login')
    field_by_label(driver, 'Nume de utilizator').send_keys(userid)
    field_by_label(driver, 'Parolă').send_keys(password)
    navigate(driver, submit_button(driver, 'Intră în cont').click)

    assert driver.current_url.endswith('/@@personal'), driver.current_url
    assert h1(driver) == 'Spațiul de lucru'
    account = driver.find_element(By.CSS_SELECTOR, 'header.site-header .account')
    assert name in account.text
    # the workspace lists the clerk's department
    urbanism = dict((d[0], d[1]) for d in demo.DEPARTMENTS)['urbanism']
    assert driver.find_elements(By.XPATH, "//main//a[normalize-space()='%s']" % urbanism)

    logout = account.find_element(
        By.XPATH, ".//form[@method='post']//button[normalize-space()='Ieșire']")
    navigate(driver, logout.click)
    assert driver.current_url.rstrip('/') == portal_url
    assert 'V-ați deconectat.' in driver.find_element(By.CSS_SELECTOR, '.messages').text
    assert name not in driver.find_element(By.CSS_SELECTOR, 'header.site-header .account').text

    driver.get(portal_url + '/@@personal')
    assert '/login' in driver.current_url
