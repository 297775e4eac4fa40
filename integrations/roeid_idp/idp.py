"""The pysaml2 side of the ROeID stand-in: configuration, the Server subclass, the Response.

Both the web server (server.py) and the in-process forge (forge.py) build their responses with
:func:`issue_response` on a :class:`RoeidServer`, so what an attack test forges is exactly what
the running IdP would send, signatures and encryption included.

What the ROeID profile adds to ``saml2.server.Server``:

* signatures are RSA-SHA256 with SHA-256 digests (``signing_algorithm`` / ``digest_algorithm``
  live inside ``service: {idp: {...}}``; at the top level pysaml2 ignores them and signs SHA-1);
* encryption uses AES-256-GCM for the data and RSA-OAEP (MGF1P) for the key, to the SP's
  ``use="encryption"`` certificate from its metadata, instead of pysaml2's default 3DES;
  assertions are encrypted with ``encrypt_assertion_self_contained=False``, the form whose
  inner signature python3-saml can verify;
* the NameID may be replaced by an ``EncryptedID``: pysaml2 has no switch for that, so
  :meth:`RoeidServer.setup_assertion` encrypts the NameID element with the same pysaml2
  crypto backend (xmlsec1) right after the assertion is built and before it is signed;
* attributes keep their own NameFormat each (``basic`` for the ROeID short names, ``uri`` for
  the eIDAS ones) through :class:`RoeidAttributeConverter`;
* the persistent NameID is an HMAC of (SP entity id, username) under a key derived from the IdP
  private key: opaque, different for every SP, stable across restarts, never the CNP.

Per-response settings that pysaml2's ``create_authn_response`` has no parameter for (the
SessionIndex, NameID encryption, the forge's overrides) travel in ``farg``, the dictionary
pysaml2 hands unchanged to ``setup_assertion``, under the :data:`EXTRAS` key.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Callable

from saml2 import BINDING_HTTP_POST
from saml2 import BINDING_HTTP_REDIRECT
from saml2 import SamlBase
from saml2 import saml
from saml2.attribute_converter import AttributeConverter
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.metadata import metadata_tostring_fix
from saml2.s_utils import do_ava
from saml2.server import Server
from saml2.sigver import RSA_OAEP_MGF1P
from saml2.sigver import get_pem_wrapped_unwrapped
from saml2.sigver import make_temp
from saml2.sigver import pre_encryption_part
from saml2.validate import valid_instance
from saml2.xmldsig import DIGEST_SHA256
from saml2.xmldsig import SIG_RSA_SHA256

from .citizens import ATTRIBUTES
from .keys import name_id_secret

XMLSEC_BINARY = '/usr/bin/xmlsec1'

LOA = {
    'low': 'http://eidas.europa.eu/LoA/low',
    'substantial': 'http://eidas.europa.eu/LoA/substantial',
    'high': 'http://eidas.europa.eu/LoA/high',
}

#: Assertions stay valid this long (Conditions and SubjectConfirmationData NotOnOrAfter).
ASSERTION_LIFETIME = {'minutes': 5}

DATA_ENCRYPTION = 'http://www.w3.org/2009/xmlenc11#aes256-gcm'
KEY_TRANSPORT = RSA_OAEP_MGF1P
SESSION_KEY = 'aes-256'  # xmlsec1's name for the random key of DATA_ENCRYPTION

NAMEID_XPATH = "/*[local-name()='EncryptedID']/*[local-name()='NameID']"

#: The key of ``farg`` under which :class:`AssertionExtras` reach ``setup_assertion``.
EXTRAS = 'roeid_extras'


class EncryptionCertificateMissing(Exception):
    """Encryption was asked for but the SP's metadata has no encryption certificate."""


def endpoints(base_url):
    """The IdP's URLs below ``base_url`` (no trailing slash)."""
    return {
        'entity_id': f'{base_url}/metadata',
        'sso_redirect': f'{base_url}/sso/redirect',
        'sso_post': f'{base_url}/sso/post',
        'slo_redirect': f'{base_url}/slo/redirect',
    }


def build_config(base_url, key_file, cert_file, metadata, entity_id=None):
    """The pysaml2 IdPConfig of the stand-in.

    ``metadata`` is pysaml2's metadata section, e.g. ``{'local': [path, ...]}`` or
    ``{'inline': [xml, ...]}``. ``entity_id`` defaults to ``BASE/metadata``.
    """
    urls = endpoints(base_url)
    conf = {
        'entityid': entity_id or urls['entity_id'],
        'name': 'ROeID (mediu de test)',
        'description': 'Furnizor de identitate de test pentru cityportal',
        'service': {
            'idp': {
                'name': 'ROeID (mediu de test)',
                'endpoints': {
                    'single_sign_on_service': [
                        (urls['sso_redirect'], BINDING_HTTP_REDIRECT),
                        (urls['sso_post'], BINDING_HTTP_POST),
                    ],
                    'single_logout_service': [
                        (urls['slo_redirect'], BINDING_HTTP_REDIRECT),
                    ],
                },
                'name_id_format': [saml.NAMEID_FORMAT_PERSISTENT],
                'want_authn_requests_signed': True,
                'sign_response': True,
                'sign_assertion': True,
                'signing_algorithm': SIG_RSA_SHA256,
                'digest_algorithm': DIGEST_SHA256,
                'policy': {
                    'default': {
                        'lifetime': ASSERTION_LIFETIME,
                        'name_form': saml.NAME_FORMAT_URI,
                        'fail_on_missing_requested': False,
                    },
                },
            },
        },
        'key_file': key_file,
        'cert_file': cert_file,
        'encryption_keypairs': [{'key_file': key_file, 'cert_file': cert_file}],
        'metadata': metadata,
        'xmlsec_binary': XMLSEC_BINARY,
        'accepted_time_diff': 60,
        'delete_tmpfiles': True,
    }
    config = IdPConfig().load(conf)
    config.attribute_converters = [RoeidAttributeConverter()]
    return config


def idp_metadata(config):
    """The IdP's SAML metadata (str).

    pysaml2 advertises every algorithm xmlsec1 knows, MD5 and SHA-1 included; the metadata
    keeps only the two this IdP uses.
    """
    descriptor = entity_descriptor(config)
    descriptor.extensions.extension_elements = [
        element for element in descriptor.extensions.extension_elements
        if element.attributes.get('Algorithm') in (SIG_RSA_SHA256, DIGEST_SHA256)]
    valid_instance(descriptor)
    xml = metadata_tostring_fix(descriptor, {'xs': 'http://www.w3.org/2001/XMLSchema'})
    return xml.decode('utf-8') if isinstance(xml, bytes) else xml


class RoeidAttributeConverter(AttributeConverter):
    """Releases attributes under their SAML names, each with its own NameFormat.

    pysaml2 gives one converter per NameFormat and picks a single one for a whole attribute
    statement; ROeID mixes ``basic`` short names with ``uri`` eIDAS names in one statement.
    """

    def __init__(self):
        super().__init__(saml.NAME_FORMAT_URI)
        self._to = {name.lower(): name for name in ATTRIBUTES}
        self._fro = dict(self._to)

    def to_(self, attrvals):
        attributes = []
        for name, values in attrvals.items():
            name_format, friendly_name = ATTRIBUTES.get(name, (saml.NAME_FORMAT_UNSPECIFIED, None))
            attributes.append(saml.Attribute(
                name=name, name_format=name_format, friendly_name=friendly_name,
                attribute_value=do_ava(values)))
        return attributes


@dataclass
class AssertionExtras:
    """What ``setup_assertion`` does to an assertion beyond pysaml2's own construction."""

    session_index: str
    encrypt_name_id: bool = False
    adjust: Callable | None = None  # called with the Assertion instance (forge overrides)


class RoeidServer(Server):
    """``saml2.server.Server`` with the ROeID profile (see the module docstring)."""

    def __init__(self, config):
        super().__init__(config=config)
        self.name_id_key = name_id_secret(_read(config.key_file))

    # The stand-in answers no AssertionIDRequest or AuthnQuery: do not keep every assertion.
    def support_AssertionIDRequest(self):
        return False

    def support_AuthnQuery(self):
        return False

    def name_id(self, sp_entity_id, username):
        """The persistent, per-SP, opaque NameID of ``username``."""
        message = f'{sp_entity_id}\x00{username}'.encode('utf-8')
        value = hmac.new(self.name_id_key, message, hashlib.sha256).hexdigest()[:40]
        return saml.NameID(
            format=saml.NAMEID_FORMAT_PERSISTENT, name_qualifier=self.config.entityid,
            sp_name_qualifier=sp_entity_id, text=value)

    def has_encryption_cert(self, sp_entity_id):
        return bool(self.metadata.certs(sp_entity_id, 'spsso', 'encryption'))

    def setup_assertion(self, authn, sp_entity_id, *args, farg=None, **kwargs):
        extras = (farg or {}).get(EXTRAS)
        assertion = super().setup_assertion(authn, sp_entity_id, *args, farg=farg, **kwargs)
        if extras is None:
            return assertion
        for statement in assertion.authn_statement:
            statement.session_index = extras.session_index
        if extras.adjust is not None:
            extras.adjust(assertion)
        if extras.encrypt_name_id:
            self._encrypt_name_id(assertion.subject, sp_entity_id)
        return assertion

    def _encrypt_name_id(self, subject, sp_entity_id):
        """Replace the subject's NameID by an EncryptedID for the SP."""
        name_id = subject.name_id.to_string().decode('utf-8')
        wrapper = f'<saml:EncryptedID xmlns:saml="{saml.NAMESPACE}">{name_id}</saml:EncryptedID>'
        encrypted = self._encrypt_for_sp(wrapper, sp_entity_id, NAMEID_XPATH)
        subject.encrypted_id = saml.encrypted_id_from_string(encrypted)
        subject.name_id = None

    def _encrypt_assertion(self, encrypt_cert, sp_entity_id, response, node_xpath=None):
        """pysaml2's hook for assertion encryption, with AES-256-GCM (``encrypt_cert`` unused:
        the certificate always comes from the SP's metadata)."""
        if isinstance(response, SamlBase):
            response = response.to_string().decode('utf-8')
        return self._encrypt_for_sp(response, sp_entity_id, node_xpath)

    def _encrypt_for_sp(self, xml, sp_entity_id, node_xpath=None):
        """Encrypt the node at ``node_xpath`` of ``xml`` (default: the assertion inside
        EncryptedAssertion) to the SP's encryption certificate."""
        certs = self.metadata.certs(sp_entity_id, 'spsso', 'encryption')
        if not certs:
            raise EncryptionCertificateMissing(sp_entity_id)
        key_name, cert = certs[0]
        wrapped, unwrapped = get_pem_wrapped_unwrapped(cert)
        cert_file = make_temp(wrapped.encode('ascii'), decode=False,
                              delete_tmpfiles=self.config.delete_tmpfiles)
        template = pre_encryption_part(
            msg_enc=DATA_ENCRYPTION, key_enc=KEY_TRANSPORT, key_name=key_name,
            encrypt_cert=unwrapped)
        return self.sec.encrypt_assertion(
            xml, cert_file.name, template, key_type=SESSION_KEY, node_xpath=node_xpath)


def acs_locations(server, sp_entity_id):
    """The SP's HTTP-POST AssertionConsumerService URLs from its metadata, the default first."""
    services = server.metadata.assertion_consumer_service(sp_entity_id, BINDING_HTTP_POST)
    ordered = sorted(services, key=lambda service: (service.get('is_default') != 'true',
                                                    int(service.get('index') or 0)))
    return [service['location'] for service in ordered]


def new_session_index():
    return '_' + secrets.token_hex(16)


def issue_response(server, *, sp_entity_id, acs_url, in_response_to, name_id, attributes,
                   loa, authn_instant, session_index, session_not_on_or_after=None,
                   sign_response=True, sign_assertion=True, encrypt_assertion=False,
                   encrypt_name_id=False, issuer=None, adjust=None):
    """A signed (and possibly encrypted) SAML Response, as XML text.

    ``attributes`` is {SAML attribute name: [values]}; ``authn_instant`` is seconds since the
    epoch; ``session_not_on_or_after`` a SAML time string or None; ``adjust`` an optional
    callable that may change the Assertion instance before it is signed and encrypted.
    """
    if (encrypt_assertion or encrypt_name_id) and not server.has_encryption_cert(sp_entity_id):
        raise EncryptionCertificateMissing(sp_entity_id)
    extras = AssertionExtras(session_index=session_index, encrypt_name_id=encrypt_name_id,
                             adjust=adjust)
    response = server.create_authn_response(
        identity=attributes,
        in_response_to=in_response_to,
        destination=acs_url,
        sp_entity_id=sp_entity_id,
        name_id=name_id,
        authn={'class_ref': loa, 'authn_instant': authn_instant},
        issuer=issuer,
        sign_response=sign_response,
        sign_assertion=sign_assertion,
        encrypt_assertion=encrypt_assertion,
        encrypt_assertion_self_contained=False,
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
        session_not_on_or_after=session_not_on_or_after,
        farg={EXTRAS: extras},
    )
    return str(response)


def issue_error_response(server, *, acs_url, in_response_to, status, message):
    """A signed Response carrying a SAML error status (e.g. NoPassive), as XML text."""
    response = server.create_error_response(
        in_response_to, acs_url, (status, message), sign=True,
        sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256)
    return str(response)


def _read(path):
    with open(path, 'rb') as f:
        return f.read()
