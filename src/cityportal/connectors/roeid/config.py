"""The service provider's configuration, built from the ini settings.

Everything about the identity provider comes from etc/: its metadata (a file
or a URL) and the attribute map. Nothing here knows the stand-in IdP.

Settings (all optional but the metadata):

``cityportal.saml.idp_metadata``        file path or http(s) URL of the IdP's metadata
``cityportal.saml.idp_metadata_cert``   PEM file: when set, metadata must be signed by it
``cityportal.saml.attribute_map``       YAML file (default etc/roeid/attribute-map.yaml)
``cityportal.saml.keys``                directory of the SP key pair (default var/saml)
``cityportal.saml.base_url``            the portal's public URL for SAML (default
                                        ``cityportal.public_url``); required: the SP's
                                        entity id, ACS and SLS never come from a Host header
``cityportal.saml.entity_id``           default <base url>/saml/metadata
``cityportal.saml.want_assertions_signed``   default false (a signed Response also counts)
``cityportal.saml.want_assertions_encrypted`` default false
``cityportal.saml.want_nameid_encrypted``    default false
``cityportal.saml.allow_unsolicited``   default false (IdP-initiated SSO)
``cityportal.saml.clock_skew``          seconds of tolerance on NotBefore/NotOnOrAfter (60)
``cityportal.saml.min_loa``             low / substantial / high (substantial)
``cityportal.saml.max_response_bytes``  refuse bigger SAMLResponse fields (262144)
"""
import datetime
import logging
import os
import threading
import urllib.request

from pyramid.settings import asbool

from ...config import var_dir

log = logging.getLogger('cityportal.saml')

POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'
REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'
RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256'

#: eIDAS levels of assurance, in order
LOA = {
    'low': 'http://eidas.europa.eu/LoA/low',
    'substantial': 'http://eidas.europa.eu/LoA/substantial',
    'high': 'http://eidas.europa.eu/LoA/high',
}
LOA_RANK = {uri: i for i, uri in enumerate(LOA.values())}

METADATA_MAX_BYTES = 2 * 1024 * 1024


class SAMLUnavailable(Exception):
    """The IdP's metadata could not be loaded: ROeID login is unavailable."""


def _resolve(settings, path):
    here = settings.get('here') or os.getcwd()
    return os.path.normpath(os.path.join(here, path))


def ensure_keypair(directory, common_name):
    """The SP key pair (key PEM, cert PEM), generated on first use.

    The key is written 0600 and never leaves var/; the self-signed
    certificate is what the SP metadata publishes for signing and encryption.
    """
    os.makedirs(directory, mode=0o700, exist_ok=True)
    key_path = os.path.join(directory, 'sp.key')
    cert_path = os.path.join(directory, 'sp.crt')
    if not (os.path.exists(key_path) and os.path.exists(cert_path)):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=3650))
                .sign(key, hashes.SHA256()))
        tmp = key_path + '.tmp'
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'wb') as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        with open(cert_path + '.tmp', 'wb') as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        os.replace(tmp, key_path)
        os.replace(cert_path + '.tmp', cert_path)
        log.info('SP key pair generated in %s', directory)
    with open(key_path, encoding='ascii') as f:
        key_pem = f.read()
    with open(cert_path, encoding='ascii') as f:
        cert_pem = f.read()
    return key_pem, cert_pem


def read_metadata(source, timeout=10):
    """The metadata XML (bytes) from a file path or an http(s) URL."""
    if source.startswith(('http://', 'https://')):
        with urllib.request.urlopen(source, timeout=timeout) as resp:   # noqa: S310
            data = resp.read(METADATA_MAX_BYTES + 1)
    else:
        with open(source, 'rb') as f:
            data = f.read(METADATA_MAX_BYTES + 1)
    if len(data) > METADATA_MAX_BYTES:
        raise SAMLUnavailable('IdP metadata larger than %d bytes' % METADATA_MAX_BYTES)
    return data


class SAMLConfig:
    """One per application (``registry.saml``): settings, keys and IdP data.

    The IdP part is loaded on first use and again by :meth:`refresh` (the
    metadata job of the scheduler calls it); a failed refresh keeps the last
    good metadata.
    """

    def __init__(self, settings):
        self.settings = settings
        get = settings.get
        self.metadata_source = get('cityportal.saml.idp_metadata', '')
        if self.metadata_source and not self.metadata_source.startswith(('http://', 'https://')):
            self.metadata_source = _resolve(settings, self.metadata_source)
        cert = get('cityportal.saml.idp_metadata_cert', '')
        self.metadata_cert_path = _resolve(settings, cert) if cert else ''
        self.attribute_map_path = _resolve(
            settings, get('cityportal.saml.attribute_map', 'roeid/attribute-map.yaml'))
        keys = get('cityportal.saml.keys')
        self.keys_dir = _resolve(settings, keys) if keys else os.path.join(
            var_dir(settings), 'saml')
        self.base_url = (get('cityportal.saml.base_url') or
                         get('cityportal.public_url') or '').rstrip('/')
        self.entity_id = get('cityportal.saml.entity_id', '')
        self.want_assertions_signed = asbool(get('cityportal.saml.want_assertions_signed', False))
        self.want_assertions_encrypted = asbool(
            get('cityportal.saml.want_assertions_encrypted', False))
        self.want_nameid_encrypted = asbool(get('cityportal.saml.want_nameid_encrypted', False))
        self.allow_unsolicited = asbool(get('cityportal.saml.allow_unsolicited', False))
        self.clock_skew = int(get('cityportal.saml.clock_skew', 60))
        self.min_loa = LOA[get('cityportal.saml.min_loa', 'substantial')]
        self.max_response_bytes = int(get('cityportal.saml.max_response_bytes', 256 * 1024))
        self._lock = threading.Lock()
        self._idp = None
        self._keys = None
        self._attribute_map = None
        self.loaded_at = None
        self.last_error = None

    # the pieces ------------------------------------------------------

    @property
    def enabled(self):
        return bool(self.metadata_source)

    @property
    def acs_url(self):
        return self.base_url + '/saml/acs'

    def keys(self):
        if self._keys is None:
            self._keys = ensure_keypair(self.keys_dir, 'cityportal SP')
        return self._keys

    def attribute_map(self):
        if self._attribute_map is None:
            from .attributes import load_attribute_map
            self._attribute_map = load_attribute_map(self.attribute_map_path)
        return self._attribute_map

    def idp(self):
        """The IdP settings (python3-saml's ``idp`` dict), loading them if needed."""
        if self._idp is None:
            self.refresh()
        if self._idp is None:
            raise SAMLUnavailable(self.last_error or 'no IdP metadata')
        return self._idp

    def refresh(self):
        """(Re)load the IdP metadata; True when it loaded."""
        from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
        if not self.metadata_source:
            self.last_error = 'cityportal.saml.idp_metadata is not set'
            return False
        with self._lock:
            try:
                data = read_metadata(self.metadata_source)
                if self.metadata_cert_path:
                    self._check_metadata_signature(data)
                parsed = OneLogin_Saml2_IdPMetadataParser.parse(
                    data, required_sso_binding=REDIRECT, required_slo_binding=REDIRECT)
                idp = parsed.get('idp')
                if not idp or not idp.get('entityId') or not idp.get('singleSignOnService'):
                    raise SAMLUnavailable('metadata without an IdP SSO service')
                if not (idp.get('x509cert') or idp.get('x509certMulti')):
                    raise SAMLUnavailable('metadata without a signing certificate')
            except Exception as e:     # keep the last good metadata
                self.last_error = '%s: %s' % (type(e).__name__, e)
                log.error('IdP metadata from %s not loaded: %s',
                          self.metadata_source, self.last_error)
                return False
            self._idp = idp
            self.loaded_at = datetime.datetime.now(datetime.timezone.utc)
            self.last_error = None
            log.info('IdP metadata loaded: %s', idp['entityId'])
            return True

    def _check_metadata_signature(self, data):
        from onelogin.saml2.utils import OneLogin_Saml2_Utils
        with open(self.metadata_cert_path, encoding='ascii') as f:
            cert = f.read()
        if not OneLogin_Saml2_Utils.validate_metadata_sign(data, cert, raise_exceptions=True):
            raise SAMLUnavailable('IdP metadata signature not valid')

    # python3-saml ----------------------------------------------------

    def saml_settings(self, with_idp=True):
        """The python3-saml settings dict of the portal at ``base_url``.

        ``with_idp=False`` (the SP metadata) works without the IdP's metadata.
        """
        base_url = self.base_url
        key, cert = self.keys()
        entity_id = self.entity_id or base_url + '/saml/metadata'
        idp = self.idp() if with_idp else {}
        return {
            'strict': True,
            'debug': False,
            'sp': {
                'entityId': entity_id,
                'assertionConsumerService': {'url': base_url + '/saml/acs', 'binding': POST},
                'singleLogoutService': {'url': base_url + '/saml/sls', 'binding': REDIRECT},
                'NameIDFormat': PERSISTENT,
                'x509cert': cert,
                'privateKey': key,
            },
            'idp': idp,
            'security': {
                'nameIdEncrypted': False,
                'authnRequestsSigned': True,
                'logoutRequestSigned': True,
                'logoutResponseSigned': True,
                'signMetadata': True,
                'wantMessagesSigned': False,       # Response OR Assertion signed: see acs
                'wantAssertionsSigned': self.want_assertions_signed,
                'wantAssertionsEncrypted': self.want_assertions_encrypted,
                'wantNameIdEncrypted': self.want_nameid_encrypted,
                'wantNameId': True,
                'wantAttributeStatement': True,
                'requestedAuthnContext': [self.min_loa],
                'requestedAuthnContextComparison': 'minimum',
                'failOnAuthnContextMismatch': False,
                'signatureAlgorithm': RSA_SHA256,
                'digestAlgorithm': SHA256,
                'rejectDeprecatedAlgorithm': True,
                'rejectUnsolicitedResponsesWithInResponseTo': True,
                'destinationStrictlyMatches': True,
                'allowRepeatAttributeName': False,
                'allowSingleLabelDomains': True,
                'metadataValidUntil': '',       # '' leaves them out (None = 2 days)
                'metadataCacheDuration': '',
            },
            'contactPerson': {
                'technical': {'givenName': 'Portalul Unic', 'emailAddress':
                              self.settings.get('cityportal.saml.contact', 'portal@localhost')},
            },
            'organization': {
                'ro': {'name': 'cityportal', 'displayname': self.settings.get(
                    'cityportal.saml.organization', 'Primăria Municipiului Timișoara'),
                    'url': base_url + '/'},
            },
        }


def includeme(config):
    settings = config.registry.settings
    config.registry.saml = saml = SAMLConfig(settings)
    if saml.enabled:
        if not saml.base_url.startswith(('http://', 'https://')):
            raise ValueError('cityportal.saml.idp_metadata is set: set cityportal.public_url '
                             '(or cityportal.saml.base_url) to the portal\'s public URL too')
        saml.attribute_map()      # a broken map stops the start, with its reason
    # python3-saml's tolerance is a class constant: the process has one SP
    from onelogin.saml2.constants import OneLogin_Saml2_Constants
    OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT = config.registry.saml.clock_skew
