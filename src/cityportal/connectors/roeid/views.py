"""The ROeID service provider: /saml/metadata, /saml/login, /saml/acs, /saml/sls.

The ACS accepts a Response only when every check passes:

1. size and base64/XML well-formedness (a bad message is a 400, never a 500);
2. InResponseTo names an AuthnRequest this browser started (the ``cp_saml``
   cookie) and not yet answered; no InResponseTo = unsolicited, refused unless
   ``cityportal.saml.allow_unsolicited`` (python3-saml skips this check when
   it is given no request id: see STACK.md);
3. python3-saml in strict mode: signature of the Response or the Assertion
   with the IdP's certificate, no SHA-1, issuer, audience, Destination and
   Recipient, NotBefore/NotOnOrAfter with ``clock_skew``, SubjectConfirmation,
   decryption of an encrypted assertion / NameID;
4. the level of assurance is at least ``min_loa``;
5. the assertion id was never used before (replay cache in ZODB);
6. the attributes carry a CNP that passes the checksum.

Every refusal is logged and audited with its reason; no account is created.
The ACS is a cross-site POST from the IdP, so it cannot carry our CSRF token:
steps 2 and 5 bind the response to this browser's request instead.
"""
import base64
import binascii
import logging
import time
from urllib.parse import urlsplit

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.security import forget, remember
from pyramid.settings import asbool
from pyramid.view import view_config
from pyramid_zodbconn import get_connection

from ...audit import audit
from ...i18n import _
from ...interfaces import IPortalRoot
from ...layout.views import safe_came_from
from ...security import VIEW
from .attributes import AttributeError_, map_attributes
from .config import LOA_RANK, SAMLUnavailable
from .state import get_state, new_token

log = logging.getLogger('cityportal.saml')

COOKIE = 'cp_saml'
SESSION_KEYS = ('saml_nameid', 'saml_nameid_format', 'saml_nq', 'saml_spnq',
                'saml_session_index', 'saml_idp')


class Refused(Exception):
    """The response is not accepted; ``reason`` goes to the log, never to the page."""

    def __init__(self, reason, status=403):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def request_data(request):
    """What python3-saml needs to know of the request: the configured public URL
    (never the Host header), the query and the form."""
    url = urlsplit(request.registry.saml.base_url)
    return {
        'https': 'on' if url.scheme == 'https' else 'off',
        'http_host': url.netloc,      # with the port (STACK.md, trap 11)
        'script_name': url.path + request.path_info,
        'get_data': dict(request.GET),
        'post_data': dict(request.POST),
        'query_string': request.query_string,
    }


def saml_auth(request, with_idp=True):
    from onelogin.saml2.auth import OneLogin_Saml2_Auth
    settings = request.registry.saml.saml_settings(with_idp=with_idp)
    return OneLogin_Saml2_Auth(request_data(request), settings)


def _page(request, status, title, message, template='cityportal:layout/templates/error.pt'):
    request.response.status = status
    return render_to_response(template, {'title': title, 'message': message},
                              request=request, response=request.response)


def unavailable(request):
    return _page(request, 503, _('Autentificarea ROeID nu este disponibilă'), _(
        'Serviciul ROeID nu poate fi contactat în acest moment. Încercați din nou '
        'în câteva minute.'))


def _set_cookie(request, token):
    secure = asbool(request.registry.settings.get('cityportal.secure_cookies'))

    def callback(request, response):
        # the IdP answers with a cross-site POST: over HTTPS the cookie must be
        # SameSite=None to come with it (Lax is what browsers accept on http)
        response.set_cookie(COOKIE, token, max_age=15 * 60, path='/saml/', httponly=True,
                            secure=secure, samesite='None' if secure else 'Lax')
    request.add_response_callback(callback)


def _browser_token(request, create=False):
    token = request.cookies.get(COOKIE, '')
    if not (20 <= len(token) <= 100) or not token.replace('-', '').replace('_', '').isalnum():
        token = ''
    if not token and create:
        token = new_token()
    return token


# metadata ------------------------------------------------------------

@view_config(route_name='saml_metadata', permission=VIEW)
def metadata(context, request):
    from onelogin.saml2.settings import OneLogin_Saml2_Settings
    cfg = request.registry.saml
    settings = OneLogin_Saml2_Settings(cfg.saml_settings(with_idp=False),
                                       sp_validation_only=True)
    xml = settings.get_sp_metadata()
    errors = settings.validate_metadata(xml)
    if errors:   # a broken key pair is an operator's problem: say so in the log
        log.error('SP metadata not valid: %s', errors)
        return Response('SP metadata not valid', status=500)
    return Response(xml, content_type='application/samlmetadata+xml', charset='utf-8')


# login ---------------------------------------------------------------

@view_config(route_name='saml_login', permission=VIEW)
def login(context, request):
    """Start a login: a signed AuthnRequest by HTTP-Redirect, remembered for this browser."""
    base = request.registry.saml.base_url
    if request.application_url != base:
        # the answer comes to the configured ACS: start there, so this browser's
        # cookie is the one that comes back with it
        return HTTPSeeOther(base + request.path_qs)
    came_from = request.GET.get('came_from', '')
    target = safe_came_from(request, came_from, request.application_url + '/@@dosar')
    relay = target[len(request.application_url):] or '/'
    try:
        auth = saml_auth(request)
        url = auth.login(return_to=relay)
    except SAMLUnavailable:
        return unavailable(request)
    token = _browser_token(request, create=True)
    get_state(get_connection(request)).add_pending(
        token, auth.get_last_request_id(), 'authn', relay)
    _set_cookie(request, token)
    return HTTPSeeOther(url)


# assertion consumer service -----------------------------------------

def _etree(xml):
    """python3-saml's hardened parser (no DTDs, no entities, no network)."""
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML
    return OneLogin_Saml2_XML.to_etree(xml)


def _in_response_to(xml_bytes):
    try:
        doc = _etree(xml_bytes)
    except Exception as e:
        raise Refused('malformed XML: %s' % type(e).__name__, 400) from None
    if doc.tag != '{urn:oasis:names:tc:SAML:2.0:protocol}Response':
        raise Refused('not a SAML Response', 400)
    return doc.get('InResponseTo')


def _decode(request):
    cfg = request.registry.saml
    raw = request.POST.get('SAMLResponse', '')
    if not raw:
        raise Refused('no SAMLResponse', 400)
    if len(raw) > cfg.max_response_bytes:
        raise Refused('SAMLResponse of %d bytes' % len(raw), 400)
    try:
        xml = base64.b64decode(raw, validate=False)
    except (binascii.Error, ValueError):
        raise Refused('SAMLResponse is not base64', 400) from None
    if not xml.lstrip().startswith(b'<'):
        raise Refused('SAMLResponse is not XML', 400)
    return xml


def check_response(request, auth, state, token):
    """Run every check; return (person, relay). Raises Refused."""
    cfg = request.registry.saml
    xml = _decode(request)
    in_response_to = _in_response_to(xml)
    relay = None
    if in_response_to:
        if not state.has_pending(token, in_response_to, 'authn'):
            raise Refused('InResponseTo %r is not a request of this browser' % in_response_to)
        request_id = in_response_to
    elif cfg.allow_unsolicited:
        request_id = None
        given = request.POST.get('RelayState', '')
        relay = safe_came_from(request, given, request.application_url + '/@@dosar')
        relay = relay[len(request.application_url):]
    else:
        raise Refused('unsolicited response (no InResponseTo)')
    try:
        auth.process_response(request_id=request_id)
    except Exception as e:     # python3-saml raises on malformed input
        raise Refused('invalid response: %s: %s' % (type(e).__name__, e), 400) from None
    if auth.get_errors() or not auth.is_authenticated():
        raise Refused('invalid response: %s (%s)' % (
            auth.get_last_error_reason(), ', '.join(auth.get_errors())))
    check_exactly(auth, cfg, request_id)
    contexts = auth.get_last_authn_contexts() or []
    if not any(LOA_RANK.get(c, -1) >= LOA_RANK[cfg.min_loa] for c in contexts):
        raise Refused('level of assurance %s below %s' % (contexts, cfg.min_loa))
    assertion_id = auth.get_last_assertion_id()
    if not assertion_id:
        raise Refused('assertion without an ID')
    if state.seen_before(assertion_id):
        raise Refused('replayed assertion %s' % assertion_id)
    state.mark_seen(assertion_id, auth.get_last_assertion_not_on_or_after())
    if request_id is not None:
        relay = state.take_pending(token, request_id, 'authn')
        if relay is None:      # taken by a concurrent request in between
            raise Refused('request %s already answered' % request_id)
    try:
        person = map_attributes(cfg.attribute_map(), auth.get_attributes(),
                                auth.get_friendlyname_attributes())
    except AttributeError_ as e:
        raise Refused('attributes: %s' % e.args[0], 422) from None
    return person, relay, contexts


BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer'


def check_exactly(auth, cfg, request_id):
    """What python3-saml checks loosely, exactly (SAML profiles 4.1.4.2-3).

    python3-saml compares Destination with startswith() and Recipient as a
    substring, and InResponseTo of the SubjectConfirmationData only when it is
    there: an assertion made for another request could then be re-wrapped.
    """
    from onelogin.saml2.xml_utils import OneLogin_Saml2_XML
    doc = _etree(auth.get_last_response_xml())
    if doc.get('Destination') != cfg.acs_url:
        raise Refused('Destination %r is not %s' % (doc.get('Destination'), cfg.acs_url))
    data = OneLogin_Saml2_XML.query(
        doc, '/samlp:Response/saml:Assertion/saml:Subject/saml:SubjectConfirmation'
             '[@Method="%s"]/saml:SubjectConfirmationData' % BEARER)
    for scd in data:
        if (scd.get('Recipient') == cfg.acs_url and scd.get('NotOnOrAfter') and
                scd.get('InResponseTo') == request_id):
            return
    raise Refused('no bearer SubjectConfirmationData for %s InResponseTo %r' % (
        cfg.acs_url, request_id))


@view_config(route_name='saml_acs', permission=VIEW, request_method='POST', require_csrf=False)
def acs(context, request):
    from ...dossiers.resources import find_or_create_citizen, remember_nameid
    state = get_state(get_connection(request))
    token = _browser_token(request)
    try:
        auth = saml_auth(request)
    except SAMLUnavailable:
        return unavailable(request)
    try:
        person, relay, contexts = check_response(request, auth, state, token)
    except Refused as e:
        return refused(request, e)
    dossiers = request.root['dosare']
    account, dossier, created = find_or_create_citizen(dossiers, request.registry, person)
    idp = auth.get_settings().get_idp_data()['entityId']
    nameid = auth.get_nameid()
    remember_nameid(dossiers, request.registry, account, idp, nameid)
    account.last_login = time.time()
    account.last_loa = contexts[0] if contexts else ''
    remember(request, account.userid, session_key=account.session_key)   # rotates the session
    session = request.session
    session.update({
        'auth': 'roeid', 'loa': account.last_loa, 'saml_idp': idp,
        'saml_nameid': nameid, 'saml_nameid_format': auth.get_nameid_format(),
        'saml_nq': auth.get_nameid_nq(), 'saml_spnq': auth.get_nameid_spnq(),
        'saml_session_index': auth.get_session_index(),
    })
    audit(request, 'login.roeid', actor=account.userid, target=dossier,
          loa=account.last_loa, new_account=created)
    log.info('ROeID login: account %s (%s)%s', account.account_id, account.cnp_masked,
             ' created' if created else '')
    if created:
        request.session.flash(_('Bun venit! Contul și dosarul dumneavoastră au fost create.'),
                              'success')
    return HTTPSeeOther(request.registry.saml.base_url + (relay or '/@@dosar'))


def refused(request, error):
    log.warning('ROeID response refused from %s: %s', request.client_addr, error.reason)
    audit(request, 'login.roeid.refused', actor=None, reason=error.reason)
    if error.status == 422:
        return _page(request, 403, _('Autentificarea nu a reușit'), _(
            'ROeID nu a transmis un CNP valid pentru această identitate, iar fără el nu vă '
            'putem crea contul. Verificați datele contului ROeID sau adresați-vă '
            'primăriei.'))
    return _page(request, error.status, _('Autentificarea nu a reușit'), _(
        'Răspunsul primit de la ROeID nu a putut fi verificat, așa că nu v-am autentificat. '
        'Reluați autentificarea de la început.'))


# logout ----------------------------------------------------------------

def _end_local_session(request):
    identity = request.identity
    if identity is not None:
        audit(request, 'logout', actor=identity.userid)
    forget(request)


@view_config(route_name='saml_logout', permission=VIEW, request_method='POST')
def single_logout(context, request):
    """"Deconectare din ROeID": end the local session, then ROeID's (SP-initiated SLO)."""
    session = request.session
    if request.identity is None or not session.get('saml_nameid'):
        _end_local_session(request)
        return HTTPSeeOther(request.application_url + '/')
    values = {k: session.get(k) for k in SESSION_KEYS}
    try:
        auth = saml_auth(request)
        url = auth.logout(return_to='/', name_id=values['saml_nameid'],
                          session_index=values['saml_session_index'],
                          nq=values['saml_nq'], name_id_format=values['saml_nameid_format'],
                          spnq=values['saml_spnq'])
    except SAMLUnavailable:
        _end_local_session(request)
        return unavailable(request)
    _end_local_session(request)
    token = _browser_token(request, create=True)
    get_state(get_connection(request)).add_pending(
        token, auth.get_last_request_id(), 'logout', '/')
    _set_cookie(request, token)
    return HTTPSeeOther(url)


@view_config(route_name='saml_sls', permission=VIEW, request_method='GET')
def sls(context, request):
    """The IdP's answer to our LogoutRequest, or an IdP-initiated LogoutRequest."""
    get = request.GET
    if 'Signature' not in get or not ('SAMLRequest' in get or 'SAMLResponse' in get):
        return refused(request, Refused('unsigned or empty logout message', 400))
    try:
        auth = saml_auth(request)
    except SAMLUnavailable:
        return unavailable(request)
    state = get_state(get_connection(request))
    if 'SAMLResponse' in get:
        return _logout_response(request, auth, state)
    return _logout_request(request, auth)


def _logout_response(request, auth, state):
    from onelogin.saml2.logout_response import OneLogin_Saml2_Logout_Response
    token = _browser_token(request)
    try:
        response = OneLogin_Saml2_Logout_Response(auth.get_settings(), request.GET['SAMLResponse'])
        in_response_to = response.document.get('InResponseTo')
        if not state.has_pending(token, in_response_to, 'logout'):
            raise Refused('LogoutResponse to a request this browser did not start')
        auth.process_slo(keep_local_session=True, request_id=in_response_to)
    except Refused as e:
        return refused(request, e)
    except Exception as e:
        return refused(request, Refused('malformed LogoutResponse: %s' % type(e).__name__, 400))
    if auth.get_errors():
        return refused(request, Refused('LogoutResponse: %s (%s)' % (
            auth.get_last_error_reason(), ', '.join(auth.get_errors()))))
    state.take_pending(token, in_response_to, 'logout')
    request.session.flash(_('V-ați deconectat din portal și din ROeID.'), 'info')
    return HTTPSeeOther(request.registry.saml.base_url + '/')


LOGOUT_MAX_AGE = 5 * 60      # an IdP's LogoutRequest older than this is refused


def _logout_request(request, auth):
    """IdP-initiated logout: end every session of the account the NameID names."""
    from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
    from onelogin.saml2.utils import OneLogin_Saml2_Utils
    state = get_state(get_connection(request))
    skew = request.registry.saml.clock_skew
    try:
        raw = request.GET['SAMLRequest']
        xml = OneLogin_Saml2_Logout_Request(auth.get_settings(), raw).get_xml()
        nameid = OneLogin_Saml2_Logout_Request.get_nameid(xml, auth.get_settings().get_sp_key())
        message_id = OneLogin_Saml2_Logout_Request.get_id(xml)
        issued = OneLogin_Saml2_Utils.parse_SAML_to_time(
            _etree(xml).get('IssueInstant'))
        url = auth.process_slo(keep_local_session=True)
    except Exception as e:
        return refused(request, Refused('malformed LogoutRequest: %s' % type(e).__name__, 400))
    if auth.get_errors():
        return refused(request, Refused('LogoutRequest: %s (%s)' % (
            auth.get_last_error_reason() or 'not valid', ', '.join(auth.get_errors()))))
    now = time.time()
    if not now - LOGOUT_MAX_AGE - skew <= issued <= now + skew:
        return refused(request, Refused('LogoutRequest issued at %s, out of time' % issued))
    if state.seen_before('logout:' + message_id):
        return refused(request, Refused('replayed LogoutRequest %s' % message_id))
    state.mark_seen('logout:' + message_id, now + LOGOUT_MAX_AGE + skew)
    idp = auth.get_settings().get_idp_data()['entityId']
    account = _account_by_nameid(request, idp, nameid)
    if account is not None:
        account.new_session_key()     # every session of the account ends now
        audit(request, 'logout.roeid', actor=account.userid, initiated_by='idp')
    if request.session.get('saml_nameid') == nameid:
        forget(request)
    return HTTPSeeOther(url)


def _account_by_nameid(request, idp, nameid):
    from ...dossiers.resources import account_by_nameid
    return account_by_nameid(request.root['dosare'], request.registry, idp, nameid)


def includeme(config):
    config.add_route('saml_metadata', '/saml/metadata')
    config.add_route('saml_login', '/saml/login')
    config.add_route('saml_acs', '/saml/acs')
    config.add_route('saml_sls', '/saml/sls')
    config.add_route('saml_logout', '/saml/logout')
    config.scan(__name__)
