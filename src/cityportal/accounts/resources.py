"""Local staff accounts (clerks, signatories, editors, operators, managers).

Passwords are stored as argon2 hashes. A user's global roles are on the
account; roles limited to one department are local roles on the department.
"""
import time

import colander
import deform
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import Allow
from zope.interface import implementer

from ..content import Item
from ..folder import Folder
from ..i18n import _
from ..interfaces import IStaffUser, IStaffUsers
from ..schemas import line_node, name_validator, title_node
from ..security import (
    MANAGE_USERS, STAFF_ROLES, VIEW, check_password, hash_password,
    password_needs_rehash, private_acl, role, MANAGER)

ROLE_TITLES = {
    'Clerk': _('Funcționar'),
    'Signatory': _('Semnatar'),
    'Editor': _('Editor'),
    'Publisher': _('Publicator'),
    'Operator': _('Operator'),
    'Manager': _('Administrator'),
}

PASSWORD_MIN = 10
PASSWORD_MAX = 200


def password_validator(node, value):
    if len(value) < PASSWORD_MIN:
        raise colander.Invalid(node, _('Parola trebuie să aibă cel puțin ${n} caractere.',
                                       mapping={'n': PASSWORD_MIN}))
    if len(value) > PASSWORD_MAX:
        raise colander.Invalid(node, _('Parola poate avea cel mult ${n} de caractere.',
                                       mapping={'n': PASSWORD_MAX}))


def roles_node():
    return colander.SchemaNode(
        colander.Set(), title=_('Roluri globale'), missing=(),
        validator=colander.ContainsOnly(STAFF_ROLES),
        widget=deform.widget.CheckboxChoiceWidget(
            values=[(r, ROLE_TITLES[r]) for r in STAFF_ROLES]))


class StaffUserEditSchema(colander.MappingSchema):
    title = title_node(_('Nume complet'))
    function = line_node(_('Funcția'))
    email = colander.SchemaNode(colander.String(), title=_('E-mail'), missing='',
                                validator=colander.Email(_('Adresă de e-mail invalidă.')))
    roles = roles_node()
    active = colander.SchemaNode(colander.Boolean(), title=_('Cont activ'),
                                 missing=True, default=True)


class StaffUserAddSchema(StaffUserEditSchema):
    userid = colander.SchemaNode(colander.String(), title=_('Nume de utilizator'),
                                 validator=name_validator, insert_before='title')
    password = colander.SchemaNode(
        colander.String(), title=_('Parolă inițială'), validator=password_validator,
        widget=deform.widget.CheckedPasswordWidget(), insert_before='title')


@implementer(IStaffUsers)
class StaffUsers(Folder):
    """/utilizatori: managers only. Keeps the login throttle too."""
    deletable = False   # a fixed part of the tree (root.bootstrap)
    content_type = 'StaffUsers'
    type_title = _('Utilizatori')
    __acl__ = private_acl()

    def __init__(self, title='', **kw):
        super().__init__(title, **kw)
        self.throttle = LoginThrottle()


@implementer(IStaffUser)
class StaffUser(Item):
    content_type = 'StaffUser'
    type_title = _('Cont de personal')
    schema = StaffUserEditSchema
    password_hash = None
    email = ''
    function = ''
    active = True
    last_login = None
    roles = frozenset()
    is_staff = True
    #: paths where this account holds local roles (cleaned when it is deleted)
    local_role_paths = ()
    #: sessions carry this key; changing it (password change, deactivation)
    #: ends every open session of the account
    session_key = ''

    def __init__(self, title='', password=None, roles=(), **kw):
        super().__init__(title, **kw)
        self.roles = frozenset(roles)
        self.new_session_key()
        if password is not None:
            self.set_password(password)

    def new_session_key(self):
        import secrets
        self.session_key = secrets.token_hex(16)

    @property
    def userid(self):
        return self.__name__

    def set_password(self, password):
        self.password_hash = hash_password(password)
        self.new_session_key()

    def check_password(self, password):
        ok = check_password(self.password_hash, password)
        if ok and password_needs_rehash(self.password_hash):
            self.password_hash = hash_password(password)   # same password: sessions stay
        return ok

    def searchable_text(self):
        return ' '.join([self.__name__ or '', self.title or '', self.email or '',
                         self.function or ''])


class LoginThrottle(Persistent):
    """Recent login failures, counted three ways.

    - per login *and* address: ``max_failures`` (5) within ``window`` blocks
      that pair: someone guessing from one place stops quickly;
    - per address: ``max_failures_per_address`` (20) blocks the address,
      whatever logins it tries;
    - per login from anywhere: ``max_failures_per_login`` (100) blocks the
      login, so a distributed guess stays slow, while a few bad attempts
      from a stranger's address cannot lock the owner out.

    A blocked attempt is refused before the password is checked.
    """
    max_failures = 5
    max_failures_per_address = 20
    max_failures_per_login = 100
    window = 15 * 60
    #: prune stale keys once the table grows past this size
    max_keys = 5000

    def __init__(self):
        self.failures = OOBTree()   # key -> tuple of timestamps

    @staticmethod
    def _keys(login, address):
        login = (login or '').strip().lower()[:100]
        address = address or ''
        return (('la:%s|%s' % (login, address), 'max_failures'),
                ('a:' + address, 'max_failures_per_address'),
                ('l:' + login, 'max_failures_per_login'))

    def _recent(self, key, now):
        return tuple(t for t in self.failures.get(key, ()) if t > now - self.window)

    def blocked_for(self, login, address, now=None):
        """Seconds until another attempt is allowed (0 = allowed now)."""
        now = now or time.time()
        waits = []
        for key, limit_name in self._keys(login, address):
            limit = getattr(self, limit_name)
            recent = self._recent(key, now)
            if len(recent) >= limit:
                waits.append(int(recent[-limit] + self.window - now) + 1)
        return max(waits) if waits else 0

    def failed(self, login, address, now=None):
        now = now or time.time()
        if len(self.failures) > self.max_keys:
            self.prune(now)
        for key, limit_name in self._keys(login, address):
            keep = getattr(self, limit_name)
            self.failures[key] = self._recent(key, now)[-keep:] + (now,)

    def should_audit_block(self, login, address, now=None):
        """True once per window for a blocked login/address pair (bounded log)."""
        now = now or time.time()
        key = 'audit:' + self._keys(login, address)[0][0]
        last = self.failures.get(key, (0,))[-1]
        if last > now - self.window:
            return False
        self.failures[key] = (now,)
        return True

    def prune(self, now=None):
        """Forget keys whose failures are all older than the window."""
        now = now or time.time()
        stale = [k for k, times in self.failures.items()
                 if not times or times[-1] <= now - self.window]
        for key in stale:
            del self.failures[key]
        return len(stale)

    def succeeded(self, login, address):
        self.failures.pop(self._keys(login, address)[0][0], None)
