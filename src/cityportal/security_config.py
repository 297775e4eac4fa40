"""Wire the security policy, sessions and CSRF into the configurator."""
from pyramid.csrf import CookieCSRFStoragePolicy, new_csrf_token
from pyramid.settings import asbool

from .dossiers.resources import CITIZEN_PREFIX, account_for_userid
from .security import SecurityPolicy
from .sessions import session_factory_from_settings

IDENTITY_KEY = 'cityportal.identity'


def app_root(request):
    """The application root, also before traversal has set request.root."""
    root = getattr(request, 'root', None)
    if root is None:
        from .root import root_factory
        root = root_factory(request)
    return root


def find_identity(request, userid):
    """The account for ``userid`` (cached on the request), or None."""
    env = request.environ
    cached = env.get(IDENTITY_KEY)
    if cached is not None and cached[0] == userid:
        return cached[1]
    root = app_root(request)
    if userid.startswith(CITIZEN_PREFIX):
        account = account_for_userid(root['dosare'], userid)
    else:
        users = root.get('utilizatori')
        account = users.get(userid) if users is not None else None
    if account is not None and (
            not account.active or
            request.session.get('skey') != account.session_key):
        # disabled, or the session predates a password change / a deleted
        # and recreated account of the same id
        account = None
    env[IDENTITY_KEY] = (userid, account)
    return account


class PortalSecurityPolicy(SecurityPolicy):
    def remember(self, request, userid, session_key='', **kw):
        request.environ.pop(IDENTITY_KEY, None)
        headers = super().remember(request, userid, **kw)
        request.session['skey'] = session_key
        new_csrf_token(request)   # a token planted before login is worthless after
        return headers

    def forget(self, request, **kw):
        request.environ.pop(IDENTITY_KEY, None)
        return super().forget(request, **kw)


def includeme(config):
    settings = config.registry.settings
    config.set_session_factory(session_factory_from_settings(settings))
    config.set_security_policy(PortalSecurityPolicy(find_identity))
    config.set_csrf_storage_policy(CookieCSRFStoragePolicy(
        cookie_name='cp_csrf', secure=asbool(settings.get('cityportal.secure_cookies')),
        httponly=True, samesite='Lax'))
    config.set_default_csrf_options(require_csrf=True)
