"""A self-contained test identity provider for the ROeID service provider's tests.

No HTTP server and no pysaml2: this module plays the IdP's side of the SAML
messages in-process, with full control over every field, so the tests can
build both the good responses and the forged ones.

- :class:`TestIdP` holds an RSA key and a self-signed certificate (made once,
  kept in ``var/test/roeid_idp/``), writes the IdP metadata the app loads
  (``cityportal.saml.idp_metadata`` of etc/testing.ini) and builds:
  - SAML Responses from an XML template (:meth:`TestIdP.response`), signed
    (Response and/or Assertion, RSA-SHA256 / SHA-256 by default) and
    optionally encrypted to the SP's certificate (EncryptedAssertion);
  - LogoutRequest / LogoutResponse messages by HTTP-Redirect, signed the
    Redirect-binding way (:meth:`TestIdP.redirect`).
- helpers to read what the SP sends by HTTP-Redirect (:func:`parse_redirect`)
  and to make valid CNPs (:func:`make_cnp`).
"""
import base64
import datetime
import os
import uuid
import zlib
from urllib.parse import parse_qsl, quote_plus, urlsplit
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
IDP_DIR = os.path.join(PROJECT, 'var', 'test', 'roeid_idp')

IDP_ENTITY = 'http://idp.test/metadata'
IDP_SSO = 'http://idp.test/sso'
IDP_SLO = 'http://idp.test/slo'

SP_BASE = 'http://localhost'
SP_ENTITY = SP_BASE + '/saml/metadata'
SP_ACS = SP_BASE + '/saml/acs'
SP_SLS = SP_BASE + '/saml/sls'

NS = {
    'samlp': 'urn:oasis:names:tc:SAML:2.0:protocol',
    'saml': 'urn:oasis:names:tc:SAML:2.0:assertion',
    'md': 'urn:oasis:names:tc:SAML:2.0:metadata',
    'ds': 'http://www.w3.org/2000/09/xmldsig#',
    'xenc': 'http://www.w3.org/2001/04/xmlenc#',
}
REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'
PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent'
BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer'
SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success'
BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic'
URI_FORMAT = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri'

RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256'
RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1'
SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256'
SHA1 = 'http://www.w3.org/2000/09/xmldsig#sha1'

LOA_LOW = 'http://eidas.europa.eu/LoA/low'
LOA_SUBSTANTIAL = 'http://eidas.europa.eu/LoA/substantial'
LOA_HIGH = 'http://eidas.europa.eu/LoA/high'

EIDAS = 'http://eidas.europa.eu/attributes/naturalperson/'
EIDAS_ID = EIDAS + 'PersonIdentifier'
EIDAS_GIVEN = EIDAS + 'CurrentGivenName'
EIDAS_FAMILY = EIDAS + 'CurrentFamilyName'
EIDAS_BIRTH = EIDAS + 'DateOfBirth'

_CNP_KEY = '279146358279'


# small helpers ----------------------------------------------------------------

def make_cnp(first12):
    """A CNP with the right check digit (computed here, not by the app's code)."""
    assert len(first12) == 12 and first12.isdigit()
    rest = sum(int(d) * int(k) for d, k in zip(first12, _CNP_KEY)) % 11
    return first12 + str(1 if rest == 10 else rest)


def wrong_check_digit(cnp):
    return cnp[:12] + str((int(cnp[12]) + 1) % 10)


def new_id():
    return '_' + uuid.uuid4().hex


def instant(seconds=0):
    """A SAML time ``seconds`` from now (UTC, no fraction)."""
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def b64(data):
    if isinstance(data, str):
        data = data.encode('utf-8')
    return base64.b64encode(data).decode('ascii')


def deflate_b64(xml):
    if isinstance(xml, str):
        xml = xml.encode('utf-8')
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return b64(c.compress(xml) + c.flush())


def inflate_b64(value):
    return zlib.decompress(base64.b64decode(value), -15)


def pem_body(pem):
    """The base64 body of a PEM certificate (what metadata and KeyInfo carry)."""
    return ''.join(line for line in pem.strip().splitlines() if '-----' not in line)


def xpath(doc, expr):
    return doc.xpath(expr, namespaces=NS)


# keys -------------------------------------------------------------------------

def make_keypair(common_name, key_size=2048):
    """(key PEM, cert PEM): a fresh RSA key and a self-signed certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode('ascii')
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode('ascii')


def load_or_make_keypair(directory, name, common_name):
    key_path = os.path.join(directory, name + '.key')
    cert_path = os.path.join(directory, name + '.crt')
    if os.path.exists(key_path) and os.path.exists(cert_path):
        with open(key_path, encoding='ascii') as f:
            key = f.read()
        with open(cert_path, encoding='ascii') as f:
            cert = f.read()
        return key, cert
    os.makedirs(directory, mode=0o700, exist_ok=True)
    key, cert = make_keypair(common_name)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='ascii') as f:
        f.write(key)
    with open(cert_path, 'w', encoding='ascii') as f:
        f.write(cert)
    return key, cert


def rsa_sign(key_pem, data, algorithm=RSA_SHA256):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    key = serialization.load_pem_private_key(key_pem.encode('ascii'), None)
    digest = hashes.SHA1() if algorithm == RSA_SHA1 else hashes.SHA256()
    return key.sign(data, padding.PKCS1v15(), digest)


def rsa_verify(cert_pem, data, signature, algorithm=RSA_SHA256):
    """True if ``signature`` of ``data`` verifies with the certificate's key."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    if '-----BEGIN' not in cert_pem:
        cert_pem = '-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n' % cert_pem
    public = x509.load_pem_x509_certificate(cert_pem.encode('ascii')).public_key()
    digest = hashes.SHA1() if algorithm == RSA_SHA1 else hashes.SHA256()
    try:
        public.verify(signature, data, padding.PKCS1v15(), digest)
    except InvalidSignature:
        return False
    return True


# XML signature and encryption ---------------------------------------------------------

def sign_xml(xml, key, cert, algorithm=RSA_SHA256, digest=SHA256):
    """``xml`` (str/bytes, one root element with an ID) enveloped-signed, as bytes.

    python3-saml's ``add_sign`` signs the element that holds the first
    ``saml:Issuer`` (the root here) and places the Signature right after it.
    """
    from onelogin.saml2.utils import OneLogin_Saml2_Utils
    signed = OneLogin_Saml2_Utils.add_sign(xml, key, cert, sign_algorithm=algorithm,
                                           digest_algorithm=digest)
    return signed if isinstance(signed, bytes) else signed.encode('utf-8')


def encrypt_assertion(assertion_xml, sp_cert, data_algorithm='aes256-cbc'):
    """``<saml:EncryptedAssertion>`` (an lxml element) of the assertion, to the SP cert.

    The content key is encrypted with RSA-OAEP; the data with aes256-cbc or
    aes128-gcm.
    """
    import xmlsec
    transforms = {
        'aes256-cbc': (xmlsec.constants.TransformAes256Cbc, 256),
        'aes128-gcm': (xmlsec.constants.TransformAes128Gcm, 128),
        'aes128-cbc': (xmlsec.constants.TransformAes128Cbc, 128),
    }
    transform, bits = transforms[data_algorithm]
    assertion = etree.fromstring(assertion_xml)
    wrapper = etree.Element('{%s}EncryptedAssertion' % NS['saml'], nsmap={'saml': NS['saml']})
    wrapper.append(assertion)
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(sp_cert, xmlsec.constants.KeyDataFormatCertPem, None))
    enc_data = xmlsec.template.encrypted_data_create(
        wrapper, transform, type=xmlsec.constants.TypeEncElement, ns='xenc')
    xmlsec.template.encrypted_data_ensure_cipher_value(enc_data)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(enc_data, ns='dsig')
    enc_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.constants.TransformRsaOaep)
    xmlsec.template.encrypted_data_ensure_cipher_value(enc_key)
    ctx = xmlsec.EncryptionContext(manager)
    ctx.key = xmlsec.Key.generate(xmlsec.constants.KeyDataAes, bits,
                                  xmlsec.constants.KeyDataTypeSession)
    ctx.encrypt_xml(enc_data, assertion)     # replaces the assertion inside the wrapper
    return wrapper


# the templates --------------------------------------------------------------------------

ASSERTION = '''<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{assertion_id}" Version="2.0" \
IssueInstant="{issue_instant}"><saml:Issuer>{assertion_issuer}</saml:Issuer>\
<saml:Subject><saml:NameID Format="{nameid_format}">{nameid}</saml:NameID>\
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">\
<saml:SubjectConfirmationData{scd_attrs}/></saml:SubjectConfirmation></saml:Subject>\
<saml:Conditions{conditions_attrs}><saml:AudienceRestriction>{audiences}\
</saml:AudienceRestriction></saml:Conditions>\
<saml:AuthnStatement AuthnInstant="{issue_instant}" SessionIndex="{session_index}">\
<saml:AuthnContext><saml:AuthnContextClassRef>{loa}</saml:AuthnContextClassRef>\
</saml:AuthnContext></saml:AuthnStatement>{attribute_statement}</saml:Assertion>'''

RESPONSE = '''<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" \
xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{response_id}" Version="2.0" \
IssueInstant="{issue_instant}"{response_attrs}><saml:Issuer>{issuer}</saml:Issuer>\
<samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status></samlp:Response>'''

LOGOUT_REQUEST = '''<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" \
xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" \
IssueInstant="{issue_instant}" Destination="{destination}"{extra}>\
<saml:Issuer>{issuer}</saml:Issuer><saml:NameID Format="{nameid_format}">{nameid}</saml:NameID>\
{session_index}</samlp:LogoutRequest>'''

LOGOUT_RESPONSE = '''<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" \
xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" \
IssueInstant="{issue_instant}" Destination="{destination}" InResponseTo="{in_response_to}">\
<saml:Issuer>{issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="{status}"/>\
</samlp:Status></samlp:LogoutResponse>'''

METADATA = '''<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" \
xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="true" \
protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>\
</ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="{redirect}" Location="{slo}"/>
    <md:NameIDFormat>{persistent}</md:NameIDFormat>
    <md:SingleSignOnService Binding="{redirect}" Location="{sso}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
'''


def _attrs(**values):
    """' Name="value"...' for the values that are not None (in the given order)."""
    return ''.join(' %s=%s' % (k, quoteattr(str(v))) for k, v in values.items() if v is not None)


def attribute_statement(attributes):
    """``attributes``: list of (Name, value or list of values[, FriendlyName])."""
    if attributes is None:
        return ''
    parts = []
    for item in attributes:
        name, values = item[0], item[1]
        friendly = item[2] if len(item) > 2 else None
        if not isinstance(values, (list, tuple)):
            values = [values]
        fmt = URI_FORMAT if name.startswith('http') else BASIC
        parts.append('<saml:Attribute%s>%s</saml:Attribute>' % (
            _attrs(Name=name, NameFormat=fmt, FriendlyName=friendly),
            ''.join('<saml:AttributeValue xsi:type="xs:string">%s</saml:AttributeValue>'
                    % escape(str(v)) for v in values)))
    return '<saml:AttributeStatement>%s</saml:AttributeStatement>' % ''.join(parts)


def roeid_attributes(cnp, given='Ion', family='Popescu', email='ion.popescu@example.ro',
                     phone='0722123456'):
    """ROeID's short attribute names."""
    attrs = [('cnp', cnp), ('prenume', given), ('nume', family)]
    if email:
        attrs.append(('email', email))
    if phone:
        attrs.append(('telefon', phone))
    return attrs


def eidas_attributes(cnp, given='Maria', family='Ionescu', birth='1985-03-15'):
    """Only the eIDAS natural-person attributes (URIs with FriendlyNames)."""
    return [(EIDAS_ID, 'RO/RO/%s' % cnp, 'PersonIdentifier'),
            (EIDAS_GIVEN, given, 'FirstName'),
            (EIDAS_FAMILY, family, 'FamilyName'),
            (EIDAS_BIRTH, birth, 'DateOfBirth')]


_UNSET = object()


class TestIdP:
    """The IdP's keys, metadata and messages (one per test session)."""

    __test__ = False     # not a pytest test class

    def __init__(self, directory=IDP_DIR, entity_id=IDP_ENTITY):
        self.directory = directory
        self.entity_id = entity_id
        self.key, self.cert = load_or_make_keypair(directory, 'idp', 'Test ROeID IdP')
        # an attacker's key pair: a well-formed signature the SP must not trust
        self.other_key, self.other_cert = load_or_make_keypair(directory, 'other',
                                                               'Not the IdP')
        self.metadata_path = os.path.join(directory, 'metadata.xml')

    # metadata ------------------------------------------------------------

    def metadata(self):
        return METADATA.format(entity_id=self.entity_id, cert=pem_body(self.cert),
                               redirect=REDIRECT, slo=IDP_SLO, sso=IDP_SSO,
                               persistent=PERSISTENT)

    def write_metadata(self):
        os.makedirs(self.directory, exist_ok=True)
        tmp = self.metadata_path + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(self.metadata())
        os.replace(tmp, self.metadata_path)
        return self.metadata_path

    # responses -----------------------------------------------------------

    def assertion(self, *, in_response_to=None, assertion_id=None, issuer=None,
                  nameid='roeid-persistent-0001', nameid_format=PERSISTENT,
                  recipient=SP_ACS, audience=SP_ENTITY, not_before=-30, not_on_or_after=300,
                  scd_not_on_or_after=_UNSET, scd_in_response_to=_UNSET,
                  loa=LOA_SUBSTANTIAL, session_index=None, attributes=None,
                  issue_instant=0):
        """The assertion XML (str). Times are seconds from now; None leaves a field out."""
        if scd_not_on_or_after is _UNSET:
            scd_not_on_or_after = not_on_or_after
        if scd_in_response_to is _UNSET:
            scd_in_response_to = in_response_to
        audiences = audience if isinstance(audience, (list, tuple)) else [audience]
        return ASSERTION.format(
            assertion_id=assertion_id or new_id(),
            issue_instant=instant(issue_instant),
            assertion_issuer=escape(issuer or self.entity_id),
            nameid_format=nameid_format, nameid=escape(nameid),
            scd_attrs=_attrs(
                InResponseTo=scd_in_response_to,
                NotOnOrAfter=None if scd_not_on_or_after is None
                else instant(scd_not_on_or_after),
                Recipient=recipient),
            conditions_attrs=_attrs(
                NotBefore=None if not_before is None else instant(not_before),
                NotOnOrAfter=None if not_on_or_after is None else instant(not_on_or_after)),
            audiences=''.join('<saml:Audience>%s</saml:Audience>' % escape(a)
                              for a in audiences if a is not None),
            session_index=session_index or new_id(),
            loa=loa,
            attribute_statement=attribute_statement(attributes))

    def response(self, *, cnp=None, attributes=None, in_response_to=None, response_id=None,
                 issuer=None, destination=SP_ACS, status=SUCCESS, sign='assertion',
                 key=None, cert=None, algorithm=RSA_SHA256, digest=SHA256,
                 encrypt=None, sp_cert=None, assertion_xml=None, **assertion_options):
        """A complete Response (bytes).

        ``sign``: 'assertion', 'response', 'both' or None. The assertion is
        signed as its own document, then (maybe) encrypted to ``sp_cert``
        (``encrypt`` = 'aes256-cbc' or 'aes128-gcm'), then embedded; the
        Response is signed last. ``key``/``cert`` default to the IdP's.
        """
        key = key or self.key
        cert = cert or self.cert
        if attributes is None and cnp is not None:
            attributes = roeid_attributes(cnp)
        if assertion_xml is None:
            assertion_xml = self.assertion(in_response_to=in_response_to, attributes=attributes,
                                           issuer=issuer, **assertion_options)
        if sign in ('assertion', 'both'):
            assertion_xml = sign_xml(assertion_xml, key, cert, algorithm, digest)
        if encrypt:
            assert sp_cert, 'encryption needs the SP certificate'
            assertion_el = encrypt_assertion(assertion_xml, sp_cert, encrypt)
        else:
            assertion_el = etree.fromstring(assertion_xml)
        response = etree.fromstring(RESPONSE.format(
            response_id=response_id or new_id(), issue_instant=instant(),
            response_attrs=_attrs(Destination=destination, InResponseTo=in_response_to),
            issuer=escape(issuer or self.entity_id), status=status))
        response.append(assertion_el)
        xml = etree.tostring(response)
        if sign in ('response', 'both'):
            xml = sign_xml(xml, key, cert, algorithm, digest)
        return xml

    # HTTP-Redirect messages ------------------------------------------------

    def logout_request(self, nameid, *, session_index=None, destination=SP_SLS, issuer=None,
                       request_id=None, not_on_or_after=None):
        extra = _attrs(NotOnOrAfter=None if not_on_or_after is None
                       else instant(not_on_or_after))
        return LOGOUT_REQUEST.format(
            id=request_id or new_id(), issue_instant=instant(), destination=destination,
            extra=extra, issuer=escape(issuer or self.entity_id), nameid_format=PERSISTENT,
            nameid=escape(nameid),
            session_index='<samlp:SessionIndex>%s</samlp:SessionIndex>' % escape(session_index)
            if session_index else '')

    def logout_response(self, in_response_to, *, destination=SP_SLS, issuer=None,
                        status=SUCCESS, response_id=None):
        return LOGOUT_RESPONSE.format(
            id=response_id or new_id(), issue_instant=instant(), destination=destination,
            in_response_to=in_response_to, issuer=escape(issuer or self.entity_id),
            status=status)

    def redirect(self, kind, xml, relay_state=None, *, sign=True, key=None,
                 algorithm=RSA_SHA256, url=SP_SLS):
        """The URL (path + query) that carries ``xml`` by HTTP-Redirect to the SP.

        ``kind`` is 'SAMLRequest' or 'SAMLResponse'. The signature covers
        ``kind=...&RelayState=...&SigAlg=...`` exactly as they are encoded
        in the query (SAML bindings 3.4.4.1).
        """
        parts = ['%s=%s' % (kind, quote_plus(deflate_b64(xml)))]
        if relay_state is not None:
            parts.append('RelayState=%s' % quote_plus(relay_state))
        if sign:
            parts.append('SigAlg=%s' % quote_plus(algorithm))
            signed = '&'.join(parts).encode('ascii')
            signature = rsa_sign(key or self.key, signed, algorithm)
            parts.append('Signature=%s' % quote_plus(b64(signature)))
        path = urlsplit(url).path
        return path + '?' + '&'.join(parts)


# what the SP sends -------------------------------------------------------------

class RedirectMessage:
    """A message the SP sent by HTTP-Redirect (an AuthnRequest or a logout message)."""

    def __init__(self, location):
        self.location = location
        split = urlsplit(location)
        self.endpoint = '%s://%s%s' % (split.scheme, split.netloc, split.path)
        self.raw_query = split.query
        self.params = dict(parse_qsl(split.query, keep_blank_values=True))
        self.kind = 'SAMLRequest' if 'SAMLRequest' in self.params else 'SAMLResponse'
        self.xml = inflate_b64(self.params[self.kind])
        self.doc = etree.fromstring(self.xml)
        self.id = self.doc.get('ID')
        self.relay_state = self.params.get('RelayState')

    def signed_part(self):
        """The bytes the Redirect-binding signature covers, from the raw query."""
        raw = dict(p.split('=', 1) for p in self.raw_query.split('&'))
        names = [self.kind] + (['RelayState'] if 'RelayState' in raw else []) + ['SigAlg']
        return '&'.join('%s=%s' % (n, raw[n]) for n in names).encode('ascii')

    def signature_valid(self, cert):
        if 'Signature' not in self.params or 'SigAlg' not in self.params:
            return False
        return rsa_verify(cert, self.signed_part(), base64.b64decode(self.params['Signature']),
                          self.params['SigAlg'])

    def find(self, expr):
        return xpath(self.doc, expr)

    def text(self, expr):
        found = self.find(expr)
        return found[0].text if found else None


def parse_redirect(location):
    return RedirectMessage(location)


# the browser's side of a login ---------------------------------------------------

CNP = make_cnp('185031535001')          # the citizen most tests sign in as
OTHER_CNP = make_cnp('292071235004')


def start_login(testapp, came_from='/servicii/'):
    """GET /saml/login: the AuthnRequest the SP sends to the IdP (a RedirectMessage)."""
    params = {'came_from': came_from} if came_from is not None else {}
    res = testapp.get('/saml/login', params=params, status=303)
    assert res.location.startswith(IDP_SSO + '?'), res.location
    return parse_redirect(res.location)


def post_response(testapp, xml, relay_state=None, status=303, raw=None):
    """POST a Response to /saml/acs as the browser would (``raw``: the field as is)."""
    data = {'SAMLResponse': raw if raw is not None else b64(xml)}
    if relay_state is not None:
        data['RelayState'] = relay_state
    return testapp.post('/saml/acs', data, status=status)


def login(testapp, idp, cnp=CNP, came_from='/servicii/', status=303, **options):
    """A whole ROeID login: /saml/login, the IdP's answer, POST /saml/acs."""
    request = start_login(testapp, came_from)
    xml = idp.response(cnp=cnp, in_response_to=request.id, **options)
    return post_response(testapp, xml, request.relay_state, status=status)
