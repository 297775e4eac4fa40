"""/dosare: one dossier per person, and the citizens' accounts.

A citizen signs in with ROeID and gets exactly one account and one dossier.
The CNP is the key, but it is never a name, a URL or a log line: accounts
and dossiers are found through a keyed hash of it (HMAC-SHA256 with
``cityportal.cnp_key``), and the dossier's name is random.

- ``Dossiers.by_key``: keyed hash of a CNP (or a company's CUI) -> dossier name
- ``Dossiers.accounts``: account id -> :class:`CitizenAccount` (not traversable)
- ``Dossiers.representations``: id -> :class:`.representation.Representation`,
  the requests to act for a minor, a person or a company (not traversable)
- a :class:`Dossier` holds the person's cases, documents and messages; its
  ACL admits its holder's account and the accounts verified to act for them.
"""
import secrets

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from pyramid.authorization import Allow
from zope.interface import implementer

from ..events import ObjectModified, LocalRolesChanged, notify
from ..folder import Folder, utcnow
from ..i18n import _
from ..interfaces import IDossier, IDossiers
from ..security import (
    CITIZEN, SUBMIT, VIEW, VIEW_DOSSIER, keyed_hash, private_acl, user_principal)
from ..validators import mask_cnp

CITIZEN_PREFIX = 'cetatean:'
#: what a dossier's holder and their verified representatives may do there
HOLDER_PERMISSIONS = (VIEW, VIEW_DOSSIER, SUBMIT)


@implementer(IDossiers)
class Dossiers(Folder):
    """Private: only a dossier's owner and the staff working its cases see inside."""
    deletable = False   # a fixed part of the tree (root.bootstrap)
    content_type = 'Dossiers'
    type_title = _('Dosare')
    __acl__ = private_acl()
    by_key = None
    accounts = None
    by_nameid = None
    representations = None

    def __init__(self, title='', **kw):
        super().__init__(title, **kw)
        self.ensure_indexes()

    def ensure_indexes(self):
        if self.by_key is None:
            self.by_key = OOBTree()
        if self.accounts is None:
            self.accounts = OOBTree()
        if self.by_nameid is None:
            self.by_nameid = OOBTree()    # keyed hash of (IdP, NameID) -> account id
        if self.representations is None:
            self.representations = OOBTree()  # '<requester account id>.<token>' -> Representation


class CitizenAccount(Persistent):
    """A citizen's account: who they are (from ROeID) and their preferences.

    The identity of a signed-in citizen (``request.identity``). Contact data
    the citizen sets in the profile win over the IdP's on later logins.
    """
    is_staff = False
    active = True
    roles = frozenset({CITIZEN})
    email = ''
    email_verified = False
    pending_email = ''
    phone = ''
    notify_email = True
    notify_sms = False
    last_login = None
    last_loa = ''

    def __init__(self, account_id, dossier_name, cnp):
        self.account_id = account_id
        self.dossier_name = dossier_name
        self.cnp = cnp
        self.cnp_masked = mask_cnp(cnp)
        self.given_name = ''
        self.family_name = ''
        self.birth_date = ''
        self.address = ''
        self.created = utcnow()
        self.nameids = {}      # IdP entity id -> NameID it uses for this person
        self.new_session_key()

    def new_session_key(self):
        """A new key ends every open session of the account."""
        self.session_key = secrets.token_hex(16)

    # a new contact e-mail counts once confirmed by a link sent to it
    email_token_hash = None
    email_token_expires = 0
    EMAIL_TOKEN_TTL = 48 * 3600

    def start_email_change(self, email, now=None):
        """Remember ``email`` as pending; return the token for the confirmation link."""
        import hashlib
        import time
        token = secrets.token_urlsafe(24)
        self.pending_email = email
        self.email_token_hash = hashlib.sha256(token.encode('ascii')).hexdigest()
        self.email_token_expires = (now or time.time()) + self.EMAIL_TOKEN_TTL
        return token

    def cancel_email_change(self):
        self.pending_email = ''
        self.email_token_hash = None

    def confirm_email(self, token, now=None):
        """The confirmed address, or None for a wrong or expired token."""
        import hashlib
        import hmac
        import time
        if not self.email_token_hash or not token or len(token) > 100:
            return None
        given = hashlib.sha256(token.encode('ascii', 'replace')).hexdigest()
        if not hmac.compare_digest(given, self.email_token_hash) or \
                (now or time.time()) > self.email_token_expires:
            return None
        self.email, self.email_verified = self.pending_email, True
        self.cancel_email_change()
        return self.email

    @property
    def userid(self):
        return CITIZEN_PREFIX + self.account_id

    @property
    def title(self):
        return ' '.join(p for p in (self.given_name, self.family_name) if p) or self.cnp_masked

    def update_from_idp(self, person):
        """Names, birth date and address follow the IdP; contact data only fill gaps."""
        self.given_name = person.given_name or self.given_name
        self.family_name = person.family_name or self.family_name
        self.birth_date = person.birth_date or self.birth_date
        address = ', '.join(p for p in (person.address, person.locality, person.county) if p)
        self.address = address or self.address
        if person.email and not self.email:
            self.email = person.email
            self.email_verified = True    # vouched for by the identity provider
        if person.phone and not self.phone:
            self.phone = person.phone


@implementer(IDossier)
class Dossier(Folder):
    """One person's dossier: cases, issued documents, payments, messages."""
    content_type = 'Dossier'
    type_title = _('Dosar personal')
    deletable = False
    addable = False
    holder_kind = 'person'      # or 'company'
    #: the account of the holder (None for a minor or a company, who have none)
    owner = None
    #: account userids verified to act for the holder -> what they may do
    representatives = None

    def __init__(self, title='', holder_masked='', **kw):
        super().__init__(title, **kw)
        self.holder_masked = holder_masked
        self.representatives = {}

    @property
    def __acl__(self):
        allowed = []
        if self.owner:
            allowed.append(self.owner)
        allowed.extend(sorted(self.representatives or ()))
        return private_acl(*[(Allow, user_principal(u), HOLDER_PERMISSIONS)
                             for u in allowed])


def cnp_key(registry, cnp):
    return keyed_hash(registry.settings['cityportal.cnp_key'], 'cnp:' + cnp)


def cui_key(registry, cui):
    """The ``by_key`` key of a company (``cui`` normalized: digits, no RO)."""
    return keyed_hash(registry.settings['cityportal.cnp_key'], 'cui:' + cui)


def find_account(dossiers, registry, cnp):
    """The citizen account for ``cnp``, or None (lookup by keyed hash)."""
    name = dossiers.by_key.get(cnp_key(registry, cnp)) if dossiers.by_key is not None else None
    if name is None:
        return None
    return dossiers.accounts.get(name)


def account_for_userid(dossiers, userid):
    if not userid.startswith(CITIZEN_PREFIX) or dossiers.accounts is None:
        return None
    return dossiers.accounts.get(userid[len(CITIZEN_PREFIX):])


def _nameid_key(registry, idp, nameid):
    return keyed_hash(registry.settings['cityportal.cnp_key'], 'nameid:%s|%s' % (idp, nameid))


def remember_nameid(dossiers, registry, account, idp, nameid):
    """Note the NameID the IdP uses for ``account`` (for IdP-initiated logout)."""
    if not nameid or account.nameids.get(idp) == nameid:
        return
    old = account.nameids.get(idp)
    if old:
        dossiers.by_nameid.pop(_nameid_key(registry, idp, old), None)
    account.nameids = dict(account.nameids, **{idp: nameid})
    dossiers.by_nameid[_nameid_key(registry, idp, nameid)] = account.account_id


def account_by_nameid(dossiers, registry, idp, nameid):
    if not nameid or dossiers.by_nameid is None:
        return None
    account_id = dossiers.by_nameid.get(_nameid_key(registry, idp, nameid))
    return dossiers.accounts.get(account_id) if account_id else None


def new_dossier_name(dossiers):
    while True:
        name = 'd' + secrets.token_hex(8)
        if name not in dossiers and name not in dossiers.accounts:
            return name


def find_or_create_dossier(dossiers, registry, key, title, holder_masked,
                           holder_kind='person', cnp=None):
    """(dossier, created): the dossier of the holder whose ``by_key`` key is ``key``.

    A new dossier gets a random name. With ``cnp`` (a first ROeID login) the
    holder's account is made with it and owns the dossier before it is added,
    so the catalog indexes it with its owner; without (a minor, a company,
    a person represented by someone else) the dossier has no owner.
    """
    dossiers.ensure_indexes()
    name = dossiers.by_key.get(key)
    if name is not None:
        return dossiers[name], False
    name = new_dossier_name(dossiers)
    dossier = Dossier(title, holder_masked=holder_masked)
    if holder_kind != Dossier.holder_kind:
        dossier.holder_kind = holder_kind
    if cnp is not None:
        _add_account(dossiers, dossier, name, cnp)
    dossiers.by_key[key] = name
    dossiers.add(name, dossier, registry=registry)
    return dossier, True


def _add_account(dossiers, dossier, name, cnp):
    account = CitizenAccount(name, name, cnp)
    dossiers.accounts[name] = account
    dossier.owner = account.userid
    return account


def set_representative(dossier, userid, registry=None, **what):
    """Admit ``userid`` to ``dossier`` as a representative (``what``: kind, representation)."""
    representatives = dict(dossier.representatives or {})
    representatives[userid] = dict(what)
    dossier.representatives = representatives      # reassign: persistent change
    notify(registry, LocalRolesChanged(dossier))     # the ACL changed: reindex who sees it


def remove_representative(dossier, userid, representation=None, registry=None):
    """Take ``userid`` off the representatives (only for ``representation`` if given)."""
    representatives = dict(dossier.representatives or {})
    entry = representatives.get(userid)
    if entry is None or (representation is not None and
                         entry.get('representation') != representation):
        return False
    del representatives[userid]
    dossier.representatives = representatives
    notify(registry, LocalRolesChanged(dossier))
    return True


def find_or_create_citizen(dossiers, registry, person):
    """(account, dossier, created): the first login creates both, later ones find them."""
    dossier, created = find_or_create_dossier(
        dossiers, registry, cnp_key(registry, person.cnp), person.full_name,
        mask_cnp(person.cnp), cnp=person.cnp)
    name = dossier.__name__
    account = dossiers.accounts.get(name)
    if account is None:
        # a dossier made for a minor or by a representative, whose holder
        # now signs in themselves: the holder's account joins it
        account = _add_account(dossiers, dossier, name, person.cnp)
        notify(registry, LocalRolesChanged(dossier))   # the owner is in the ACL now
        created = True
    account.update_from_idp(person)
    if dossier.title != person.full_name and person.full_name:
        dossier.title = person.full_name
        notify(registry, ObjectModified(dossier))     # the inboxes show the name
    return account, dossier, created
