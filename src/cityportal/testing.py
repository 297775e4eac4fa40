"""Test helpers shared by the test suites (imported by tests only).

``Browser`` is WebTest with the portal's habits; ``DEMO_PASSWORDS`` come from
the demo data itself.
"""
import re

import webtest

from .demo import STAFF

DEMO_PASSWORDS = {userid: password for userid, password, *_ in STAFF}


class Browser(webtest.TestApp):
    """WebTest with the portal's habits: CSRF from the page, login by role."""

    def login(self, userid, password=None, status=303):
        page = self.get('/login')
        form = page.forms['cpform']
        form['login'] = userid
        form['password'] = password or DEMO_PASSWORDS[userid]
        return form.submit('submit', status=status)

    def logout(self):
        page = self.get('/logout')
        return page.forms[0].submit(status=303)

    def csrf(self):
        return self.cookies.get('cp_csrf') or self._fetch_csrf()

    def _fetch_csrf(self):
        page = self.get('/login')
        m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        return m.group(1)




def left_page(old_element):
    """A WebDriverWait condition: the browser has left the page ``old_element`` was on.

    Like selenium's ``staleness_of``, but a chromedriver error about the old
    node ("does not belong to the document", seen when the page is replaced
    mid-check) also means the page is gone, instead of failing the test.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    def condition(driver):
        try:
            old_element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as e:
            if 'does not belong to the document' in str(e) or 'No node with given id' in str(e):
                return True
            raise
        return False
    return condition


def navigate(driver, action, timeout=10):
    """Run ``action`` (a click, a submit) and wait for the next page to load."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    old = driver.find_element(By.TAG_NAME, 'html')
    action()
    wait = WebDriverWait(driver, timeout)
    wait.until(left_page(old))
    wait.until(lambda d: d.execute_script('return document.readyState') == 'complete')


def field_by_label(driver, text):
    """The control a <label> names, found through the label's ``for`` attribute."""
    from selenium.webdriver.common.by import By
    labels = [el for el in driver.find_elements(By.TAG_NAME, 'label')
              if el.text.strip().rstrip('*').strip() == text]
    assert len(labels) == 1, 'expected one <label> %r, found %d' % (text, len(labels))
    target = labels[0].get_attribute('for')
    assert target, 'label %r has no for attribute' % text
    controls = driver.find_elements(By.ID, target)
    assert len(controls) == 1, 'label %r points to #%s: %d elements' % (
        text, target, len(controls))
    return controls[0]


# citizens ---------------------------------------------------------------

def valid_cnp(first12):
    """``first12`` completed with its check digit."""
    from .validators import cnp_check_digit
    return first12 + str(cnp_check_digit(first12))


def make_citizen(root, registry, cnp, given_name, family_name, **extra):
    """(account, dossier) of a citizen, as their first ROeID login makes them."""
    from .connectors.roeid.attributes import Person
    from .dossiers.resources import find_or_create_citizen
    person = Person(cnp=cnp, given_name=given_name, family_name=family_name, **extra)
    account, dossier, _ = find_or_create_citizen(root['dosare'], registry, person)
    return account, dossier


def sign_in_citizen(browser, conn, account, cookie_name='cp_session'):
    """Give ``browser`` a server-side session of ``account`` (commit afterwards).

    What /saml/acs leaves behind, without the SAML exchange: for tests of what a
    signed-in citizen may see (the exchange itself has its own tests).
    """
    import secrets
    import time
    from .sessions import SessionData, _key, get_store
    token = secrets.token_urlsafe(32)
    record = SessionData(time.time())
    record.data = {'userid': account.userid, 'skey': account.session_key, 'auth': 'test'}
    get_store(conn).sessions[_key(token)] = record
    browser.set_cookie(cookie_name, token)
    return token


# cases ------------------------------------------------------------------

def make_case(root, registry, dossier, service, actor, answers=None, submit=True,
              request=None):
    """A case of ``service`` filed in ``dossier`` by ``actor`` (a userid); returns it.

    What the online form does, without the form: a draft with ``answers``,
    then (``submit=True``) the submission, through the same api functions.
    ``root`` is the portal root (or the tests' handle on it); with a
    ``request`` the submission goes through :func:`cases.api.submit`, else
    through :func:`cases.api.submit_case` on the root's database. The caller
    commits.
    """
    from pyramid.traversal import find_root
    from .cases import api as cases_api
    case = cases_api.new_draft(dossier, service, actor, registry=registry)
    if answers:
        case.answers.update(answers)
    if not submit:
        return case
    if request is not None:
        return cases_api.submit(case, request, actor)
    portal = find_root(dossier)
    return cases_api.submit_case(case, portal._p_jar.db(), registry, portal, actor,
                                 ip='127.0.0.1')


def case_url(case):
    """The path of ``case`` (/dosare/<id>/<case>/), for WebTest."""
    from pyramid.traversal import resource_path
    return resource_path(case) + '/'


def action_form(page, action):
    """The form of ``page`` that posts ``actiune=action`` (a clerk's action), or None."""
    for form in page.forms.values():
        if 'actiune' in form.fields and form['actiune'].value == action:
            return form
    return None
