"""The ROeID login over HTTP: the portal (pserve, FileStorage) and the stand-in IdP.

Both run as real processes on loopback ports, each reading the other's metadata
by URL, as `make run` starts them. The browser is `requests` with a cookie jar
that follows the same redirects and auto-submitted forms a browser would.
"""
import html
import os
import re

import pytest

from integrations.launcher import PROJECT, LiveSite

requests = pytest.importorskip('requests')
pytestmark = pytest.mark.slow

TIMEOUT = 20


@pytest.fixture(scope='module')
def stack():
    site = LiveSite(os.path.join(PROJECT, 'etc', 'testing.ini'), prefix='cityportal-roeid-')
    site.start()
    try:
        yield {'portal': site.portal, 'idp': site.idp, 'procs': site.procs}
    finally:
        site.stop()


def session():
    s = requests.Session()
    s.trust_env = False      # loopback only: never a proxy from the environment
    return s


def form_fields(page, form_id=None):
    """(action, {name: value}) of the first form (or the one with ``form_id``)."""
    if form_id:
        m = re.search(r'<form[^>]*id="%s"[^>]*>(.*?)</form>' % form_id, page, re.S)
        block = m.group(0)
    else:
        block = re.search(r'<form.*?</form>', page, re.S).group(0)
    action = html.unescape(re.search(r'action="([^"]*)"', block).group(1))
    fields = {html.unescape(n): html.unescape(v) for n, v in re.findall(
        r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', block)}
    return action, fields


def idp_login(s, stack, username, came_from='/servicii/'):
    """Start at the portal, sign in at the IdP; return the IdP's auto-post page."""
    page = s.get(stack['portal'] + '/saml/login?came_from=' + came_from, timeout=TIMEOUT)
    assert page.url.startswith(stack['idp']), page.url
    if 'raspuns-saml' in page.text:            # the IdP remembered us
        return page
    action, fields = form_fields(page.text)
    fields.update({'utilizator': username, 'parola': 'roeid'})
    answer = s.post(stack['idp'] + action if action.startswith('/') else action,
                    data=fields, timeout=TIMEOUT)
    assert 'raspuns-saml' in answer.text, answer.text[:2000]
    return answer


def post_to_portal(s, answer):
    action, fields = form_fields(answer.text, 'raspuns-saml')
    return s.post(action, data=fields, timeout=TIMEOUT, allow_redirects=False)


def csrf(s, stack):
    page = s.get(stack['portal'] + '/logout', timeout=TIMEOUT)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def dossier_url(s, stack):
    res = s.get(stack['portal'] + '/@@dosar', timeout=TIMEOUT)
    return res.url


def test_full_login_creates_the_dossier_once(stack):
    s = session()
    res = post_to_portal(s, idp_login(s, stack, 'ioana.stefanescu'))
    assert res.status_code == 303, stack['procs'][1].output()[-3000:]
    assert res.headers['Location'] == stack['portal'] + '/servicii/'
    url = dossier_url(s, stack)
    assert re.match(re.escape(stack['portal']) + r'/dosare/d[0-9a-f]{16}/$', url), url
    page = s.get(url, timeout=TIMEOUT).text
    assert 'Ioana Ștefănescu' in page and '••••' in page
    # local logout, then a second login (the IdP still knows the browser)
    s.post(stack['portal'] + '/logout', data={'csrf_token': csrf(s, stack)}, timeout=TIMEOUT)
    assert '/@@autentificare' in dossier_url(s, stack)
    answer = idp_login(s, stack, 'ioana.stefanescu')
    assert post_to_portal(s, answer).status_code == 303
    assert dossier_url(s, stack) == url


def test_a_replayed_response_is_refused(stack):
    s = session()
    answer = idp_login(s, stack, 'mihai.turcanu')
    assert post_to_portal(s, answer).status_code == 303
    again = post_to_portal(s, answer)
    assert again.status_code == 403
    assert 'nu a putut fi verificat' in again.text


@pytest.mark.parametrize('username', ['cnp-gresit', 'fara-cnp'])
def test_a_missing_or_invalid_cnp_is_refused_with_a_clear_page(stack, username):
    s = session()
    res = post_to_portal(s, idp_login(s, stack, username))
    assert res.status_code == 403
    assert 'nu a transmis un CNP valid' in res.text
    assert '/@@autentificare' in dossier_url(s, stack)


def test_single_logout_from_the_portal(stack):
    s = session()
    post_to_portal(s, idp_login(s, stack, 'ana-maria.balan'))
    assert '/dosare/' in dossier_url(s, stack)
    res = s.post(stack['portal'] + '/saml/logout', data={'csrf_token': csrf(s, stack)},
                 timeout=TIMEOUT)
    # portal -> IdP (LogoutRequest) -> portal /saml/sls (LogoutResponse) -> home
    assert res.url == stack['portal'] + '/', [r.url for r in res.history]
    assert 'V-ați deconectat din portal și din ROeID.' in res.text
    assert '/@@autentificare' in dossier_url(s, stack)
    # the IdP's session is gone too: the next login asks for the password
    page = s.get(stack['portal'] + '/saml/login', timeout=TIMEOUT)
    assert 'name="parola"' in page.text


def test_logout_started_at_the_idp(stack):
    s = session()
    post_to_portal(s, idp_login(s, stack, 'andrei.ionescu'))
    assert '/dosare/' in dossier_url(s, stack)
    page = s.get(stack['idp'] + '/logout', timeout=TIMEOUT)
    action, fields = form_fields(page.text)
    res = s.post(stack['idp'] + action if action.startswith('/') else action, data=fields,
                 timeout=TIMEOUT)
    assert any('/saml/sls?SAMLRequest=' in r.url or
               '/saml/sls?SAMLRequest=' in r.headers.get('Location', '')
               for r in res.history + [res]), [r.url for r in res.history]
    assert '/@@autentificare' in dossier_url(s, stack)


@pytest.fixture(scope='module')
def encrypted_stack():
    """ROeID as production uses it: encrypted assertion and encrypted NameID."""
    site = LiveSite(os.path.join(PROJECT, 'etc', 'testing.ini'), prefix='cityportal-roeid-enc-',
                    idp_args=('--encrypt-assertion', '--encrypt-nameid'),
                    **{'cityportal.saml.want_assertions_encrypted': 'true',
                       'cityportal.saml.want_nameid_encrypted': 'true'})
    site.start()
    try:
        yield {'portal': site.portal, 'idp': site.idp, 'procs': site.procs}
    finally:
        site.stop()


def test_encrypted_assertion_and_nameid_and_single_logout(encrypted_stack):
    import base64
    stack = encrypted_stack
    s = session()
    answer = idp_login(s, stack, 'stefan.oprea')
    _, fields = form_fields(answer.text, 'raspuns-saml')
    xml = base64.b64decode(fields['SAMLResponse']).decode('utf-8')
    assert 'EncryptedAssertion' in xml and 'stefan' not in xml.lower()
    assert post_to_portal(s, answer).status_code == 303
    page = s.get(dossier_url(s, stack), timeout=TIMEOUT).text
    assert 'Ștefan Oprea' in page
    # the SLO request carries the NameID the SP decrypted: the IdP recognises the session
    res = s.post(stack['portal'] + '/saml/logout', data={'csrf_token': csrf(s, stack)},
                 timeout=TIMEOUT)
    assert 'V-ați deconectat din portal și din ROeID.' in res.text
