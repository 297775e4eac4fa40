"""The editorial workflow of service sheets: draft → pending review → published → archived.

Each state has its own ACL (``Service.__acl__`` reads it): editors write
drafts, publishers review and publish, the public sees only published pages
within their effective/expiry dates. Every edit and every transition adds a
version to the page's history (who, when, what, comment, a snapshot of the
fields), which can be compared and reverted to.
"""
import datetime
import difflib

from persistent.list import PersistentList
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from ..events import ObjectModified, notify
from ..exceptions import CityPortalError
from ..folder import utcnow
from ..i18n import _
from ..security import (
    DELETE, EDIT, EDITOR, MANAGER, PUBLISH, PUBLISHER, STAFF_AREA, VIEW, role)

DRAFT, PENDING, PUBLISHED, ARCHIVED = 'draft', 'pending', 'published', 'archived'

STATE_TITLES = {
    DRAFT: _('Ciornă'),
    PENDING: _('În așteptarea aprobării'),
    PUBLISHED: _('Publicat'),
    ARCHIVED: _('Arhivat'),
}


class Transition:
    def __init__(self, name, sources, target, permission, title):
        self.name = name
        self.sources = sources
        self.target = target
        self.permission = permission
        self.title = title


TRANSITIONS = (
    Transition('submit', (DRAFT,), PENDING, EDIT, _('Trimite spre aprobare')),
    Transition('publish', (DRAFT, PENDING), PUBLISHED, PUBLISH, _('Publică')),
    Transition('reject', (PENDING,), DRAFT, PUBLISH, _('Respinge (înapoi la ciornă)')),
    Transition('retract', (PUBLISHED,), DRAFT, PUBLISH, _('Retrage (înapoi la ciornă)')),
    Transition('archive', (PUBLISHED,), ARCHIVED, PUBLISH, _('Arhivează')),
    Transition('restore', (ARCHIVED,), DRAFT, PUBLISH, _('Readu la ciornă')),
)
BY_NAME = {t.name: t for t in TRANSITIONS}

_STAFF_READERS = (
    (Allow, role(MANAGER), ALL_PERMISSIONS),
)

STATE_ACLS = {
    # editors write drafts; publishers may do everything to a draft
    DRAFT: _STAFF_READERS + (
        (Allow, role(EDITOR), (VIEW, STAFF_AREA, EDIT, DELETE)),
        (Allow, role(PUBLISHER), (VIEW, STAFF_AREA, EDIT, DELETE, PUBLISH)),
        (Deny, Everyone, ALL_PERMISSIONS),
    ),
    # under review: editors read it, publishers review (and may correct) it
    PENDING: _STAFF_READERS + (
        (Allow, role(EDITOR), (VIEW, STAFF_AREA)),
        (Allow, role(PUBLISHER), (VIEW, STAFF_AREA, EDIT, PUBLISH)),
        (Deny, Everyone, ALL_PERMISSIONS),
    ),
    # public; editors change it only by having it retracted to a draft
    PUBLISHED: (
        (Deny, role(EDITOR), (EDIT, DELETE)),
    ),
    ARCHIVED: _STAFF_READERS + (
        (Allow, role(EDITOR), (VIEW, STAFF_AREA)),
        (Allow, role(PUBLISHER), (VIEW, STAFF_AREA, PUBLISH)),
        (Deny, Everyone, ALL_PERMISSIONS),
    ),
}
#: published, but outside its effective..expires window: staff only
NOT_IN_FORCE_ACL = STATE_ACLS[PENDING]

class WorkflowError(CityPortalError):
    """The transition does not exist or does not start from the current state."""


def acl_for(obj, now=None):
    state = getattr(obj, 'state', PUBLISHED)
    if state == PUBLISHED and not in_force(obj, now):
        return NOT_IN_FORCE_ACL
    return STATE_ACLS[state]


def in_force(obj, now=None):
    now = now or utcnow()
    effective = getattr(obj, 'effective', None)
    expires = getattr(obj, 'expires', None)
    if effective is not None and _aware(effective) > now:
        return False
    if expires is not None and _aware(expires) <= now:
        return False
    return True


def _aware(value):
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    return datetime.datetime(value.year, value.month, value.day,
                             tzinfo=datetime.timezone.utc)


def available_transitions(obj, request):
    state = obj.state
    return [t for t in TRANSITIONS
            if state in t.sources and request.has_permission(t.permission, obj)]


def snapshot(obj):
    from .resources import DEFINITION_FIELDS
    data = {name: getattr(obj, name, None) for name in DEFINITION_FIELDS}
    data['effective'] = getattr(obj, 'effective', None)
    data['expires'] = getattr(obj, 'expires', None)
    return data


def record(obj, action, actor, comment=''):
    """Append a version (the object's fields as they are now) to its history."""
    history = getattr(obj, 'history', None)
    if history is None:
        history = obj.history = PersistentList()
    entry = {
        'version': len(history) + 1, 'when': utcnow(), 'who': actor, 'action': action,
        'comment': (comment or '')[:1000], 'state': obj.state, 'data': snapshot(obj),
    }
    history.append(entry)
    return entry


def transition(obj, name, actor, comment='', registry=None):
    """Move ``obj`` along transition ``name`` (permission checked by the caller)."""
    t = BY_NAME.get(name)
    if t is None or obj.state not in t.sources:
        raise WorkflowError(_('Această trecere nu este posibilă din starea actuală.'))
    obj.state = t.target
    obj.modified = utcnow()
    record(obj, name, actor, comment)
    notify(registry, ObjectModified(obj))
    return t


def revert(obj, version, actor, registry=None):
    """Restore the fields of ``version``; the revert is a new version itself."""
    entry = next((h for h in getattr(obj, 'history', ()) if h['version'] == version), None)
    if entry is None:
        raise WorkflowError(_('Versiunea cerută nu există.'))
    for name, value in entry['data'].items():
        setattr(obj, name, value)
    obj.modified = utcnow()
    record(obj, 'revert', actor, 'v%d' % version)
    notify(registry, ObjectModified(obj))
    return entry


def _as_lines(value):
    if value is None:
        return []
    if isinstance(value, str):
        return value.splitlines() or ['']
    if isinstance(value, (tuple, list)):
        return [_repr(v) for v in value]
    return [_repr(value)]


def _repr(value):
    if isinstance(value, dict):
        return ', '.join('%s: %s' % (k, value[k]) for k in sorted(value))
    return str(value)


def diff(old, new):
    """[(field, [unified diff lines])] for the fields that differ between snapshots."""
    out = []
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        lines = list(difflib.unified_diff(_as_lines(a), _as_lines(b), lineterm='', n=1))[2:]
        out.append((name, lines))
    return out
