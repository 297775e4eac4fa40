"""Staff accounts: create, change roles, local roles, authenticate."""
import time

from ..events import LocalRolesChanged, ObjectModified, notify
from ..exceptions import AuthenticationFailed, InvalidParameterError, LoginThrottled
from ..folder import utcnow
from ..security import STAFF_ROLES, dummy_check, set_local_roles


def _users(root):
    return root['utilizatori']


def get(root, userid):
    return _users(root).get(userid)


def create(root, userid, password, title, roles=(), email='', function='',
           registry=None, request=None):
    """Create a staff account with global ``roles``; returns it."""
    from ..accounts.resources import StaffUser
    bad = set(roles) - set(STAFF_ROLES)
    if bad:
        raise InvalidParameterError('Unknown roles: %s' % ', '.join(sorted(bad)))
    user = StaffUser(title, password=password, roles=roles, email=email,
                     function=function)
    _users(root).add(userid, user, registry=registry)
    if request is not None:
        from ..audit import audit
        audit(request, 'user.create', target=user, roles=','.join(sorted(roles)))
    return user


def set_roles(user, roles, registry=None, request=None):
    bad = set(roles) - set(STAFF_ROLES)
    if bad:
        raise InvalidParameterError('Unknown roles: %s' % ', '.join(sorted(bad)))
    user.roles = frozenset(roles)
    user.modified = utcnow()
    notify(registry, ObjectModified(user))
    if request is not None:
        from ..audit import audit
        audit(request, 'user.roles', target=user, roles=','.join(sorted(roles)))


def grant_local_roles(resource, userid, roles, registry=None, request=None):
    """Give ``userid`` exactly ``roles`` on ``resource`` and below (empty revokes)."""
    from pyramid.traversal import find_root, resource_path
    set_local_roles(resource, userid, roles)
    user = find_root(resource)['utilizatori'].get(userid)
    if user is not None:
        paths = set(user.local_role_paths)
        path = resource_path(resource)
        if roles:
            paths.add(path)
        else:
            paths.discard(path)
        user.local_role_paths = tuple(sorted(paths))
    notify(registry, LocalRolesChanged(resource))
    if request is not None:
        from ..audit import audit
        audit(request, 'user.local_roles', target=resource, userid=userid,
              roles=','.join(sorted(roles)))


def revoke_all_local_roles(user, registry=None):
    """Remove every local role of ``user`` (before the account is deleted)."""
    from pyramid.traversal import find_resource, find_root
    root = find_root(user)
    for path in user.local_role_paths:
        try:
            resource = find_resource(root, path)
        except KeyError:
            continue
        set_local_roles(resource, user.userid, ())
        notify(registry, LocalRolesChanged(resource))
    user.local_role_paths = ()


def authenticate(root, login, password, address=None, now=None):
    """Return the active account for ``login``/``password``.

    Raises LoginThrottled while too many recent failures block the login or
    the address, AuthenticationFailed otherwise. Records failures for the
    throttle (the caller commits them). Unknown logins cost the same time
    as known ones.
    """
    users = _users(root)
    throttle = users.throttle
    now = now or time.time()
    login = (login or '').strip()[:100]
    wait = throttle.blocked_for(login, address, now)
    if wait:
        raise LoginThrottled(wait)
    user = users.get(login) if login else None
    if user is None:
        dummy_check(password or '')
        ok = False
    else:
        ok = user.check_password(password or '') and user.active
    if not ok:
        throttle.failed(login, address, now)
        raise AuthenticationFailed(login)
    throttle.succeeded(login, address)
    user.last_login = utcnow()
    return user
