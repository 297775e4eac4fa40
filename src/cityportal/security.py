"""Security: roles, permissions, local roles and the Pyramid 2 policy.

Authorization is ACL-based (Pyramid's ACLHelper). ACLs grant permissions to
*role principals* (``role:Clerk``), to users (``u:<userid>``) and to the
system principals. A user holds roles in two ways:

- globally, on the account (``user.roles``), valid everywhere;
- locally, in ``__local_roles__`` of a resource (``{userid: {roles}}``),
  valid on that resource and everything below it (a clerk's role on one
  department).

``effective_principals(request, context)`` therefore depends on the context:
it walks the lineage and adds the local roles found there.
"""
import hashlib
import hmac
import secrets

from pyramid.authorization import (
    ALL_PERMISSIONS,
    Allow,
    Authenticated,
    Deny,
    Everyone,
    ACLHelper,
)
from pyramid.location import lineage

# Roles ---------------------------------------------------------------

ANONYMOUS = 'Anonymous'
CITIZEN = 'Citizen'
CLERK = 'Clerk'
SIGNATORY = 'Signatory'
EDITOR = 'Editor'
PUBLISHER = 'Publisher'
OPERATOR = 'Operator'
MANAGER = 'Manager'
#: implied for every active staff account (never granted by hand)
STAFF = 'Staff'

#: roles a manager can grant to staff (Anonymous and Citizen are implied)
STAFF_ROLES = (CLERK, SIGNATORY, EDITOR, PUBLISHER, OPERATOR, MANAGER)
ALL_ROLES = (ANONYMOUS, CITIZEN) + STAFF_ROLES


def role(name):
    return 'role:' + name


def user_principal(userid):
    return 'u:' + userid


def scoped_role(name, path):
    """A role held locally on the resource at ``path`` (e.g. a department's clerks).

    Local roles only act below the resource that grants them; a case lives in a
    citizen's dossier, not under its department, so the case's ACL names its
    department's roles through these principals.
    """
    return 'role:%s@%s' % (name, path)


# Permissions (named for what they allow) ------------------------------

VIEW = 'view'                      # see a resource
EDIT = 'edit'                      # change a resource's fields
ADD = 'add'                        # add content into a container
DELETE = 'delete'                  # remove content from a container
PUBLISH = 'publish'                # move a page through the editorial workflow
SUBMIT = 'submit'                  # file a request for a service
VIEW_DOSSIER = 'view-dossier'      # see a citizen's dossier and its cases
WORK_CASE = 'work-case'            # act on a case as a clerk
SIGN = 'sign'                      # sign an issued document
MANAGE_INTEGRATIONS = 'manage-integrations'  # the integration bus, jobs, retries
MANAGE_USERS = 'manage-users'      # create staff accounts, grant roles
MANAGE_SITE = 'manage-site'        # reindex, evolve, site settings
VIEW_AUDIT = 'view-audit'          # read the audit trail
STAFF_AREA = 'staff-area'          # see the staff home and tools

ALL_NAMED_PERMISSIONS = (
    VIEW, EDIT, ADD, DELETE, PUBLISH, SUBMIT, VIEW_DOSSIER, WORK_CASE, SIGN,
    MANAGE_INTEGRATIONS, MANAGE_USERS, MANAGE_SITE, VIEW_AUDIT, STAFF_AREA,
)

#: The site's base policy, on the root. Sub-trees narrow it with their own
#: ``__acl__`` (the dossiers deny Everyone, the bus admits operators only).
ROOT_ACL = (
    (Allow, role(MANAGER), ALL_PERMISSIONS),
    (Allow, Everyone, VIEW),
    (Allow, role(STAFF), STAFF_AREA),
    (Allow, role(CITIZEN), SUBMIT),
    (Allow, role(CLERK), (STAFF_AREA, WORK_CASE, VIEW_DOSSIER)),
    (Allow, role(SIGNATORY), (STAFF_AREA, WORK_CASE, VIEW_DOSSIER, SIGN)),
    (Allow, role(EDITOR), (STAFF_AREA, ADD, EDIT, DELETE)),
    (Allow, role(PUBLISHER), (STAFF_AREA, ADD, EDIT, DELETE, PUBLISH)),
    (Allow, role(OPERATOR), (STAFF_AREA, MANAGE_INTEGRATIONS, VIEW_AUDIT,
                             MANAGE_SITE)),
)

#: Private areas: nothing is inherited from the root but the manager's rights.
def private_acl(*entries):
    return ((Allow, role(MANAGER), ALL_PERMISSIONS),) + tuple(entries) + (
        (Deny, Everyone, ALL_PERMISSIONS),)


# Local roles ----------------------------------------------------------

def get_local_roles(resource):
    return getattr(resource, '__local_roles__', None) or {}


def set_local_roles(resource, userid, roles):
    """Grant exactly ``roles`` to ``userid`` on ``resource`` (empty: revoke)."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError('Unknown roles: %s' % ', '.join(sorted(unknown)))
    local = dict(get_local_roles(resource))
    if roles:
        local[userid] = frozenset(roles)
    else:
        local.pop(userid, None)
    resource.__local_roles__ = local   # reassign: persistent change


def local_roles_for(userid, context):
    """Roles ``userid`` holds locally on ``context`` or any ancestor."""
    found = set()
    for resource in lineage(context):
        roles = get_local_roles(resource).get(userid)
        if roles:
            found.update(roles)
    return found


def scoped_principals(identity, root):
    """``scoped_role`` principals for the local roles ``identity`` holds anywhere."""
    paths = getattr(identity, 'local_role_paths', ()) or ()
    if not paths:
        return []
    from pyramid.traversal import find_resource
    out = []
    for path in paths:
        try:
            resource = find_resource(root, path)
        except KeyError:
            continue
        for name in sorted(get_local_roles(resource).get(identity.userid, ())):
            out.append(scoped_role(name, path))
    return out


def request_scoped_principals(request, identity):
    """:func:`scoped_principals` of the request's identity, computed once per request."""
    if not getattr(identity, 'local_role_paths', None):
        return []
    env = request.environ
    cached = env.get('cityportal.scoped_principals')
    if cached is None or cached[0] != identity.userid:
        from .security_config import app_root
        cached = (identity.userid, scoped_principals(identity, app_root(request)))
        env['cityportal.scoped_principals'] = cached
    return cached[1]


def principals_for(userid, global_roles, context, extra=()):
    """The effective principals of a user on ``context``."""
    principals = [Everyone]
    if userid is None:
        return principals
    principals.append(Authenticated)
    principals.append(user_principal(userid))
    roles = set(global_roles) | local_roles_for(userid, context)
    principals.extend(role(r) for r in sorted(roles))
    principals.extend(extra)
    return principals


# Passwords ------------------------------------------------------------

_hasher = None


def _password_hasher():
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher
        _hasher = PasswordHasher()
    return _hasher


def hash_password(password):
    return _password_hasher().hash(password)


def check_password(hashed, password):
    """True if ``password`` matches the argon2 ``hashed`` value."""
    from argon2.exceptions import InvalidHashError, VerificationError
    if not hashed:
        return False
    try:
        return _password_hasher().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(hashed):
    return _password_hasher().check_needs_rehash(hashed)


#: a hash to verify against when the login is unknown (same cost either way)
_DUMMY_HASH = None


def dummy_check(password):
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    check_password(_DUMMY_HASH, password)
    return False


def keyed_hash(secret, value):
    """A stable keyed hash (HMAC-SHA256) used for lookups of secret values."""
    return hmac.new(secret.encode('utf-8'), value.encode('utf-8'),
                    hashlib.sha256).hexdigest()


def identity_roles(identity):
    """Global roles of an identity, with the implied Staff role for staff."""
    roles = tuple(identity.roles)
    if getattr(identity, 'is_staff', False):
        roles += (STAFF,)
    return roles


# The policy -----------------------------------------------------------

class SecurityPolicy:
    """Pyramid 2 security policy: session identity + ACLs + local roles.

    The identity is the staff user (or, from the identity issue on, the
    citizen account) whose id the server-side session holds.
    """

    def __init__(self, identity_finder):
        # identity_finder(request, userid) -> account or None
        self.identity_finder = identity_finder
        self.helper = ACLHelper()

    def identity(self, request):
        session = request.session
        userid = session.get('userid')
        if not userid:
            return None
        return self.identity_finder(request, userid)

    def authenticated_userid(self, request):
        identity = request.identity
        return identity.userid if identity is not None else None

    def effective_principals(self, request, context):
        identity = request.identity
        if identity is None or not identity.active:
            return [Everyone]
        return principals_for(identity.userid, identity_roles(identity), context,
                              extra=request_scoped_principals(request, identity))

    def permits(self, request, context, permission):
        principals = self.effective_principals(request, context)
        return self.helper.permits(context, principals, permission)

    def remember(self, request, userid, **kw):
        request.session.rotate()
        request.session['userid'] = userid
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []
