"""The portal catalog: hypatia indexes plus a docid <-> path map.

The catalog hangs off the root as an attribute (not a child), so it is never
traversed or listed. Documents are identified by integer docids; the map
from docid to path lets results resolve back to resources by traversal.
"""
import datetime
import random

from BTrees.IOBTree import IOBTree
from BTrees.OIBTree import OIBTree
from BTrees.Length import Length
from hypatia.catalog import Catalog as HypatiaCatalog
from hypatia.field import FieldIndex
from hypatia.keyword import KeywordIndex
from persistent import Persistent
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.location import lineage
from pyramid.traversal import find_resource, resource_path
from zope.interface import providedBy

from ..security import VIEW, get_local_roles, role, user_principal
from .folding import fold, make_text_index
from .queues import ASSIGNEE, DEPARTMENT, NOBODY, SERVICE, QueueIndex



_random = random.SystemRandom()
#: docids are signed 32-bit integers (IOBTree / IFBTree keys in hypatia)
DOCID_MAX = 2 ** 31 - 1


class PortalFieldIndex(FieldIndex):
    """hypatia's FieldIndex without its set of the documents that have no value.

    hypatia records every document without a value in ``_not_indexed`` (for
    negative queries, which the portal does not use): a case's draft sits
    there in the indexes of its submission and decision dates, its state…,
    and its submission moves it out of each. Eight submissions at once moved
    eight drafts out of the same small sets, a change ZODB cannot always
    merge. Here a document without a value is simply not in the index.
    """

    def index_doc(self, docid, obj):
        value = self.discriminate(obj, _NO_VALUE)
        rev_index = self._rev_index
        if value is _NO_VALUE:
            if docid in rev_index:
                self.unindex_doc(docid)
            return None
        old = rev_index.get(docid, _NO_VALUE)
        if old is not _NO_VALUE:
            if old == value:
                return None
            self.unindex_doc(docid)
        docids = self._fwd_index.get(value)
        if docids is None:
            docids = self._fwd_index[value] = self.family.IF.TreeSet()
        docids.insert(docid)
        self._num_docs.change(1)
        rev_index[docid] = value
        return None

    reindex_doc = index_doc


_NO_VALUE = object()


# discriminators -------------------------------------------------------

def _path(obj, default):
    return resource_path(obj)


def _ancestor_paths(obj, default):
    paths = []
    for res in lineage(obj):
        paths.append(resource_path(res))
    return paths


def _parent(obj, default):
    parent = obj.__parent__
    return resource_path(parent) if parent is not None else default


def _interfaces(obj, default):
    return [i.__identifier__ for i in providedBy(obj).flattened()]


class _attr:
    """Discriminator reading one attribute (a class: stored indexes pickle it)."""

    def __init__(self, name):
        self.name = name

    def __call__(self, obj, default):
        value = getattr(obj, self.name, None)
        return default if value is None or value == '' else value


def number_key(number):
    """How a case number is kept in the ``number`` index: reversed.

    Consecutive numbers (TM-2026-000123, …124) would be appended side by side
    at the end of the index, where ZODB cannot merge two concurrent
    submissions; reversed, they differ in their first character and land far
    apart. The index only answers "which case has this number".
    """
    return number[::-1]


class NumberIndex(Persistent):
    """Case number -> docid, and back: an index of unique values.

    A FieldIndex would keep a docid set per number (a million one-element
    sets, each a new object in a tree that splits as it grows); here a number
    is one entry. Numbers are kept reversed (:func:`number_key`).
    """

    def __init__(self):
        self.reset()

    def reset(self):
        self._fwd = OIBTree()          # reversed number -> docid
        self._rev = IOBTree()          # docid -> reversed number

    def index_doc(self, docid, obj):
        number = getattr(obj, 'number', None)
        key = number_key(number) if number else None
        old = self._rev.get(docid)
        if old == key:
            return
        if old is not None:
            if self._fwd.get(old) == docid:
                del self._fwd[old]
            del self._rev[docid]
        if key is not None:
            self._fwd[key] = docid
            self._rev[docid] = key

    reindex_doc = index_doc

    def unindex_doc(self, docid):
        old = self._rev.get(docid)
        if old is not None:
            if self._fwd.get(old) == docid:
                del self._fwd[old]
            del self._rev[docid]

    def docid_for(self, number):
        return self._fwd.get(number_key(number))

    def number_of(self, docid):
        key = self._rev.get(docid)
        return number_key(key) if key else None

    def indexed_count(self):
        return len(self._rev)


#: what the work queues keep of a case, in order (an inbox's table: see cases.inbox)
ROW = ('path', 'number', 'service', 'citizen', 'state', 'deadline', 'assignee', 'submitted')
#: between the values of a row of the work queues
ROW_SEP = '\x1f'


class _queue_entry:
    """A case's place in the work queues: (scopes, state, (deadline, moment filed), row).

    Cases only, once submitted (a draft is the citizen's alone). The row is
    what an inbox shows of the case, the values of :data:`ROW` in its order.
    """

    def __call__(self, obj, default):
        if getattr(obj, 'content_type', None) != 'Case':
            return default
        state = getattr(obj, 'state', None)
        if not state or state == 'draft':
            return default
        scopes = ((DEPARTMENT, obj.department or ''),
                  (SERVICE, getattr(obj, 'service_path', None) or ''),
                  (ASSIGNEE, obj.assignee or NOBODY))
        parent = obj.__parent__
        row = (resource_path(obj), obj.number or '', obj.title or '',
               (getattr(parent, 'title', '') or '') if parent is not None else '', state,
               obj.deadline.isoformat() if obj.deadline else '', obj.assignee or '',
               obj.submitted.isoformat() if obj.submitted else '')
        # one string (a tuple of eight costs a submission's commit a third more)
        return scopes, state, (obj.deadline, obj.submitted), ROW_SEP.join(
            v.replace(ROW_SEP, ' ') for v in row)


class _state(_attr):
    """The workflow state; a case's draft is left out (no inbox lists drafts, and a
    submission then only adds to the "submitted" set: removing eight drafts at
    once from the drafts' set is a change ZODB cannot always merge)."""

    def __call__(self, obj, default):
        value = getattr(obj, 'state', None)
        if not value or (value == 'draft' and getattr(obj, 'content_type', None) == 'Case'):
            return default
        return value


def _title(obj, default):
    title = getattr(obj, 'title', None) or obj.__name__
    return fold(title) if title else default


def _name(obj, default):
    return obj.__name__ or default


def _text(obj, default):
    text = getattr(obj, 'searchable_text', None)
    if callable(text):
        text = text()
    else:
        text = ' '.join(filter(None, (getattr(obj, 'title', ''),
                                      getattr(obj, 'description', ''))))
    return text or default


def _owner(obj, default):
    owners = getattr(obj, 'owners', None)
    return list(owners) if owners else default


class _date(_attr):
    """Discriminator turning a date/datetime attribute into a UTC timestamp.

    Datetimes are indexed to the hour: a microsecond timestamp would make
    every change a new key at the end of the index's BTree, and ZODB cannot
    merge two transactions appending there (each concurrent save of a case
    would conflict). Within an hour concurrent saves share one key, whose
    docid set soon spans many buckets, so their inserts rarely meet (a set per
    minute stayed small and split under every burst of submissions).
    """

    def __call__(self, obj, default):
        value = getattr(obj, self.name, None)
        if isinstance(value, datetime.datetime):
            return float(int(value.timestamp()) // 3600 * 3600)
        if isinstance(value, datetime.date):
            return datetime.datetime(value.year, value.month, value.day,
                                     tzinfo=datetime.timezone.utc).timestamp()
        return default


def allowed_principals(obj, permission=VIEW):
    """Principals that hold ``permission`` on ``obj`` (for the allowed index).

    Every principal named in an ACL of the lineage is tried together with
    Everyone (which every user holds). Users holding local roles in the
    lineage are expanded to their own principal, because a local role is
    only valid below the resource that grants it.
    """
    helper = ACLHelper()
    candidates = set()
    local = {}
    for res in lineage(obj):
        for ace in getattr(res, '__acl__', ()) or ():
            candidates.add(ace[1])
        for userid, roles in get_local_roles(res).items():
            local.setdefault(userid, set()).update(roles)
    allowed = []
    for principal in sorted(candidates):
        principals = [Everyone] if principal == Everyone else [Everyone, principal]
        if helper.permits(obj, principals, permission):
            allowed.append(principal)
    for userid, roles in sorted(local.items()):
        principals = [Everyone, Authenticated, user_principal(userid)]
        principals += [role(r) for r in sorted(roles)]
        if helper.permits(obj, principals, permission):
            allowed.append(user_principal(userid))
    return allowed


def _allowed(obj, default):
    return allowed_principals(obj)


INDEXES = {
    'path': lambda: KeywordIndex(_ancestor_paths),
    'parent': lambda: PortalFieldIndex(_parent),
    'name': lambda: PortalFieldIndex(_name),
    'content_type': lambda: PortalFieldIndex(_attr('content_type')),
    'interfaces': lambda: KeywordIndex(_interfaces),
    'text': lambda: make_text_index(_text),
    'title': lambda: PortalFieldIndex(_title),
    'state': lambda: PortalFieldIndex(_state('state')),
    'department': lambda: PortalFieldIndex(_attr('department')),
    'owner': lambda: KeywordIndex(_owner),
    'created': lambda: PortalFieldIndex(_date('created')),
    'modified': lambda: PortalFieldIndex(_date('modified')),
    # cases (inboxes, dashboard)
    'assignee': lambda: PortalFieldIndex(_attr('assignee')),
    'service': lambda: PortalFieldIndex(_attr('service_path')),
    'number': NumberIndex,
    'queue': lambda: QueueIndex(_queue_entry()),
    'submitted': lambda: PortalFieldIndex(_date('submitted')),
    'decided': lambda: PortalFieldIndex(_date('decided')),
    'allowed': lambda: KeywordIndex(_allowed),
}


class Catalog(Persistent):
    """hypatia indexes + docid map, owned by the portal root."""

    def __init__(self):
        self.indexes = HypatiaCatalog()
        self.docid_to_path = IOBTree()
        self.path_to_docid = OIBTree()
        self._next_docid = Length(0)
        self.ensure_indexes()

    def ensure_indexes(self):
        """Add indexes missing from INDEXES; return the names added."""
        added = []
        for name, factory in INDEXES.items():
            if name not in self.indexes:
                self.indexes[name] = factory()
                added.append(name)
        return added

    def __getitem__(self, name):
        return self.indexes[name]

    def __len__(self):
        return len(self.docid_to_path)

    def _new_docid(self):
        # random ids, as Substance D and repoze.catalog do: concurrent
        # transactions indexing new objects then insert into different
        # buckets of the docid maps and the indexes, and ZODB merges them;
        # serial ids made them collide on the same key (a ConflictError each)
        while True:
            docid = _random.randrange(1, DOCID_MAX)
            if docid not in self.docid_to_path:
                return docid

    def docid_for(self, obj):
        return self.path_to_docid.get(resource_path(obj))

    def index(self, obj):
        path = resource_path(obj)
        docid = self.path_to_docid.get(path)
        if docid is None:
            docid = self._new_docid()
            self.docid_to_path[docid] = path
            self.path_to_docid[path] = docid
            self.indexes.index_doc(docid, obj)
        else:
            self.indexes.reindex_doc(docid, obj)
        return docid

    reindex = index

    def reindex_index(self, obj, names):
        """Reindex only the named indexes of ``obj`` (e.g. 'allowed')."""
        docid = self.docid_for(obj)
        if docid is None:
            return self.index(obj)
        for name in names:
            self.indexes[name].reindex_doc(docid, obj)
        return docid

    def unindex(self, obj=None, path=None):
        path = path or resource_path(obj)
        docid = self.path_to_docid.get(path)
        if docid is None:
            return None
        self.indexes.unindex_doc(docid)
        del self.path_to_docid[path]
        del self.docid_to_path[docid]
        return docid

    def clear(self):
        self.indexes.reset()
        self.docid_to_path.clear()
        self.path_to_docid.clear()

    def resolver(self, root):
        """A function docid -> resource (None if it vanished)."""
        def resolve(docid):
            path = self.docid_to_path.get(docid)
            if path is None:
                return None
            try:
                return find_resource(root, path)
            except KeyError:
                return None
        return resolve
