"""A Case: one request of a citizen, inside their dossier (/dosare/<id>/<case-id>).

It keeps a snapshot of what the service asked when it was filed (title,
department, legal term, tacit approval, the documents the city fetches
itself), the answers of the form, the uploaded files (ZODB blobs), the legal
clock (pauses, one extension, the deadline), the assignee, and an append-only
trail of events: who, acting for whom, when, what, from where.
"""
import datetime

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from pyramid.authorization import ALL_PERMISSIONS, Allow
from pyramid.traversal import resource_path
from zope.interface import implementer

from ..content import Item
from ..folder import utcnow
from ..i18n import _
from ..interfaces import ICase
from ..layout.dates import LOCAL_TZ
from ..security import (
    MANAGER, SIGN, VIEW, VIEW_DOSSIER, WORK_CASE, CLERK, SIGNATORY, role, scoped_role)
from . import deadlines
from .workflow import AWAITING, DRAFT, STATE_TITLES

MAX_EVENTS_DETAIL = 2000


def case_acl(department):
    """The ACL of a case of ``department``: the managers, its clerks and signatories.

    The holder and their representatives come from the dossier's ACL above.
    """
    acl = [(Allow, role(MANAGER), ALL_PERMISSIONS)]
    if department:
        scope = '/departamente/%s' % department
        acl.append((Allow, scoped_role(CLERK, scope), (VIEW, VIEW_DOSSIER, WORK_CASE)))
        acl.append((Allow, scoped_role(SIGNATORY, scope),
                    (VIEW, VIEW_DOSSIER, WORK_CASE, SIGN)))
    return acl


class Event(dict):
    """One line of a case's trail (a plain dict: cheap to store and to read)."""


@implementer(ICase)
class Case(Item):
    """A leaf of the dossier (not a folder): a million of them must stay light."""
    content_type = 'Case'
    type_title = _('Cerere')
    deletable = False
    addable = False

    number = None              # TM-2026-000123, given at submission
    state = DRAFT
    assignee = None
    submitted = None           # datetime (UTC)
    decided = None             # datetime of approval/rejection
    deadline = None            # date
    extended = False
    extension_reason = ''
    tacit_approval = 'unknown'
    registration = None        # (number, date) from the document registry

    def __init__(self, service, actor, on_behalf_of=None):
        super().__init__(service.title)
        self.service_path = resource_path(service)
        self.service_name = service.__name__
        self.department = getattr(service, 'department', None) or None
        self.term = dict(service.deadline) if getattr(service, 'deadline', None) else None
        self.tacit_approval = getattr(service, 'tacit_approval', 'unknown') or 'unknown'
        self.fetch_documents = tuple(
            d['name'] for d in (getattr(service, 'documents', None) or ())
            if d.get('obtained_by_city'))
        self.form_fields = tuple(dict(f) for f in service.form_fields)
        self.answers = {}
        self.attachments = OOBTree()     # id -> Attachment
        self.pauses = PersistentList()   # [first, last or None] dates
        self.events = PersistentList()
        self.messages = PersistentList()
        self.notes = PersistentList()    # internal: never shown to the citizen
        self.actor = actor
        self.on_behalf_of = on_behalf_of

    # who may do what -----------------------------------------------------

    @property
    def __acl__(self):
        return case_acl(self.department)

    # reading -------------------------------------------------------------

    @property
    def state_title(self):
        return STATE_TITLES.get(self.state, self.state)

    @property
    def needs_citizen(self):
        return self.state == AWAITING

    def missing_required(self):
        return [f['label'] for f in self.form_fields
                if f.get('required', True) and self.answers.get(f['name']) in (None, '', [], ())]

    def searchable_text(self):
        # the number is found through its own index ("number"): as a word of
        # the text index each case would add a word to the lexicon
        return self.title

    # the legal clock -------------------------------------------------------

    def pause(self, day):
        self.pauses.append([day, None])

    def resume(self, day):
        if self.pauses and self.pauses[-1][1] is None:
            first = self.pauses[-1][0]
            self.pauses[-1] = [first, max(first, day - datetime.timedelta(days=1))]

    def recompute_deadline(self, calendar=None):
        if self.submitted is None:
            self.deadline = None
            return None
        start = self.submitted.astimezone(LOCAL_TZ).date()
        self.deadline = deadlines.deadline_for(
            self.term, start, pauses=[tuple(p) for p in self.pauses],
            extended=self.extended, calendar=calendar)
        return self.deadline

    @property
    def tacit_date(self):
        if self.tacit_approval != 'yes':
            return None
        return deadlines.tacit_approval_date(self.deadline)

    # the trail -------------------------------------------------------------

    def record(self, action, actor, on_behalf_of=None, ip=None, state=None, **details):
        event = Event(when=utcnow(), action=action, actor=actor, on_behalf_of=on_behalf_of,
                      ip=ip, state=state or self.state,
                      **{k: (str(v)[:MAX_EVENTS_DETAIL] if v is not None else None)
                         for k, v in details.items()})
        self.events.append(event)
        self.modified = event['when']
        return event


class Attachment(Persistent):
    """An uploaded file: a ZODB blob with its size, declared and sniffed types, SHA-256."""

    def __init__(self, field, filename, declared_type, sniffed_type, size, sha256, blob,
                 uploaded_by, document=None):
        self.field = field
        self.filename = filename
        self.declared_type = declared_type
        self.sniffed_type = sniffed_type
        self.size = size
        self.sha256 = sha256
        self.blob = blob
        self.uploaded_by = uploaded_by
        self.document = document
        self.created = utcnow()
