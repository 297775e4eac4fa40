"""A python3-saml service provider and a cookie-keeping browser, for test_roeid_idp.py.

The SP exists only as python3-saml settings and a key pair: its URLs are never contacted,
the tests read the IdP's redirects and forms and hand them to python3-saml as the SP's
endpoints would. Its settings are the ones cityportal's SP is expected to use: strict, signed
AuthnRequests and logout messages, signed assertions and messages required, RSA-SHA256 and
SHA-256, deprecated algorithms rejected.
"""
import base64
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import lxml.html
import requests
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.constants import OneLogin_Saml2_Constants as C
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from integrations.roeid_idp.keys import ensure_keys

TIMEOUT = 10


def pem_body(pem):
    return ''.join(line for line in pem.decode('ascii').splitlines() if '-----' not in line)


class FakeSP:
    """python3-saml settings of an SP at ``base`` (e.g. http://127.0.0.1:PORT/saml)."""

    def __init__(self, base, keys_dir):
        self.base = base
        self.entity_id = f'{base}/metadata'
        self.acs_url = f'{base}/acs'
        self.sls_url = f'{base}/sls'
        self.keys = ensure_keys(keys_dir, common_name='cityportal SP (test)')

    def settings(self, idp_metadata_xml=None, sso_binding=C.BINDING_HTTP_REDIRECT, acs_url=None,
                 **security):
        """OneLogin_Saml2_Settings; ``security`` overrides the strict defaults, ``acs_url``
        the AssertionConsumerService the AuthnRequests name."""
        data = {
            'strict': True,
            'debug': False,
            'sp': {
                'entityId': self.entity_id,
                'assertionConsumerService': {'url': acs_url or self.acs_url,
                                             'binding': C.BINDING_HTTP_POST},
                'singleLogoutService': {'url': self.sls_url,
                                        'binding': C.BINDING_HTTP_REDIRECT},
                'NameIDFormat': C.NAMEID_PERSISTENT,
                'x509cert': pem_body(self.keys.cert_pem()),
                'privateKey': self.keys.key_pem().decode('ascii'),
            },
            'security': {
                'authnRequestsSigned': True,
                'logoutRequestSigned': True,
                'logoutResponseSigned': True,
                'wantAssertionsSigned': True,
                'wantMessagesSigned': True,
                'wantAssertionsEncrypted': False,
                'wantNameIdEncrypted': False,
                'requestedAuthnContext': False,
                'signatureAlgorithm': C.RSA_SHA256,
                'digestAlgorithm': C.SHA256,
                'rejectDeprecatedAlgorithm': True,
                **security,
            },
        }
        if idp_metadata_xml is None:
            return OneLogin_Saml2_Settings(data, sp_validation_only=True)
        idp = OneLogin_Saml2_IdPMetadataParser.parse(
            idp_metadata_xml, required_sso_binding=sso_binding)['idp']
        data['idp'] = idp
        return OneLogin_Saml2_Settings(data)

    def metadata(self):
        """SP metadata with signing and encryption certificates (the IdP's --sp-metadata)."""
        settings = self.settings(wantAssertionsEncrypted=True)
        metadata = settings.get_sp_metadata()
        errors = settings.validate_metadata(metadata)
        assert not errors, errors
        return metadata.decode('utf-8') if isinstance(metadata, bytes) else metadata

    def request_data(self, url, get=None, post=None):
        """python3-saml's view of a request to ``url`` (the port goes into http_host)."""
        parts = urlsplit(url)
        return {'https': 'on' if parts.scheme == 'https' else 'off',
                'http_host': parts.netloc, 'script_name': parts.path,
                'get_data': dict(get or {}), 'post_data': dict(post or {})}

    def login_url(self, settings, return_to='/dosare', **kwargs):
        """A signed HTTP-Redirect AuthnRequest URL and the request's ID."""
        auth = OneLogin_Saml2_Auth(self.request_data(f'{self.base}/login'), settings)
        url = auth.login(return_to=return_to, **kwargs)
        return url, auth.get_last_request_id()

    def signed_post_request(self, settings):
        """A signed AuthnRequest for the HTTP-POST binding: (SAMLRequest value, request ID)."""
        request = OneLogin_Saml2_Authn_Request(settings)
        signed = OneLogin_Saml2_Utils.add_sign(
            request.get_xml(), self.keys.key_pem().decode('ascii'),
            self.keys.cert_pem().decode('ascii'), sign_algorithm=C.RSA_SHA256,
            digest_algorithm=C.SHA256)
        return base64.b64encode(signed).decode('ascii'), request.get_id()

    def validate(self, settings, saml_response, request_id):
        """The python3-saml Response, validated as the ACS would (raises if invalid)."""
        response = OneLogin_Saml2_Response(settings, saml_response)
        data = self.request_data(self.acs_url, post={'SAMLResponse': saml_response})
        response.is_valid(data, request_id, raise_exceptions=True)
        return response

    def logout_url(self, settings, response):
        """A signed LogoutRequest URL for the session ``response`` opened, and its ID."""
        auth = OneLogin_Saml2_Auth(self.request_data(f'{self.base}/logout'), settings)
        url = auth.logout(return_to='/', name_id=response.get_nameid(),
                          session_index=response.get_session_index(),
                          name_id_format=response.get_nameid_format(),
                          nq=response.get_nameid_nq(), spnq=response.get_nameid_spnq())
        return url, auth.get_last_request_id()

    def slo_auth(self, settings, params):
        """OneLogin_Saml2_Auth for a message arriving at the SP's SingleLogoutService."""
        return OneLogin_Saml2_Auth(self.request_data(self.sls_url, get=params), settings)


class Browser:
    """requests with a cookie jar and a timeout on every call."""

    def __init__(self):
        self.http = requests.Session()

    def get(self, url, **kwargs):
        return self.http.get(url, timeout=TIMEOUT, **kwargs)

    def post(self, url, data, **kwargs):
        return self.http.post(url, data=data, timeout=TIMEOUT, **kwargs)


def form(html, index=0):
    """(action, {name: value}) of a form in ``html``."""
    page = lxml.html.fromstring(html)
    found = page.forms[index]
    return found.action, dict(found.form_values())


def query(url):
    """The query parameters of ``url`` as a dict."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
