"""The ROeID stand-in's web application: a plain WSGI app (WebOb) served by waitress.

Endpoints (all pages in Romanian, usable without JavaScript):

=====================  ==================================================================
``GET /metadata``      IdP metadata (entityID = ``BASE/metadata``)
``GET /sso/redirect``  AuthnRequest, HTTP-Redirect binding, query-string signature required
``POST /sso/post``     AuthnRequest, HTTP-POST binding, enveloped XML signature required
``GET|POST /login``    the sign-in form; on success the SAML Response is POSTed to the SP
``GET /slo/redirect``  LogoutRequest from an SP (answered with a signed LogoutResponse), or
                       the SP's LogoutResponse to an IdP-initiated logout
``GET|POST /logout``   IdP-initiated single logout
``GET /health``        ``ok``
=====================  ==================================================================

State lives in memory (one process): IdP sessions keyed by an HttpOnly, SameSite=Lax cookie,
AuthnRequests waiting for the sign-in form, and IdP-initiated logouts waiting for the SP's
answer. Each session remembers, per SP, the NameID and SessionIndex it was given, which is
what single logout matches on. Restarting the IdP signs everybody out.

Every request is logged on one line, every decision on another; a CNP is only ever logged
masked (first 7 digits, ••••, last 2).
"""
import base64
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from dataclasses import field

import defusedxml.ElementTree
from saml2 import BINDING_HTTP_POST
from saml2 import BINDING_HTTP_REDIRECT
from saml2 import SAMLError
from saml2 import saml
from saml2 import samlp
from saml2.entity import Entity
from saml2.sigver import verify_redirect_signature
from saml2.time_util import in_a_while
from saml2.time_util import instant
from saml2.xmldsig import SIG_RSA_SHA256
from saml2.xmldsig import SIG_RSA_SHA384
from saml2.xmldsig import SIG_RSA_SHA512
from webob import Request
from webob import Response

from . import pages
from .citizens import CITIZENS
from .citizens import authenticate
from .idp import LOA
from .idp import EncryptionCertificateMissing
from .idp import acs_locations
from .idp import idp_metadata
from .idp import issue_error_response
from .idp import issue_response
from .idp import new_session_index
from .keys import ensure_keys
from .metadata import SpMetadata

log = logging.getLogger('roeid_idp')

COOKIE = 'roeid_idp_session'
PENDING_SECONDS = 15 * 60
#: Redirect-binding signature algorithms accepted from service providers (no SHA-1).
ACCEPTED_SIGALGS = (SIG_RSA_SHA256, SIG_RSA_SHA384, SIG_RSA_SHA512)
NAMEID_FORMATS = (saml.NAMEID_FORMAT_PERSISTENT, saml.NAMEID_FORMAT_UNSPECIFIED,
                  saml.NAMEID_FORMAT_ENCRYPTED)
SECURITY_HEADERS = {
    'Cache-Control': 'no-store',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': ("default-src 'none'; style-src 'unsafe-inline'; "
                                "script-src 'unsafe-inline'; frame-ancestors 'none'; "
                                "base-uri 'none'"),
}


@dataclass(frozen=True)
class Options:
    """What the command line decides (see __main__.py)."""

    base_url: str
    keys_dir: str
    sp_metadata: tuple = ()
    encrypt_assertion: bool = False
    encrypt_nameid: bool = False
    attributes: str = 'both'
    sign_response: bool = True
    sign_assertion: bool = True
    session_minutes: int = 60
    loa: str = 'substantial'


@dataclass
class ServiceSession:
    """What one SP was told about the citizen: the subject of later logout messages."""

    name_id: saml.NameID
    session_index: str


@dataclass
class Session:
    token: str
    citizen: object
    authn_instant: float
    expires: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    services: dict = field(default_factory=dict)  # SP entity id -> ServiceSession


@dataclass
class PendingLogin:
    """An AuthnRequest waiting for the citizen to sign in."""

    sp_entity_id: str
    request_id: str
    acs_url: str
    relay_state: str | None
    encrypt_name_id: bool
    force_authn: bool
    expires: float


@dataclass
class PendingLogout:
    """An IdP-initiated logout: the SPs still to be told, one redirect at a time."""

    citizen: object
    remaining: list  # [(SP entity id, ServiceSession)]
    expires: float


class Refused(Exception):
    """A message from an SP that the IdP will not act on (answered with a 400 page)."""

    def __init__(self, reason, text):
        super().__init__(reason)
        self.reason = reason
        self.text = text


class IdentityProvider:
    """The WSGI application."""

    def __init__(self, options):
        self.options = options
        self.keys = ensure_keys(options.keys_dir)
        self.sp = SpMetadata(options.sp_metadata, f'{options.keys_dir}/sp-metadata',
                             options.base_url, self.keys)
        self.loa = LOA[options.loa]
        self.metadata_xml = idp_metadata(self.sp.server.config)
        self._lock = threading.Lock()
        self.sessions = {}
        self.pending_logins = {}
        self.pending_logouts = {}
        self.routes = {
            '/': {'GET': self.login_form},
            '/health': {'GET': self.health},
            '/metadata': {'GET': self.metadata},
            '/sso/redirect': {'GET': self.sso_redirect},
            '/sso/post': {'POST': self.sso_post},
            '/login': {'GET': self.login_form, 'POST': self.login},
            '/slo/redirect': {'GET': self.slo_redirect},
            '/logout': {'GET': self.logout_form, 'POST': self.logout},
        }

    def __call__(self, environ, start_response):
        request = Request(environ)
        handlers = self.routes.get(request.path_info)
        method = 'GET' if request.method == 'HEAD' else request.method
        if handlers is None:
            response = self._page(pages.error_page(
                'Pagina nu există', 'Adresa cerută nu există în ROeID.'), 404)
        elif method not in handlers:
            response = self._page(pages.error_page(
                'Metodă nepermisă', 'Această adresă nu acceptă metoda folosită.'), 405)
            response.allow = sorted(handlers)
        else:
            try:
                response = handlers[method](request)
            except Refused as refusal:
                log.warning('refused %s %s: %s', request.method, request.path_info,
                            refusal.reason)
                response = self._page(pages.error_page('Cerere respinsă', refusal.text), 400)
            except Exception:
                log.exception('error in %s %s', request.method, request.path_info)
                response = self._page(pages.error_page(
                    'Eroare internă', 'ROeID nu a putut procesa cererea.'), 500)
        log.info('%s %s %s', request.method, request.path_info, response.status_code)
        return response(environ, start_response)

    # -- plain endpoints ---------------------------------------------------------------------

    def health(self, request):
        return Response('ok\n', content_type='text/plain', charset='utf-8')

    def metadata(self, request):
        return Response(self.metadata_xml, content_type='application/samlmetadata+xml',
                        charset='utf-8')

    # -- single sign-on ----------------------------------------------------------------------

    def sso_redirect(self, request):
        params = request.GET
        sigalg = params.get('SigAlg')
        if sigalg is not None and sigalg not in ACCEPTED_SIGALGS:
            raise Refused(f'signature algorithm {sigalg}',
                          'Cererea este semnată cu un algoritm neacceptat (folosiți RSA-SHA256).')
        parsed = self._parse('parse_authn_request', self._required(params, 'SAMLRequest'),
                             BINDING_HTTP_REDIRECT, relay_state=params.get('RelayState'),
                             sigalg=sigalg, signature=params.get('Signature'))
        return self._start_sso(request, parsed.message, params.get('RelayState'))

    def sso_post(self, request):
        params = request.POST
        parsed = self._parse('parse_authn_request', self._required(params, 'SAMLRequest'),
                             BINDING_HTTP_POST)
        return self._start_sso(request, parsed.message, params.get('RelayState'))

    def _start_sso(self, request, message, relay_state):
        server = self.sp.server
        sp = message.issuer.text.strip()
        acs_url = self._acs_url(server, sp, message.assertion_consumer_service_url)
        name_id_format = message.name_id_policy.format if message.name_id_policy else None
        force_authn = _true(message.force_authn)
        log.info('sso: AuthnRequest %s from %s (ForceAuthn=%s, IsPassive=%s)', message.id, sp,
                 force_authn, _true(message.is_passive))
        if name_id_format and name_id_format not in NAMEID_FORMATS:
            log.info('sso: NameID format %s refused for %s', name_id_format, sp)
            return self._error_response(server, sp, acs_url, message.id, relay_state,
                                        samlp.STATUS_INVALID_NAMEID_POLICY,
                                        'Only persistent NameIDs are issued')
        login = PendingLogin(
            sp_entity_id=sp, request_id=message.id, acs_url=acs_url, relay_state=relay_state,
            encrypt_name_id=(self.options.encrypt_nameid
                             or name_id_format == saml.NAMEID_FORMAT_ENCRYPTED),
            force_authn=force_authn, expires=time.time() + PENDING_SECONDS)
        session = self._session(request)
        if session is not None and not force_authn:
            return self._answer(session, login)
        if _true(message.is_passive):
            return self._error_response(server, sp, acs_url, message.id, relay_state,
                                        samlp.STATUS_NO_PASSIVE, 'No IdP session')
        token = secrets.token_urlsafe(24)
        with self._lock:
            _purge(self.pending_logins)
            self.pending_logins[token] = login
        return self._redirect(f'/login?cerere={token}')

    def login_form(self, request):
        token = request.GET.get('cerere', '')
        login = self._pending_login(token)
        session = self._session(request)
        if session is not None:
            if login is not None and not login.force_authn:
                self._forget_login(token)
                return self._answer(session, login)
            if login is None:
                return self._page(pages.signed_in_page(
                    session.citizen, instant(time_stamp=session.expires)))
        return self._page(pages.login_page(
            CITIZENS, request_token=token if login else '',
            service=login.sp_entity_id if login else ''))

    def login(self, request):
        form = request.POST
        token = form.get('cerere', '')
        login = self._pending_login(token)
        username = form.get('utilizator', '')
        citizen = authenticate(username, form.get('parola', ''))
        if citizen is None:
            log.info('login: wrong username or password for %r', username[:40])
            return self._page(pages.login_page(
                CITIZENS, request_token=token if login else '',
                service=login.sp_entity_id if login else '', username=username, error=True))

        previous = self._session(request)
        now = time.time()
        session = Session(token=secrets.token_urlsafe(32), citizen=citizen, authn_instant=now,
                          expires=now + 60 * self.options.session_minutes)
        if previous is not None and previous.citizen == citizen:
            session.services = previous.services
        with self._lock:
            if previous is not None:
                self.sessions.pop(previous.token, None)
            self.sessions[session.token] = session
        log.info('login: %s signed in, IdP session until %s', citizen.log_label,
                 instant(time_stamp=session.expires))

        if login is not None:
            self._forget_login(token)
            response = self._answer(session, login)
        else:
            response = self._page(pages.signed_in_page(
                citizen, instant(time_stamp=session.expires)))
        response.set_cookie(COOKIE, session.token, path='/', httponly=True, samesite='Lax',
                            secure=self.options.base_url.startswith('https://'))
        return response

    def _answer(self, session, login):
        """The page POSTing a Response for ``login`` to the SP, from ``session``."""
        server = self.sp.server
        sp = login.sp_entity_id
        citizen = session.citizen
        with self._lock:
            service = session.services.get(sp)
            if service is None:
                service = ServiceSession(server.name_id(sp, citizen.username),
                                         new_session_index())
                session.services[sp] = service
        try:
            xml = issue_response(
                server, sp_entity_id=sp, acs_url=login.acs_url, in_response_to=login.request_id,
                name_id=service.name_id, attributes=citizen.attributes(self.options.attributes),
                loa=self.loa, authn_instant=session.authn_instant,
                session_index=service.session_index,
                session_not_on_or_after=instant(time_stamp=session.expires),
                sign_response=self.options.sign_response,
                sign_assertion=self.options.sign_assertion,
                encrypt_assertion=self.options.encrypt_assertion,
                encrypt_name_id=login.encrypt_name_id)
        except EncryptionCertificateMissing:
            log.error('sso: cannot encrypt for %s: its metadata has no encryption certificate', sp)
            return self._page(pages.error_page(
                'Eroare de configurare',
                'Metadatele serviciului nu conțin un certificat de criptare, iar ROeID este '
                'configurat să cripteze răspunsurile.'), 500)
        log.info('sso: %s -> %s at %s, LoA %s, response signed=%s, assertion signed=%s, '
                 'encrypted=%s, NameID encrypted=%s', citizen.log_label, sp,
                 login.acs_url, self.options.loa, self.options.sign_response,
                 self.options.sign_assertion, self.options.encrypt_assertion,
                 login.encrypt_name_id)
        return self._post_to_sp(xml, login.acs_url, login.relay_state, sp)

    def _error_response(self, server, sp, acs_url, request_id, relay_state, status, message):
        xml = issue_error_response(server, acs_url=acs_url, in_response_to=request_id,
                                   status=status, message=message)
        log.info('sso: error status %s sent to %s', status.rsplit(':', 1)[-1], sp)
        return self._post_to_sp(xml, acs_url, relay_state, sp)

    def _post_to_sp(self, xml, acs_url, relay_state, sp):
        encoded = base64.b64encode(xml.encode('utf-8')).decode('ascii')
        return self._page(pages.post_page(acs_url, encoded, relay_state, sp))

    @staticmethod
    def _acs_url(server, sp, requested):
        """The SP's HTTP-POST AssertionConsumerService: the requested one if the metadata
        lists it, otherwise the metadata's default."""
        locations = acs_locations(server, sp)
        if not locations:
            raise Refused(f'{sp} has no HTTP-POST AssertionConsumerService',
                          'Metadatele serviciului nu au un AssertionConsumerService HTTP-POST.')
        if requested in locations:
            return requested
        if requested:
            log.warning('sso: ACS %s asked by %s is not in its metadata; using %s', requested,
                        sp, locations[0])
        return locations[0]

    # -- single logout -----------------------------------------------------------------------

    def slo_redirect(self, request):
        params = request.GET
        if 'SAMLRequest' in params:
            return self._logout_request(request, params)
        if 'SAMLResponse' in params:
            return self._logout_response(params)
        raise Refused('no SAMLRequest or SAMLResponse',
                      'Lipsește mesajul SAML (SAMLRequest sau SAMLResponse).')

    def _logout_request(self, request, params):
        """SP-initiated logout: end the IdP session, answer with a signed LogoutResponse."""
        sigalg = params.get('SigAlg')
        if sigalg is not None and sigalg not in ACCEPTED_SIGALGS:
            raise Refused(f'signature algorithm {sigalg}',
                          'Cererea este semnată cu un algoritm neacceptat (folosiți RSA-SHA256).')
        parsed = self._parse('parse_logout_request', params['SAMLRequest'],
                             BINDING_HTTP_REDIRECT, relay_state=params.get('RelayState'),
                             sigalg=sigalg, signature=params.get('Signature'))
        message = parsed.message
        sp = message.issuer.text.strip()
        indexes = {index.text for index in message.session_index}
        name_id = message.name_id.text if message.name_id is not None else None
        ended = self._end_sessions(sp, indexes, name_id)
        log.info('slo: LogoutRequest %s from %s ended %s', message.id, sp,
                 ', '.join(session.citizen.log_label for session in ended)
                 or 'no IdP session')

        server = self.sp.server
        try:
            answer = server.create_logout_response(message, [BINDING_HTTP_REDIRECT], sign=False)
        except SAMLError:
            raise Refused(f'{sp} has no HTTP-Redirect SingleLogoutService',
                          'Metadatele serviciului nu au un SingleLogoutService HTTP-Redirect.')
        location = self._redirect_binding(server, str(answer), answer.destination,
                                          params.get('RelayState'), response=True)
        reply = self._redirect(location)
        current = request.cookies.get(COOKIE)
        if any(session.token == current for session in ended):
            reply.delete_cookie(COOKIE, path='/')
        return reply

    def _end_sessions(self, sp, indexes, name_id):
        """End the IdP sessions in which ``sp`` got one of ``indexes`` (or, without a
        SessionIndex, got ``name_id``)."""
        ended = []
        with self._lock:
            for token, session in list(self.sessions.items()):
                service = session.services.get(sp)
                if service is None:
                    continue
                if indexes:
                    if service.session_index not in indexes:
                        continue
                elif name_id is None or service.name_id.text != name_id:
                    continue
                del self.sessions[token]
                ended.append(session)
        return ended

    def logout_form(self, request):
        session = self._session(request)
        if session is None:
            return self._page(pages.not_signed_in_page())
        return self._page(pages.logout_page(session.citizen, session.csrf))

    def logout(self, request):
        """IdP-initiated logout: end the IdP session, then tell each SP in turn."""
        session = self._session(request)
        if session is None:
            return self._page(pages.not_signed_in_page())
        if not secrets.compare_digest(request.POST.get('jeton', ''), session.csrf):
            raise Refused('logout form without a valid token',
                          'Formularul de deconectare a expirat. Reîncărcați pagina.')
        with self._lock:
            self.sessions.pop(session.token, None)
        log.info('logout: %s ended the IdP session; SPs to notify: %s',
                 session.citizen.log_label, ', '.join(session.services) or 'none')
        pending = PendingLogout(session.citizen, list(session.services.items()),
                                time.time() + PENDING_SECONDS)
        reply = self._continue_logout(pending)
        reply.delete_cookie(COOKIE, path='/')
        return reply

    def _continue_logout(self, pending):
        """Send the next SP its LogoutRequest, or say the citizen is logged out."""
        server = self.sp.server
        while pending.remaining:
            sp, service = pending.remaining.pop(0)
            try:
                _, destination = server.pick_binding(
                    'single_logout_service', [BINDING_HTTP_REDIRECT], 'spsso', entity_id=sp)
            except SAMLError:
                log.warning('logout: %s has no HTTP-Redirect SingleLogoutService, skipped', sp)
                continue
            request_id, message = server.create_logout_request(
                destination, sp, name_id=service.name_id,
                session_indexes=[service.session_index], sign=False,
                expire=in_a_while(minutes=5))
            with self._lock:
                _purge(self.pending_logouts)
                self.pending_logouts[request_id] = pending
            log.info('logout: LogoutRequest %s sent to %s', request_id, sp)
            return self._redirect(self._redirect_binding(server, str(message), destination))
        return self._page(pages.logged_out_page())

    def _logout_response(self, params):
        """The SP's answer to an IdP-initiated LogoutRequest."""
        server = self.sp.server
        try:
            parsed = server.parse_logout_request_response(params['SAMLResponse'],
                                                          BINDING_HTTP_REDIRECT)
        except Exception as exc:
            raise Refused(f'unreadable LogoutResponse ({exc.__class__.__name__}: {exc})',
                          'Răspunsul de deconectare nu poate fi citit.')
        if parsed is None:
            raise Refused('empty LogoutResponse', 'Răspunsul de deconectare nu poate fi citit.')
        message = parsed.response
        sp = message.issuer.text.strip() if message.issuer is not None else ''
        if not self._redirect_signature_ok(server, sp, params, 'SAMLResponse'):
            raise Refused(f'LogoutResponse from {sp!r} not signed or badly signed',
                          'Răspunsul de deconectare nu este semnat corect de serviciu.')
        with self._lock:
            pending = self.pending_logouts.pop(message.in_response_to, None)
        if pending is None or pending.expires < time.time():
            raise Refused(f'LogoutResponse from {sp} answers no pending logout',
                          'Răspunsul de deconectare nu corespunde unei deconectări în curs.')
        status = message.status.status_code.value
        log.info('slo: LogoutResponse from %s for %s: %s', sp, pending.citizen.username,
                 status.rsplit(':', 1)[-1])
        return self._continue_logout(pending)

    # -- helpers -----------------------------------------------------------------------------

    def _parse(self, method, encoded, binding, **kwargs):
        """Parse and verify an SP's request with pysaml2.

        When the sender is unknown, or its signature does not verify, SP metadata given as a
        URL is fetched again once: the SP may have started, or changed keys, after the IdP.
        """
        issuer = _peek_issuer(encoded, binding)
        if issuer is None:
            raise Refused('unreadable SAML message', 'Mesajul SAML nu poate fi citit.')
        if not self.sp.knows(issuer) and self.sp.has_urls:
            self.sp.refresh(f'message from unknown entity {issuer}')
        if not self.sp.knows(issuer):
            raise Refused(f'unknown SP {issuer}',
                          f'Serviciul {issuer} nu este cunoscut de ROeID (lipsesc metadatele).')
        try:
            return getattr(self.sp.server, method)(encoded, binding, **kwargs)
        except Exception as first:
            if not (self.sp.has_urls and self.sp.refresh(f'signature check failed for {issuer}')):
                raise _refusal(issuer, first)
        try:
            return getattr(self.sp.server, method)(encoded, binding, **kwargs)
        except Exception as second:
            raise _refusal(issuer, second)

    def _redirect_binding(self, server, xml, destination, relay_state=None, response=False):
        """The URL carrying ``xml`` with the HTTP-Redirect binding, signed RSA-SHA256."""
        info = server.apply_binding(BINDING_HTTP_REDIRECT, xml, destination,
                                    relay_state=relay_state or '', response=response,
                                    sign=True, sigalg=SIG_RSA_SHA256)
        return dict(info['headers'])['Location']

    @staticmethod
    def _redirect_signature_ok(server, sp, params, kind):
        """Whether the HTTP-Redirect signature of ``params`` verifies with ``sp``'s metadata."""
        if params.get('SigAlg') not in ACCEPTED_SIGALGS or not params.get('Signature'):
            return False
        if sp not in server.metadata.keys():
            return False
        message = {kind: params[kind], 'SigAlg': params['SigAlg'],
                   'Signature': params['Signature']}
        if 'RelayState' in params:
            message['RelayState'] = params['RelayState']
        return any(verify_redirect_signature(message, server.sec.sec_backend, cert)
                   for _, cert in server.metadata.certs(sp, 'spsso', 'signing'))

    @staticmethod
    def _required(params, name):
        value = params.get(name)
        if not value:
            raise Refused(f'no {name}', 'Lipsește cererea SAML.')
        return value

    def _session(self, request):
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        with self._lock:
            session = self.sessions.get(token)
            if session is not None and session.expires < time.time():
                del self.sessions[token]
                session = None
        return session

    def _pending_login(self, token):
        if not token:
            return None
        with self._lock:
            login = self.pending_logins.get(token)
        if login is None or login.expires < time.time():
            return None
        return login

    def _forget_login(self, token):
        with self._lock:
            self.pending_logins.pop(token, None)

    @staticmethod
    def _page(html, status=200):
        response = Response(html, status=status, content_type='text/html', charset='utf-8')
        response.headers.update(SECURITY_HEADERS)
        return response

    @staticmethod
    def _redirect(location):
        response = Response(status=303, location=location)
        response.headers['Cache-Control'] = 'no-store'
        response.headers['Referrer-Policy'] = 'no-referrer'
        return response


def _true(value):
    return str(value).lower() in ('true', '1')


def _purge(pending):
    """Drop the expired entries of a pending-login or pending-logout table."""
    now = time.time()
    for key in [key for key, item in pending.items() if item.expires < now]:
        del pending[key]


def _peek_issuer(encoded, binding):
    """The Issuer of an encoded SAML message, before any signature check (None if unreadable)."""
    try:
        root = defusedxml.ElementTree.fromstring(Entity.unravel(encoded, binding))
    except Exception:
        return None
    issuer = root.find(f'{{{saml.NAMESPACE}}}Issuer')
    if issuer is None or not (issuer.text or '').strip():
        return None
    return issuer.text.strip()


def _refusal(issuer, exc):
    return Refused(f'message from {issuer} refused ({exc.__class__.__name__}: {exc})',
                   'Cererea nu este semnată, semnătura ei nu se verifică cu certificatul din '
                   'metadatele serviciului sau nu este adresată acestui ROeID.')
