"""The ROeID service provider, happy paths: metadata, login, dossier, logout, profile.

Everything runs in-process through WebTest; the IdP's side is played by
tests/functional/saml_support.py (keys made once per session).
"""
import hashlib
import os
import re

import pytest
import transaction
from lxml import etree

from cityportal.testing import Browser
from tests.functional.saml_support import (
    CNP, IDP_ENTITY, IDP_SLO, IDP_SSO, LOA_HIGH, LOA_SUBSTANTIAL, NS, OTHER_CNP, PERSISTENT,
    POST, REDIRECT, RSA_SHA256, SP_ACS, SP_ENTITY, SP_SLS, eidas_attributes, login,
    make_cnp, parse_redirect, pem_body, post_response, start_login)

SESSIONS_KEY = 'cityportal.sessions'


def new_browser(app, ip='10.0.0.7'):
    return Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': ip})


def accounts(root):
    return dict(root.refresh()['dosare'].accounts)


def account_of(root, cnp):
    found = [a for a in accounts(root).values() if a.cnp == cnp]
    assert len(found) <= 1
    return found[0] if found else None


def my_dossier_url(testapp):
    res = testapp.get('/@@dosar', status=303)
    assert re.fullmatch(r'http://localhost/dosare/d[0-9a-f]{16}/', res.location), res.location
    return res.location


def session_record(root, testapp):
    token = testapp.cookies['cp_session']
    store = root.conn.root()[SESSIONS_KEY]
    return store.sessions.get(hashlib.sha256(token.encode('ascii')).hexdigest())


def assert_signed_in_as(testapp, root, cnp):
    url = my_dossier_url(testapp)
    name = url.rstrip('/').rsplit('/', 1)[1]
    account = accounts(root)[name]
    assert account.cnp == cnp
    return url, account


def assert_signed_out(testapp):
    res = testapp.get('/@@dosar', status=303)
    assert res.location.startswith('http://localhost/@@autentificare'), res.location


# metadata ------------------------------------------------------------------------

def test_metadata_is_signed_valid_and_complete(testapp, sp_cert):
    from onelogin.saml2.utils import OneLogin_Saml2_Utils
    res = testapp.get('/saml/metadata', status=200)
    assert res.content_type == 'application/samlmetadata+xml'
    assert 'PRIVATE KEY' not in res.text
    doc = etree.fromstring(res.body)
    assert doc.tag == '{%s}EntityDescriptor' % NS['md']
    assert doc.get('entityID') == SP_ENTITY
    # no validUntil / cacheDuration: python3-saml's default (2 days) would make an IdP
    # that loaded the metadata once refuse the SP two days later
    assert doc.get('validUntil') is None and doc.get('cacheDuration') is None
    # signed, with the key whose certificate it publishes
    assert len(doc.xpath('/md:EntityDescriptor/ds:Signature', namespaces=NS)) == 1
    assert OneLogin_Saml2_Utils.validate_metadata_sign(res.body, sp_cert, raise_exceptions=True)
    sp = doc.xpath('md:SPSSODescriptor', namespaces=NS)[0]
    assert sp.get('AuthnRequestsSigned') == 'true'
    acs = sp.xpath('md:AssertionConsumerService', namespaces=NS)
    assert [(a.get('Binding'), a.get('Location')) for a in acs] == [(POST, SP_ACS)]
    sls = sp.xpath('md:SingleLogoutService', namespaces=NS)
    assert [(s.get('Binding'), s.get('Location')) for s in sls] == [(REDIRECT, SP_SLS)]
    assert sp.xpath('md:NameIDFormat/text()', namespaces=NS) == [PERSISTENT]
    certs = {c.text.strip() for c in sp.xpath('md:KeyDescriptor//ds:X509Certificate',
                                               namespaces=NS)}
    assert certs == {pem_body(sp_cert)}
    # python3-saml publishes use="encryption" only when encryption is required
    uses = {k.get('use') for k in sp.xpath('md:KeyDescriptor', namespaces=NS)}
    assert uses == {'signing'}


def test_metadata_offers_the_encryption_key_when_encryption_is_required(
        testapp, app, monkeypatch, sp_cert):
    monkeypatch.setattr(app.registry.saml, 'want_assertions_encrypted', True)
    doc = etree.fromstring(testapp.get('/saml/metadata').body)
    enc = doc.xpath('//md:KeyDescriptor[@use="encryption"]//ds:X509Certificate/text()',
                    namespaces=NS)
    assert [c.strip() for c in enc] == [pem_body(sp_cert)]


def test_metadata_works_without_the_idp(testapp, app, monkeypatch):
    """The SP metadata is what the IdP operator needs first: it never needs the IdP's."""
    from cityportal.connectors.roeid.config import SAMLUnavailable

    def broken():
        raise SAMLUnavailable('no metadata')
    monkeypatch.setattr(app.registry.saml, 'idp', broken)
    doc = etree.fromstring(testapp.get('/saml/metadata', status=200).body)
    assert doc.get('entityID') == SP_ENTITY


def test_attribute_map_is_found_with_the_test_settings(app):
    """The map is found with the settings main() gets (once resolved against the cwd
    when there was no ``here``: every ROeID login was then a 500)."""
    from cityportal.connectors.roeid.config import SAMLConfig
    cfg = SAMLConfig(app.registry.settings)
    assert os.path.exists(cfg.attribute_map_path), cfg.attribute_map_path
    assert 'cnp' in cfg.attribute_map()['cnp']


def test_a_missing_attribute_map_stops_the_start(app_settings, tmp_path):
    from cityportal import main
    settings = dict(app_settings, **{
        'cityportal.saml.attribute_map': str(tmp_path / 'missing.yaml'),
        'cityportal.var': str(tmp_path)})
    with pytest.raises(Exception, match='missing.yaml'):
        main({}, **settings)


# login ---------------------------------------------------------------------------

def test_login_redirects_to_the_idp_with_a_signed_authn_request(testapp, idp, root, sp_cert):
    res = testapp.get('/saml/login', params={'came_from': '/servicii/'}, status=303)
    msg = parse_redirect(res.location)
    assert msg.endpoint == IDP_SSO and msg.kind == 'SAMLRequest'
    assert msg.params['SigAlg'] == RSA_SHA256
    assert msg.signature_valid(sp_cert)
    assert not msg.signature_valid(idp.cert)
    assert msg.relay_state == '/servicii/'
    req = msg.doc
    assert req.tag == '{%s}AuthnRequest' % NS['samlp']
    assert req.get('Destination') == IDP_SSO
    assert req.get('AssertionConsumerServiceURL') == SP_ACS
    assert req.get('ProtocolBinding') == POST
    assert msg.text('saml:Issuer') == SP_ENTITY
    assert msg.find('samlp:NameIDPolicy')[0].get('Format') == PERSISTENT
    ctx = msg.find('samlp:RequestedAuthnContext')[0]
    assert ctx.get('Comparison') == 'minimum'
    assert msg.text('samlp:RequestedAuthnContext/saml:AuthnContextClassRef') == LOA_SUBSTANTIAL
    # the browser is bound to the request by an HttpOnly cookie on /saml/
    cookie = [v for k, v in res.headerlist if k == 'Set-Cookie' and v.startswith('cp_saml=')]
    assert cookie and 'HttpOnly' in cookie[0] and 'Path=/saml/' in cookie[0]
    token = testapp.cookies['cp_saml']
    from cityportal.connectors.roeid.state import STATE_KEY
    root.refresh()
    state = root.conn.root()[STATE_KEY]
    assert state.has_pending(token, msg.id, 'authn')
    assert not state.has_pending(token + 'x', msg.id, 'authn')
    # nobody is signed in yet, and no session was made for the anonymous visitor
    assert 'cp_session' not in testapp.cookies


def test_login_keeps_one_cookie_for_several_requests(testapp, idp):
    first = start_login(testapp)
    token = testapp.cookies['cp_saml']
    second = start_login(testapp)
    assert testapp.cookies['cp_saml'] == token and first.id != second.id
    # the answer to the first request still works (two tabs)
    res = post_response(testapp, idp.response(cnp=CNP, in_response_to=first.id))
    assert res.location == 'http://localhost/servicii/'


def test_valid_response_logs_in_and_creates_account_and_dossier(testapp, idp, root):
    before = accounts(root)
    audit_before = len(root.audit)
    res = login(testapp, idp, came_from='/servicii/')
    assert res.location == 'http://localhost/servicii/'
    after = accounts(root)
    assert len(after) == len(before) + 1
    url, account = assert_signed_in_as(testapp, root, CNP)
    # the dossier's name is random: nothing of the CNP in the URL
    assert CNP not in url and CNP[:7] not in url
    dossiers = root['dosare']
    dossier = dossiers[account.dossier_name]
    assert dossier.owner == account.userid
    assert (account.given_name, account.family_name) == ('Ion', 'Popescu')
    assert account.email == 'ion.popescu@example.ro' and account.email_verified
    assert account.phone == '0722123456'
    assert account.last_loa == LOA_SUBSTANTIAL
    assert account.nameids == {IDP_ENTITY: 'roeid-persistent-0001'}
    # the dossier page: the masked CNP, never the whole one
    page = testapp.get(url, status=200)
    assert 'Ion Popescu' in page.text
    assert CNP[:7] + '••••' + CNP[11:] in page.text
    assert CNP not in page.text
    assert 'Bun venit' in page.text          # the flash of a new account
    entries = root.refresh().audit.latest(limit=len(root.audit) - audit_before)
    logins = [e for e in entries if e['action'] == 'login.roeid']
    assert len(logins) == 1
    assert logins[0]['actor'] == account.userid
    assert logins[0]['details']['new_account'] == 'True'
    assert CNP not in repr(entries)


def test_login_without_came_from_lands_on_my_dossier(testapp, idp):
    res = login(testapp, idp, came_from=None)
    assert res.location == 'http://localhost/@@dosar'
    assert res.follow(status=303).location.startswith('http://localhost/dosare/d')


def test_second_login_finds_the_same_dossier(testapp, app, idp, root):
    login(testapp, idp)
    url, account = assert_signed_in_as(testapp, root, CNP)
    count = len(accounts(root))
    # the same person from another device, a new AuthnRequest, a new assertion
    other = new_browser(app)
    res = login(other, idp, came_from='/@@dosar')
    assert res.location == 'http://localhost/@@dosar'
    assert my_dossier_url(other) == url
    assert len(accounts(root)) == count
    assert len([n for n in root['dosare'] if root['dosare'][n].owner == account.userid]) == 1
    last = root.audit.latest(limit=1, action='login.roeid')[0]
    assert last['details']['new_account'] == 'False'
    assert 'Bun venit' not in other.get(url).text


def test_eidas_only_attributes(testapp, idp, root):
    res = login(testapp, idp, cnp=None, attributes=eidas_attributes(OTHER_CNP))
    assert res.status_int == 303
    url, account = assert_signed_in_as(testapp, root, OTHER_CNP)
    assert (account.given_name, account.family_name) == ('Maria', 'Ionescu')
    assert account.birth_date == '1985-03-15'
    page = testapp.get(url)
    assert OTHER_CNP not in page.text and OTHER_CNP[:7] + '••••' in page.text


def test_attributes_found_by_friendly_name(testapp, idp, root):
    cnp = make_cnp('500010135001')
    attributes = [('urn:oid:1.2.3.4.5', 'RO/RO/' + cnp, 'PersonIdentifier'),
                  ('urn:oid:1.2.3.4.6', 'Ana', 'FirstName')]
    login(testapp, idp, cnp=None, attributes=attributes)
    _, account = assert_signed_in_as(testapp, root, cnp)
    assert account.given_name == 'Ana'


@pytest.mark.parametrize('sign', ['assertion', 'response', 'both'])
def test_signed_assertion_or_signed_response_accepted(testapp, idp, root, sign):
    res = login(testapp, idp, sign=sign)
    assert res.location == 'http://localhost/servicii/'
    assert_signed_in_as(testapp, root, CNP)


@pytest.mark.parametrize('algorithm', ['aes256-cbc', 'aes128-gcm'])
@pytest.mark.parametrize('sign', ['assertion', 'response'])
def test_encrypted_assertion_accepted_when_required(testapp, app, idp, root, sp_cert,
                                                    monkeypatch, algorithm, sign):
    monkeypatch.setattr(app.registry.saml, 'want_assertions_encrypted', True)
    request = start_login(testapp)
    xml = idp.response(cnp=CNP, in_response_to=request.id, encrypt=algorithm,
                       sp_cert=sp_cert, sign=sign)
    doc = etree.fromstring(xml)
    assert doc.xpath('count(saml:EncryptedAssertion/xenc:EncryptedData)', namespaces=NS) == 1
    assert not doc.xpath('//saml:Assertion', namespaces=NS)
    assert CNP.encode() not in xml
    res = post_response(testapp, xml, request.relay_state)
    assert res.location == 'http://localhost/servicii/'
    assert_signed_in_as(testapp, root, CNP)


def test_encrypted_assertion_accepted_when_not_required(testapp, idp, root, sp_cert):
    login(testapp, idp, encrypt='aes256-cbc', sp_cert=sp_cert)
    assert_signed_in_as(testapp, root, CNP)


@pytest.mark.parametrize('times', [
    pytest.param(dict(not_before=30, issue_instant=30), id='idp-clock-ahead'),
    pytest.param(dict(not_before=-300, not_on_or_after=-30, scd_not_on_or_after=300),
                 id='conditions-just-expired'),
])
def test_clock_skew_is_tolerated(testapp, idp, root, times):
    """Up to ``cityportal.saml.clock_skew`` (60 s) either way is accepted."""
    login(testapp, idp, **times)
    assert_signed_in_as(testapp, root, CNP)


def test_session_rotated_at_login(testapp, app, idp, root):
    # an anonymous session first (the flash of a local logout makes one)
    login(testapp, idp)
    testapp.post('/logout', {'csrf_token': testapp.cookies['cp_csrf']}, status=303)
    anonymous = testapp.cookies['cp_session']
    csrf_before = testapp.cookies['cp_csrf']
    login(testapp, idp)
    signed_in = testapp.cookies['cp_session']
    assert signed_in != anonymous
    assert testapp.cookies['cp_csrf'] != csrf_before
    # the pre-login token is dead: whoever planted or saw it gets nothing
    thief = new_browser(app, '10.6.6.6')
    thief.set_cookie('cp_session', anonymous)
    assert_signed_out(thief)
    assert_signed_in_as(testapp, root, CNP)


def test_session_holds_loa_and_saml_data(testapp, idp, root):
    login(testapp, idp, loa=LOA_HIGH, session_index='_sess-42', nameid='pers-abc')
    root.refresh()
    data = session_record(root, testapp).data
    assert data['auth'] == 'roeid'
    assert data['loa'] == LOA_HIGH
    assert data['saml_idp'] == IDP_ENTITY
    assert data['saml_nameid'] == 'pers-abc'
    assert data['saml_nameid_format'] == PERSISTENT
    assert data['saml_session_index'] == '_sess-42'
    assert data['userid'].startswith('cetatean:')
    assert CNP not in repr(data)
    _, account = assert_signed_in_as(testapp, root, CNP)
    assert account.last_loa == LOA_HIGH


# logout ----------------------------------------------------------------------------

def test_local_logout(testapp, idp, root):
    login(testapp, idp)
    url, account = assert_signed_in_as(testapp, root, CNP)
    res = testapp.post('/logout', {'csrf_token': testapp.cookies['cp_csrf']}, status=303)
    assert res.location == 'http://localhost/'
    assert_signed_out(testapp)
    res = testapp.get(url, status=302)
    assert '/@@autentificare' in res.location
    assert root.refresh().audit.latest(limit=1, action='logout')[0]['actor'] == account.userid


def test_local_logout_needs_csrf(testapp, idp, root):
    login(testapp, idp)
    testapp.post('/logout', {}, status=400)
    assert_signed_in_as(testapp, root, CNP)


def test_sp_initiated_single_logout(testapp, idp, root, sp_cert):
    login(testapp, idp, session_index='_idp-session-7', nameid='pers-slo')
    url, account = assert_signed_in_as(testapp, root, CNP)
    page = testapp.get(url)
    form = [f for f in page.forms.values() if f.action.endswith('/saml/logout')][0]
    res = form.submit(status=303)
    msg = parse_redirect(res.location)
    assert msg.endpoint == IDP_SLO and msg.kind == 'SAMLRequest'
    assert msg.signature_valid(sp_cert) and msg.params['SigAlg'] == RSA_SHA256
    assert msg.doc.tag == '{%s}LogoutRequest' % NS['samlp']
    assert msg.doc.get('Destination') == IDP_SLO
    assert msg.text('saml:Issuer') == SP_ENTITY
    assert msg.text('saml:NameID') == 'pers-slo'
    assert msg.text('samlp:SessionIndex') == '_idp-session-7'
    # the portal's session ends at once, whatever the IdP does next
    assert_signed_out(testapp)
    # the IdP answers; the SP accepts its LogoutResponse once
    back = idp.redirect('SAMLResponse', idp.logout_response(msg.id), msg.relay_state)
    res = testapp.get(back, status=303)
    assert res.location == 'http://localhost/'
    assert 'V-ați deconectat din portal și din ROeID' in res.follow().text
    assert_signed_out(testapp)
    testapp.get(back, status=403)
    assert root.refresh().audit.latest(limit=1)[0]['action'] == 'login.roeid.refused'


def test_sp_initiated_single_logout_needs_csrf(testapp, idp, root):
    login(testapp, idp)
    testapp.post('/saml/logout', {}, status=400)
    assert_signed_in_as(testapp, root, CNP)


def test_idp_initiated_logout(testapp, app, idp, root, sp_cert):
    login(testapp, idp, nameid='pers-idp-logout', session_index='_s1')
    _, account = assert_signed_in_as(testapp, root, CNP)
    # the same citizen on another device
    phone = new_browser(app, '10.0.0.8')
    login(phone, idp, nameid='pers-idp-logout', session_index='_s2')
    assert_signed_in_as(phone, root, CNP)
    request_xml = idp.logout_request('pers-idp-logout', session_index='_s1', not_on_or_after=120)
    res = testapp.get(idp.redirect('SAMLRequest', request_xml, 'relay-42'), status=303)
    msg = parse_redirect(res.location)
    assert msg.endpoint == IDP_SLO and msg.kind == 'SAMLResponse'
    assert msg.signature_valid(sp_cert)
    assert msg.relay_state == 'relay-42'
    assert msg.doc.tag == '{%s}LogoutResponse' % NS['samlp']
    sent = etree.fromstring(request_xml.encode())
    assert msg.doc.get('InResponseTo') == sent.get('ID')
    assert msg.doc.get('Destination') == IDP_SLO
    assert msg.find('samlp:Status/samlp:StatusCode')[0].get('Value').endswith(':Success')
    assert_signed_out(testapp)
    assert_signed_out(phone)         # every session of the account ends
    entry = root.refresh().audit.latest(limit=1, action='logout.roeid')[0]
    assert entry['actor'] == account.userid and entry['details']['initiated_by'] == 'idp'
    # the citizen signs in again: same dossier
    login(testapp, idp, nameid='pers-idp-logout')
    assert assert_signed_in_as(testapp, root, CNP)[1].account_id == account.account_id


def test_idp_logout_of_someone_else_keeps_this_session(testapp, idp, root):
    login(testapp, idp, nameid='pers-mine')
    xml = idp.logout_request('pers-not-mine')
    testapp.get(idp.redirect('SAMLRequest', xml), status=303)
    assert_signed_in_as(testapp, root, CNP)


# profile -----------------------------------------------------------------------------

def test_profile_edit_with_validation(testapp, idp, root):
    login(testapp, idp)
    url, account = assert_signed_in_as(testapp, root, CNP)
    page = testapp.get(url + '@@profil', status=200)
    form = page.forms['cpform']
    assert form['email'].value == 'ion.popescu@example.ro'
    assert form['phone'].value == '0722123456'
    form['email'] = 'not-an-e-mail'
    form['phone'] = '12'
    res = form.submit('save', status=400)
    assert 'Adresă de e-mail invalidă.' in res.text
    assert 'Numărul de telefon nu este valid' in res.text
    assert 'value="not-an-e-mail"' in res.text       # the values are kept
    assert CNP not in res.text
    a = account_of(root, CNP)
    assert a.email == 'ion.popescu@example.ro' and a.phone == '0722123456'
    form = res.forms['cpform']
    form['email'] = 'ion@example.com'
    form['phone'] = '+40 722 123 457'
    res = form.submit('save', status=303)
    assert res.location == url
    assert 'Profilul a fost salvat.' in res.follow().text
    a = account_of(root, CNP)
    # the new address waits for its confirmation link; the IdP's stays until then
    assert (a.email, a.pending_email, a.phone) == (
        'ion.popescu@example.ro', 'ion@example.com', '+40722123457')
    entry = root.audit.latest(limit=1, action='profile.edit')[0]
    assert entry['details']['fields'] == 'email,phone'
    # the citizen's own contact data win over the IdP's at the next login
    login(testapp, idp)
    a = account_of(root, CNP)
    assert (a.pending_email, a.phone) == ('ion@example.com', '+40722123457')


def test_profile_of_another_citizen_is_forbidden(testapp, app, idp, root):
    login(testapp, idp)
    url, _ = assert_signed_in_as(testapp, root, CNP)
    other = new_browser(app, '10.0.0.9')
    login(other, idp, cnp=OTHER_CNP, nameid='pers-other')
    for path in (url, url + '@@profil'):
        res = other.get(path, status=403)
        assert CNP not in res.text


# idle timeout -----------------------------------------------------------------------

def age_sessions(db, seconds):
    tm = transaction.TransactionManager()
    conn = db.open(transaction_manager=tm)
    for record in conn.root()[SESSIONS_KEY].sessions.values():
        record.accessed -= seconds
    tm.commit()
    conn.close()


def test_idle_timeout_sends_to_sign_in_with_expired(testapp, app, idp, root, db):
    login(testapp, idp)
    url, _ = assert_signed_in_as(testapp, root, CNP)
    timeout = int(app.registry.settings['cityportal.session_timeout'])
    age_sessions(db, timeout + 5)
    res = testapp.get(url, status=302)
    assert res.location.startswith('http://localhost/@@autentificare?came_from=')
    assert 'expired=1' in res.location
    page = res.follow(status=200)
    assert 'Sesiunea a expirat' in page.text
    # the sign-in button starts a new login that comes back to the dossier
    link = re.search(r'href="(http://localhost/saml/login\?came_from=[^"]+)"', page.text).group(1)
    msg = parse_redirect(testapp.get(link.replace('&amp;', '&'), status=303).location)
    assert msg.relay_state == url[len('http://localhost'):]


def test_idle_session_within_timeout_stays(testapp, app, idp, root, db):
    login(testapp, idp)
    timeout = int(app.registry.settings['cityportal.session_timeout'])
    age_sessions(db, timeout - 60)
    assert_signed_in_as(testapp, root, CNP)


def test_my_dossier_after_timeout_says_expired(testapp, app, idp, db):
    login(testapp, idp)
    age_sessions(db, int(app.registry.settings['cityportal.session_timeout']) + 5)
    res = testapp.get('/@@dosar', status=303)
    assert 'expired=1' in res.location
    assert 'Sesiunea a expirat' in res.follow().text
