"""A service page's editorial life in Debian's chromium, end to end.

An editor creates a service sheet (a draft), sends it for review; while it
waits, an anonymous visitor neither finds it by search nor sees it in its
category nor can open it; a publisher publishes it; then the anonymous
visitor finds it from the home page's search box (with and without
diacritics) and opens it: the sheet, with no workflow marker.

The anonymous pages are visited before and after publishing at the same
addresses, so they also check that the per-process page cache of anonymous
pages is invalidated by the publication.
"""
from urllib.parse import urlsplit

import pytest

from cityportal.testing import field_by_label, navigate
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from cityportal import demo
from cityportal.api.content import slugify

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WAIT = 10

STAFF = {userid: (userid, password, name) for userid, password, name, *_ in demo.STAFF}
EDITOR = STAFF['editor']
PUBLISHER = STAFF['publicator']

CATEGORY = 'stare-civila'
CATEGORY_TITLE = dict((c[0], c[1]) for c in demo.CATEGORIES)[CATEGORY]
# distinctive: no demo service (nor any other browser test's) has these words
TITLE = 'Eliberarea extrasului multilingv de stare civilă'
SUMMARY = ('Extrasul multilingv al unui act de stare civilă se folosește în statele '
           'Uniunii Europene fără traducere și fără apostilă.')
SUBMIT_COMMENT = 'Gata de publicare: verificat cu Serviciul Stare Civilă.'
QUERIES = ('extras multilingv', 'extrasului multilingv stare civila')

DRAFT_MARKER = 'Stare: Ciornă'
PENDING_MARKER = 'Stare: În așteptarea aprobării'
PUBLISHED_MARKER = 'Stare: Publicat'
NO_RESULTS = '0 servicii găsite.'


# helpers ------------------------------------------------------------------

def wait(driver):
    return WebDriverWait(driver, WAIT)


def h1(driver):
    return driver.find_element(By.TAG_NAME, 'h1').text.strip()


def main_text(driver):
    return driver.find_element(By.TAG_NAME, 'main').text


def messages(driver):
    return [el.text.strip() for el in driver.find_elements(By.CSS_SELECTOR, '.messages .message')]


def button(driver, title, scope='//main'):
    found = driver.find_elements(
        By.XPATH, "%s//form//button[@type='submit' and normalize-space()='%s']" % (scope, title))
    assert len(found) == 1, 'expected one %r button, found %d' % (title, len(found))
    return found[0]


def header_account(driver):
    return driver.find_element(By.CSS_SELECTOR, 'header.site-header .account')


def anonymous(driver):
    """Forget every cookie (session, language): a fresh, anonymous visitor."""
    driver.delete_all_cookies()
    driver.execute_cdp_cmd('Network.clearBrowserCookies', {})


def log_in(driver, portal_url, account):
    userid, password, name = account
    anonymous(driver)
    driver.get(portal_url + '/login')
    field_by_label(driver, 'Nume de utilizator').send_keys(userid)
    field_by_label(driver, 'Parolă').send_keys(password)
    navigate(driver, button(driver, 'Intră în cont').click)
    assert driver.current_url.endswith('/@@personal'), driver.current_url
    assert name in header_account(driver).text


def log_out(driver, portal_url, account):
    name = account[2]
    navigate(driver, button(driver, 'Ieșire', scope="//header[contains(@class,'site-header')]"
                                                    "//*[contains(@class,'account')]").click)
    assert driver.current_url.rstrip('/') == portal_url
    assert 'V-ați deconectat.' in messages(driver)
    assert name not in header_account(driver).text


def state_marker(driver):
    """The workflow marker's text ("Stare: …"), or None when the page shows none."""
    found = driver.find_elements(By.CSS_SELECTOR, 'main .service-sheet .workflow .state')
    if not found:
        return None
    return ' '.join(found[0].text.split())


def transition(driver, title, comment=''):
    if comment:
        field_by_label(driver, 'Comentariu (opțional)').send_keys(comment)
    navigate(driver, button(driver, title).click)


def search_from_home(driver, portal_url, query):
    """Type ``query`` into the home page's search box and submit it; the result links."""
    driver.get(portal_url + '/')
    box = field_by_label(driver, 'Căutați un serviciu')
    assert box.get_attribute('type') == 'search'
    box.send_keys(query)
    navigate(driver, box.submit)
    assert urlsplit(driver.current_url).path == '/servicii/@@cautare', driver.current_url
    assert h1(driver) == 'Căutare în servicii'
    assert field_by_label(driver, 'Ce serviciu căutați?').get_attribute('value') == query
    return driver.find_elements(By.CSS_SELECTOR, 'main .results ol.service-list > li > a')


def links_to(links, url):
    return [a for a in links if a.get_attribute('href') == url]


# the flow -------------------------------------------------------------------

def test_editor_drafts_publisher_publishes_visitor_finds(driver, portal_url):
    category_url = '%s/servicii/%s/' % (portal_url, CATEGORY)
    service_url = category_url + slugify(TITLE) + '/'

    # 1. the editor adds the service: a draft -------------------------------
    log_in(driver, portal_url, EDITOR)
    driver.get(category_url)
    assert h1(driver) == CATEGORY_TITLE
    add = driver.find_element(By.XPATH, "//main//a[normalize-space()='Adaugă un serviciu']")
    navigate(driver, add.click)
    assert h1(driver) == 'Adaugă: Serviciu'
    field_by_label(driver, 'Titlu').send_keys(TITLE)
    field_by_label(driver, 'Ce este (pe scurt)').send_keys(SUMMARY)
    navigate(driver, button(driver, 'Salvează').click)

    assert driver.current_url == service_url, driver.current_url
    assert h1(driver) == TITLE
    assert '„%s” a fost adăugat.' % TITLE in messages(driver), messages(driver)
    assert state_marker(driver).startswith(DRAFT_MARKER), state_marker(driver)
    assert SUMMARY in main_text(driver)

    # 2. … and sends it for review ------------------------------------------
    transition(driver, 'Trimite spre aprobare', SUBMIT_COMMENT)
    assert driver.current_url == service_url, driver.current_url
    assert state_marker(driver).startswith(PENDING_MARKER), state_marker(driver)
    assert 'Starea paginii: În așteptarea aprobării.' in messages(driver), messages(driver)
    # under review the editor may no longer move it along (nor publish it)
    assert not driver.find_elements(By.CSS_SELECTOR, 'main .workflow form.transitions')
    log_out(driver, portal_url, EDITOR)

    # while it waits, the public neither finds it nor sees it nor opens it
    anonymous(driver)
    for query in QUERIES:
        links = search_from_home(driver, portal_url, query)
        assert not links_to(links, service_url), 'a draft is found by anonymous search'
        assert TITLE not in main_text(driver)
        assert NO_RESULTS in main_text(driver), main_text(driver)
    driver.get(category_url)
    assert h1(driver) == CATEGORY_TITLE
    assert TITLE not in main_text(driver), 'a draft is listed in its category'
    driver.get(service_url)
    assert '/login' in driver.current_url, 'an anonymous visitor opened a draft: %s' % (
        driver.current_url)
    assert TITLE not in driver.page_source

    # 3. the publisher publishes it -------------------------------------------
    log_in(driver, portal_url, PUBLISHER)
    driver.get(service_url)
    assert h1(driver) == TITLE
    assert state_marker(driver).startswith(PENDING_MARKER), state_marker(driver)
    # the editor's comment is in the page's history
    history = driver.find_element(By.XPATH, "//main//*[contains(@class,'workflow')]"
                                            "//a[normalize-space()='Istoric']")
    navigate(driver, history.click)
    assert SUBMIT_COMMENT in main_text(driver)
    driver.get(service_url)
    transition(driver, 'Publică')
    assert driver.current_url == service_url, driver.current_url
    assert state_marker(driver).startswith(PUBLISHED_MARKER), state_marker(driver)
    assert 'Starea paginii: Publicat.' in messages(driver), messages(driver)
    log_out(driver, portal_url, PUBLISHER)

    # 4. the anonymous visitor finds it (the same addresses as before) and opens it
    anonymous(driver)
    for query in QUERIES:
        links = search_from_home(driver, portal_url, query)
        found = links_to(links, service_url)
        assert len(found) == 1, 'search %r: %s' % (
            query, [(a.text, a.get_attribute('href')) for a in links])
        assert found[0].text.strip() == TITLE
        assert '1 serviciu găsit.' in main_text(driver), main_text(driver)
    driver.get(category_url)
    assert links_to(driver.find_elements(By.CSS_SELECTOR, 'main ul.service-list a'),
                    service_url), 'the published service is not listed in its category'

    search_from_home(driver, portal_url, QUERIES[0])
    navigate(driver, links_to(driver.find_elements(
        By.CSS_SELECTOR, 'main .results ol.service-list > li > a'), service_url)[0].click)
    assert driver.current_url == service_url, driver.current_url
    assert h1(driver) == TITLE
    assert [el.text.strip() for el in driver.find_elements(By.TAG_NAME, 'h1')] == [TITLE]
    assert SUMMARY in main_text(driver)
    assert state_marker(driver) is None, state_marker(driver)
    assert 'Ciornă' not in main_text(driver)
    assert 'Stare:' not in main_text(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, 'main form.transitions')
    assert 'Autentificare personal' in header_account(driver).text
