"""The stand-in ROeID IdP (integrations/roeid_idp) against python3-saml, over loopback HTTP.

Each IdP runs as a subprocess (``python -m integrations.roeid_idp``) on a free port with a
temporary keys directory and the metadata of a python3-saml SP made here. The tests walk the
browser's path with requests (cookie jar, timeouts) and hand every message the SP would receive
to python3-saml, which must accept what the IdP sends and reject what it should.
"""
import base64
import datetime
import http.server
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.logout_response import OneLogin_Saml2_Logout_Response
from onelogin.saml2.utils import OneLogin_Saml2_ValidationError

from integrations.roeid_idp.citizens import BY_USERNAME
from integrations.roeid_idp.citizens import CITIZENS
from integrations.roeid_idp.citizens import PASSWORD
from integrations.roeid_idp.forge import ResponseForge
from integrations.roeid_idp.keys import ensure_keys
from roeid_idp_sp import Browser
from roeid_idp_sp import FakeSP
from roeid_idp_sp import form
from roeid_idp_sp import query

pytestmark = pytest.mark.slow

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(PROJECT, 'integrations', 'roeid_idp', 'README.md')
TIMEOUT = 10
EIDAS = 'http://eidas.europa.eu/attributes/naturalperson/'
SUBSTANTIAL = 'http://eidas.europa.eu/LoA/substantial'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Idp:
    """One running IdP subprocess."""

    def __init__(self, tmp, name, sp_metadata, *options):
        self.port = free_port()
        self.base = f'http://127.0.0.1:{self.port}'
        self.keys_dir = str(tmp / f'{name}-keys')
        self.log_path = tmp / f'{name}.log'
        self._log = open(self.log_path, 'wb')
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'integrations.roeid_idp', '--port', str(self.port),
             '--keys-dir', self.keys_dir, '--sp-metadata', sp_metadata, *options],
            cwd=PROJECT, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f'IdP exited:\n{self.log()}')
            try:
                if requests.get(self.url('/health'), timeout=1).text == 'ok\n':
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f'IdP did not answer:\n{self.log()}')
            time.sleep(0.1)
        self.metadata = requests.get(self.url('/metadata'), timeout=TIMEOUT).text

    def url(self, path):
        return self.base + path

    def log(self):
        return self.log_path.read_text(encoding='utf-8', errors='replace')

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture(scope='module')
def tmp(tmp_path_factory):
    return tmp_path_factory.mktemp('roeid_idp')


@pytest.fixture(scope='module')
def sp(tmp):
    """The SP; its base URL has a port of its own, served only by the lazy-metadata test."""
    service = FakeSP(f'http://127.0.0.1:{free_port()}/saml', str(tmp / 'sp-keys'))
    path = tmp / 'sp-metadata.xml'
    path.write_text(service.metadata(), encoding='utf-8')
    service.metadata_path = str(path)
    return service


@pytest.fixture(scope='module')
def start_idp(tmp, sp):
    """start_idp(name, *options): one IdP per name for the module, stopped at the end."""
    running = {}

    def start(name, *options, sp_metadata=None):
        if name not in running:
            running[name] = Idp(tmp, name, sp_metadata or sp.metadata_path, *options)
        return running[name]

    yield start
    for idp in running.values():
        idp.stop()


@pytest.fixture(scope='module')
def idp(start_idp):
    return start_idp('default')


def sign_in(idp, sp, settings, browser=None, username='ioana.stefanescu', password=PASSWORD,
            **login_kwargs):
    """AuthnRequest -> login form -> the form POSTing to the ACS: (fields, request ID, page)."""
    browser = browser or Browser()
    url, request_id = sp.login_url(settings, **login_kwargs)
    page = browser.get(url)
    assert page.status_code == 200, idp.log()[-4000:]
    assert page.url.startswith(idp.url('/login?cerere=')), page.url
    action, fields = form(page.text)
    assert action == '/login'
    fields.update(utilizator=username, parola=password)
    answer = browser.post(idp.url('/login'), fields)
    assert answer.status_code == 200, idp.log()[-4000:]
    action, fields = form(answer.text)
    assert action == sp.acs_url
    return fields, request_id, answer


# -- metadata and pages --------------------------------------------------------------------

def test_health_and_metadata(idp):
    assert requests.get(idp.url('/health'), timeout=TIMEOUT).text == 'ok\n'
    root = etree.fromstring(idp.metadata.encode('utf-8'))
    ns = {'md': 'urn:oasis:names:tc:SAML:2.0:metadata',
          'ds': 'http://www.w3.org/2000/09/xmldsig#'}
    assert root.get('entityID') == idp.url('/metadata')
    descriptor = root.find('md:IDPSSODescriptor', ns)
    assert descriptor.get('WantAuthnRequestsSigned') == 'true'
    sso = {e.get('Binding'): e.get('Location')
           for e in descriptor.findall('md:SingleSignOnService', ns)}
    assert sso == {C.BINDING_HTTP_REDIRECT: idp.url('/sso/redirect'),
                   C.BINDING_HTTP_POST: idp.url('/sso/post')}
    slo = descriptor.find('md:SingleLogoutService', ns)
    assert (slo.get('Binding'), slo.get('Location')) == (C.BINDING_HTTP_REDIRECT,
                                                         idp.url('/slo/redirect'))
    assert descriptor.find("md:KeyDescriptor[@use='signing']//ds:X509Certificate", ns) is not None
    assert os.stat(os.path.join(idp.keys_dir, 'idp-key.pem')).st_mode & 0o777 == 0o600


def test_keys_made_once(tmp_path):
    first = ensure_keys(str(tmp_path / 'chei'))
    cert = first.cert_pem()
    second = ensure_keys(str(tmp_path / 'chei'))
    assert second.cert_pem() == cert and second.key_pem() == first.key_pem()
    assert os.stat(second.key_file).st_mode & 0o777 == 0o600
    key = serialization.load_pem_private_key(second.key_pem(), password=None)
    assert key.key_size == 2048


def test_login_page_is_romanian_and_accessible(idp):
    page = requests.get(idp.url('/login'), timeout=TIMEOUT).text
    assert '<html lang="ro">' in page
    assert 'Autentificare ROeID' in page
    assert 'ș' in page and 'ț' in page
    assert not re.search('[şţŞŢ]', page), 'cedilla instead of comma below'
    for field in ('utilizator', 'parola'):
        assert f'<label for="{field}">' in page and f'id="{field}"' in page
    for citizen in CITIZENS:
        assert citizen.username in page


# -- single sign-on ------------------------------------------------------------------------

def test_full_sso(idp, sp):
    settings = sp.settings(idp.metadata)
    fields, request_id, page = sign_in(idp, sp, settings)
    assert '<noscript>' in page.text and '<button type="submit">' in page.text
    assert fields['RelayState'] == '/dosare'
    response = sp.validate(settings, fields['SAMLResponse'], request_id)

    assert response.get_nameid_format() == C.NAMEID_PERSISTENT
    assert response.get_nameid_spnq() == sp.entity_id
    assert response.get_session_index()
    assert response.get_authn_contexts() == [SUBSTANTIAL]
    assert response.get_audiences() == [sp.entity_id]
    assert response.get_issuers() == [idp.url('/metadata')]
    citizen = BY_USERNAME['ioana.stefanescu']
    assert citizen.cnp not in response.get_nameid()
    attributes = response.get_attributes()
    assert attributes['cnp'] == [citizen.cnp]
    assert attributes['nume'] == ['Ștefănescu']
    assert attributes['prenume'] == ['Ioana']
    assert attributes['data_nasterii'] == ['1985-03-14']
    assert attributes['judet'] == ['Timiș']
    assert attributes[EIDAS + 'PersonIdentifier'] == [f'RO/RO/{citizen.cnp}']
    assert attributes[EIDAS + 'CurrentFamilyName'] == ['Ștefănescu']
    assert attributes[EIDAS + 'CurrentGivenName'] == ['Ioana']
    assert attributes[EIDAS + 'DateOfBirth'] == ['1985-03-14']
    xml = response.get_xml_document()
    formats = {a.get('Name'): a.get('NameFormat') for a in xml.iter(f'{{{C.NS_SAML}}}Attribute')}
    assert formats['cnp'] == C.ATTRNAME_FORMAT_BASIC
    assert formats[EIDAS + 'PersonIdentifier'] == C.ATTRNAME_FORMAT_URI

    # A second sign-in, in another browser: the same persistent NameID.
    again, request_id, _ = sign_in(idp, sp, settings)
    assert sp.validate(settings, again['SAMLResponse'], request_id).get_nameid() == \
        response.get_nameid()
    # Another citizen: another NameID.
    other, request_id, _ = sign_in(idp, sp, settings, username='andrei.ionescu')
    other_response = sp.validate(settings, other['SAMLResponse'], request_id)
    assert other_response.get_nameid() != response.get_nameid()
    assert other_response.get_attributes()['prenume'] == ['Andrei Gheorghe']


def test_live_session_answers_at_once(idp, sp):
    settings = sp.settings(idp.metadata)
    browser = Browser()
    sign_in(idp, sp, settings, browser)
    url, request_id = sp.login_url(settings, return_to='/plati')
    page = browser.get(url, allow_redirects=False)
    assert page.status_code == 200
    action, fields = form(page.text)
    assert action == sp.acs_url and fields['RelayState'] == '/plati'
    sp.validate(settings, fields['SAMLResponse'], request_id)
    # ForceAuthn asks for the password again despite the session.
    url, _ = sp.login_url(settings, force_authn=True)
    assert browser.get(url).url.startswith(idp.url('/login?cerere='))


def test_acs_url_only_from_metadata(idp, sp):
    """An AssertionConsumerServiceURL the metadata does not list is replaced by the listed one."""
    settings = sp.settings(idp.metadata, acs_url='https://alt-serviciu.example/acs')
    fields, request_id, _ = sign_in(idp, sp, settings)  # asserts the form goes to sp.acs_url
    sp.validate(sp.settings(idp.metadata), fields['SAMLResponse'], request_id)
    assert 'is not in its metadata' in idp.log()


def test_is_passive_without_session(idp, sp):
    settings = sp.settings(idp.metadata)
    url, request_id = sp.login_url(settings, is_passive=True)
    page = requests.get(url, timeout=TIMEOUT)
    action, fields = form(page.text)
    assert action == sp.acs_url
    raw = base64.b64decode(fields['SAMLResponse']).decode('utf-8')
    assert 'urn:oasis:names:tc:SAML:2.0:status:NoPassive' in raw
    with pytest.raises(OneLogin_Saml2_ValidationError, match='not Success'):
        sp.validate(settings, fields['SAMLResponse'], request_id)


def test_sso_post_binding(idp, sp):
    settings = sp.settings(idp.metadata, sso_binding=C.BINDING_HTTP_POST)
    saml_request, request_id = sp.signed_post_request(settings)
    browser = Browser()
    page = browser.post(idp.url('/sso/post'), {'SAMLRequest': saml_request, 'RelayState': '/'})
    assert page.url.startswith(idp.url('/login?cerere=')), page.text
    _, fields = form(page.text)
    fields.update(utilizator='elena.dragoi', parola=PASSWORD)
    _, fields = form(browser.post(idp.url('/login'), fields).text)
    response = sp.validate(settings, fields['SAMLResponse'], request_id)
    assert response.get_attributes()['nume'] == ['Drăgoi']


def test_wrong_password_rerenders_with_error(idp, sp):
    settings = sp.settings(idp.metadata)
    browser = Browser()
    url, _ = sp.login_url(settings)
    page = browser.get(url)
    _, fields = form(page.text)
    fields.update(utilizator='mihai.turcanu', parola='greșită')
    answer = browser.post(idp.url('/login'), fields)
    assert answer.status_code == 200
    assert 'role="alert"' in answer.text and 'greșite' in answer.text
    action, again = form(answer.text)
    assert action == '/login'
    assert again['cerere'] == fields['cerere'] and again['utilizator'] == 'mihai.turcanu'
    assert 'SAMLResponse' not in answer.text
    # The right password still completes the same AuthnRequest.
    again.update(parola=PASSWORD)
    assert form(browser.post(idp.url('/login'), again).text)[0] == sp.acs_url


def test_unsigned_or_badly_signed_authn_request_refused(idp, sp):
    unsigned = sp.settings(idp.metadata, authnRequestsSigned=False)
    url, _ = sp.login_url(unsigned)
    assert 'Signature' not in query(url)
    answer = requests.get(url, timeout=TIMEOUT)
    assert answer.status_code == 400 and 'Cerere respinsă' in answer.text

    url, _ = sp.login_url(sp.settings(idp.metadata))
    params = query(url)
    params['RelayState'] = '/altceva'  # no longer what was signed
    answer = requests.get(idp.url('/sso/redirect'), params=params, timeout=TIMEOUT)
    assert answer.status_code == 400

    sha1 = sp.settings(idp.metadata, signatureAlgorithm=C.RSA_SHA1,
                       rejectDeprecatedAlgorithm=False)
    answer = requests.get(sp.login_url(sha1)[0], timeout=TIMEOUT)
    assert answer.status_code == 400

    stranger = FakeSP('http://127.0.0.1:9/necunoscut',
                      os.path.dirname(sp.keys.key_file) + '-stranger')
    answer = requests.get(stranger.login_url(stranger.settings(idp.metadata))[0],
                          timeout=TIMEOUT)
    assert answer.status_code == 400 and 'nu este cunoscut' in answer.text


# -- options -------------------------------------------------------------------------------

def test_eidas_only_high_unsigned_response(start_idp, sp):
    idp = start_idp('eidas', '--attributes', 'eidas', '--loa', 'high', '--no-sign-response',
                    '--session-minutes', '5')
    settings = sp.settings(idp.metadata, wantMessagesSigned=False)
    fields, request_id, _ = sign_in(idp, sp, settings)
    response = sp.validate(settings, fields['SAMLResponse'], request_id)
    assert sorted(response.get_attributes()) == sorted(
        EIDAS + name for name in ('PersonIdentifier', 'CurrentGivenName',
                                  'CurrentFamilyName', 'DateOfBirth'))
    assert response.get_authn_contexts() == ['http://eidas.europa.eu/LoA/high']
    assert abs(response.get_session_not_on_or_after() - (time.time() + 300)) < 30
    with pytest.raises(OneLogin_Saml2_ValidationError, match='Message of the Response'):
        sp.validate(sp.settings(idp.metadata), fields['SAMLResponse'], request_id)


def test_roeid_only_unsigned_assertion(start_idp, sp):
    idp = start_idp('roeid', '--attributes', 'roeid', '--no-sign-assertion')
    settings = sp.settings(idp.metadata, wantAssertionsSigned=False)
    fields, request_id, _ = sign_in(idp, sp, settings, username='mihai.turcanu')
    response = sp.validate(settings, fields['SAMLResponse'], request_id)
    assert sorted(response.get_attributes()) == sorted(
        ['cnp', 'nume', 'prenume', 'email', 'telefon', 'data_nasterii', 'adresa', 'localitate',
         'judet'])
    assert response.get_attributes()['nume'] == ['Țurcanu']
    with pytest.raises(OneLogin_Saml2_ValidationError, match='Assertion of the Response'):
        sp.validate(sp.settings(idp.metadata), fields['SAMLResponse'], request_id)


# -- encryption ----------------------------------------------------------------------------

def test_encrypted_assertion(start_idp, sp):
    idp = start_idp('encrypted', '--encrypt-assertion')
    settings = sp.settings(idp.metadata, wantAssertionsEncrypted=True)
    fields, request_id, _ = sign_in(idp, sp, settings, username='gabriela.taranu')
    raw = base64.b64decode(fields['SAMLResponse']).decode('utf-8')
    assert 'EncryptedAssertion' in raw and BY_USERNAME['gabriela.taranu'].cnp not in raw
    assert 'xmlenc11#aes256-gcm' in raw
    response = sp.validate(settings, fields['SAMLResponse'], request_id)
    assert response.get_attributes()['nume'] == ['Țăranu']


def test_encrypted_nameid(start_idp, sp):
    idp = start_idp('encrypted-nameid', '--encrypt-nameid')
    settings = sp.settings(idp.metadata, wantNameIdEncrypted=True)
    fields, request_id, _ = sign_in(idp, sp, settings, username='stefan.oprea')
    raw = base64.b64decode(fields['SAMLResponse']).decode('utf-8')
    assert 'EncryptedID' in raw and 'nameid-format:persistent' not in raw
    response = sp.validate(settings, fields['SAMLResponse'], request_id)
    assert response.get_nameid_format() == C.NAMEID_PERSISTENT
    assert re.fullmatch('[0-9a-f]{40}', response.get_nameid())


def test_nameid_policy_encrypted_is_honoured(idp, sp):
    """python3-saml with wantNameIdEncrypted asks for Format ...:encrypted: the IdP obliges."""
    settings = sp.settings(idp.metadata, wantNameIdEncrypted=True)
    fields, request_id, _ = sign_in(idp, sp, settings)
    assert 'EncryptedID' in base64.b64decode(fields['SAMLResponse']).decode()
    sp.validate(settings, fields['SAMLResponse'], request_id)


# -- single logout -------------------------------------------------------------------------

def test_sp_initiated_logout(idp, sp):
    settings = sp.settings(idp.metadata)
    browser = Browser()
    fields, request_id, _ = sign_in(idp, sp, settings, browser)
    response = sp.validate(settings, fields['SAMLResponse'], request_id)

    url, logout_id = sp.logout_url(settings, response)
    answer = browser.get(url, allow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers['Location']
    assert location.startswith(sp.sls_url + '?')
    params = query(location)
    assert params['SigAlg'] == C.RSA_SHA256 and params['Signature']
    logout_response = OneLogin_Saml2_Logout_Response(settings, params['SAMLResponse'])
    data = sp.request_data(sp.sls_url, get=params)
    assert logout_response.is_valid(data, request_id=logout_id, raise_exceptions=True)
    assert logout_response.get_status() == C.STATUS_SUCCESS
    auth = sp.slo_auth(settings, params)
    auth.process_slo(request_id=logout_id, keep_local_session=True)
    assert auth.get_errors() == [], auth.get_last_error_reason()

    # The IdP session is gone: the next AuthnRequest shows the login page again.
    url, _ = sp.login_url(settings)
    assert browser.get(url).url.startswith(idp.url('/login?cerere='))


def test_idp_initiated_logout(idp, sp):
    settings = sp.settings(idp.metadata)
    browser = Browser()
    fields, request_id, _ = sign_in(idp, sp, settings, browser, username='ana-maria.balan')
    response = sp.validate(settings, fields['SAMLResponse'], request_id)

    page = browser.get(idp.url('/logout'))
    assert 'Ana-Maria Bălan' in page.text
    action, logout_form = form(page.text)
    assert action == '/logout'
    answer = browser.post(idp.url('/logout'), logout_form, allow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers['Location']
    assert location.startswith(sp.sls_url + '?')
    params = query(location)
    request = OneLogin_Saml2_Logout_Request(settings, params['SAMLRequest'])
    data = sp.request_data(sp.sls_url, get=params)
    assert request.is_valid(data, raise_exceptions=True)
    xml = request.get_xml()
    assert OneLogin_Saml2_Logout_Request.get_nameid(xml) == response.get_nameid()
    assert OneLogin_Saml2_Logout_Request.get_session_indexes(xml) == \
        [response.get_session_index()]
    auth = sp.slo_auth(settings, params)
    assert auth.validate_request_signature(params), auth.get_last_error_reason()
    # The SP answers the way python3-saml does: a signed LogoutResponse, HTTP-Redirect.
    back = auth.process_slo(keep_local_session=True)
    assert auth.get_errors() == [], auth.get_last_error_reason()
    assert back.startswith(idp.url('/slo/redirect?'))
    done = browser.get(back)
    assert done.status_code == 200 and 'Ați fost deconectat' in done.text

    url, _ = sp.login_url(settings)
    assert browser.get(url).url.startswith(idp.url('/login?cerere='))


def test_logout_response_must_be_signed(idp, sp):
    settings = sp.settings(idp.metadata)
    browser = Browser()
    sign_in(idp, sp, settings, browser)
    _, logout_form = form(browser.get(idp.url('/logout')).text)
    location = browser.post(idp.url('/logout'), logout_form, allow_redirects=False)
    params = query(location.headers['Location'])
    unsigned = sp.settings(idp.metadata, logoutResponseSigned=False)
    back = sp.slo_auth(unsigned, params).process_slo(keep_local_session=True)
    assert 'Signature' not in query(back)
    assert browser.get(back).status_code == 400


# -- SP metadata fetched lazily ------------------------------------------------------------

def test_sp_metadata_url_fetched_on_first_need(start_idp, sp):
    port = int(sp.base.split(':')[2].split('/')[0])
    metadata = open(sp.metadata_path, 'rb').read()
    idp = start_idp('lazy', sp_metadata=f'{sp.base}/metadata')  # the SP is not up yet
    assert 'cannot fetch' in idp.log()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == '/saml/metadata' else 404)
            self.send_header('Content-Type', 'application/samlmetadata+xml')
            self.end_headers()
            self.wfile.write(metadata)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = sp.settings(idp.metadata)
        fields, request_id, _ = sign_in(idp, sp, settings)
        sp.validate(settings, fields['SAMLResponse'], request_id)
    finally:
        server.shutdown()
        server.server_close()
    assert 'fetched' in idp.log()


# -- forge ---------------------------------------------------------------------------------

def test_forged_responses(idp, sp):
    settings = sp.settings(idp.metadata)
    forge = ResponseForge(idp.url('/metadata'), sp.metadata_path, keys_dir=idp.keys_dir)
    good = forge.response('ioana.stefanescu', in_response_to='_cerere1')
    response = sp.validate(settings, forge.encode(good), '_cerere1')
    assert response.get_attributes()['cnp'] == [BY_USERNAME['ioana.stefanescu'].cnp]

    fields, request_id, _ = sign_in(idp, sp, settings)
    issued = sp.validate(settings, fields['SAMLResponse'], request_id)
    assert response.get_nameid() == issued.get_nameid()  # same keys, same NameID

    def refused(xml, message, **security):
        with pytest.raises(OneLogin_Saml2_ValidationError, match=message):
            sp.validate(sp.settings(idp.metadata, **security), forge.encode(xml), '_cerere1')

    refused(forge.response('ioana.stefanescu', in_response_to='_cerere1',
                           audience='https://alt-serviciu.example/saml/metadata'),
            'not a valid audience')
    refused(forge.response('ioana.stefanescu', in_response_to='_cerere1',
                           not_on_or_after=datetime.timedelta(minutes=-10)), 'expired')
    refused(forge.response('ioana.stefanescu', in_response_to='_alta'), 'InResponseTo')
    refused(forge.response('ioana.stefanescu', in_response_to='_cerere1',
                           recipient='https://alt-serviciu.example/acs'),
            'SubjectConfirmation')
    refused(forge.response('ioana.stefanescu', in_response_to='_cerere1',
                           issuer='https://idp-fals.example/metadata'), 'issuer')
    refused(forge.response('ioana.stefanescu', in_response_to='_cerere1',
                           sign_assertion=False), 'Assertion of the Response is not signed')

    encrypted = forge.response('ioana.stefanescu', in_response_to='_cerere1',
                               encrypt_assertion=True, encrypt_name_id=True)
    sp.validate(sp.settings(idp.metadata, wantAssertionsEncrypted=True,
                            wantNameIdEncrypted=True), forge.encode(encrypted), '_cerere1')

    stranger = ResponseForge(idp.url('/metadata'), open(sp.metadata_path).read(),
                             keys_dir=str(idp.keys_dir) + '-stranger')
    refused(stranger.response('ioana.stefanescu', in_response_to='_cerere1'), 'Signature')


# -- test citizens -------------------------------------------------------------------------

CNP_KEY = '279146358279'
COUNTY_CODES = set(range(1, 47)) | {51, 52}
CENTURY = {'1': 1900, '2': 1900, '3': 1800, '4': 1800, '5': 2000, '6': 2000}


def cnp_problem(cnp, birth_date):
    """Why ``cnp`` is not a valid CNP for someone born on ``birth_date`` (None if valid)."""
    if not re.fullmatch(r'\d{13}', cnp):
        return 'not 13 digits'
    if cnp[0] not in CENTURY:
        return 'sex/century digit'
    born = datetime.date(CENTURY[cnp[0]] + int(cnp[1:3]), int(cnp[3:5]), int(cnp[5:7]))
    if born.isoformat() != birth_date:
        return f'birth date {born} != {birth_date}'
    if int(cnp[7:9]) not in COUNTY_CODES:
        return 'county code'
    if cnp[9:12] == '000':
        return 'serial number'
    check = sum(int(d) * int(k) for d, k in zip(cnp[:12], CNP_KEY)) % 11
    if int(cnp[12]) != (1 if check == 10 else check):
        return 'check digit'
    return None


def test_test_citizens_have_valid_cnps():
    valid = [c for c in CITIZENS if c.username not in ('cnp-gresit', 'fara-cnp')]
    assert len(valid) >= 6
    for citizen in valid:
        assert cnp_problem(citizen.cnp, citizen.birth_date) is None, citizen.username
    wrong = BY_USERNAME['cnp-gresit']
    assert cnp_problem(wrong.cnp, wrong.birth_date) == 'check digit'
    assert BY_USERNAME['fara-cnp'].cnp is None
    assert any(c.cnp[0] in '56' for c in valid), 'someone born after 2000'
    assert any(' ' in c.given_names for c in valid), 'someone with a second given name'
    assert any(c.cnp[7:9] == '35' for c in valid), 'someone from Timiș'
    names = ' '.join(c.full_name for c in CITIZENS)
    assert 'Ș' in names and 'Ț' in names and not re.search('[şţŞŢ]', names)
    assert len({c.cnp for c in valid}) == len(valid)


def test_readme_lists_every_citizen():
    readme = open(README, encoding='utf-8').read()
    for citizen in CITIZENS:
        assert f'`{citizen.username}`' in readme
        assert (citizen.cnp or 'fără CNP') in readme


def test_negative_citizens_reach_the_sp(idp, sp):
    settings = sp.settings(idp.metadata)
    fields, request_id, _ = sign_in(idp, sp, settings, username='fara-cnp')
    attributes = sp.validate(settings, fields['SAMLResponse'], request_id).get_attributes()
    assert 'cnp' not in attributes and EIDAS + 'PersonIdentifier' not in attributes
    assert attributes['nume'] == ['Neagu']
    fields, request_id, _ = sign_in(idp, sp, settings, username='cnp-gresit')
    attributes = sp.validate(settings, fields['SAMLResponse'], request_id).get_attributes()
    assert attributes['cnp'] == ['1810625354024']


def test_log_masks_cnps(idp, sp):
    settings = sp.settings(idp.metadata)
    sign_in(idp, sp, settings, username='elena.dragoi')
    sign_in(idp, sp, settings, username='fara-cnp')
    log = idp.log()
    assert 'elena.dragoi (CNP 2520908••••73)' in log and 'fara-cnp (fără CNP)' in log
    for citizen in CITIZENS:
        if citizen.cnp:
            assert citizen.cnp not in log
