"""A BTree-backed folder: the base of every container in the content tree.

Children live in an ``OOBTree`` keyed by name with a ``BTrees.Length`` for a
conflict-free count. Names are validated (they are URL path segments).
Adding and removing send object events through the registry passed in.
Listings are paged through a segment index (``_segments``: the first name
of every run of about SEGMENT names -> the run's length), kept current by
add and remove: ``page(offset, limit)`` sums a few hundred counts to find the
run holding ``offset``, then reads ``limit`` names from the BTree from there,
so page 500 of a 100,000-child folder costs what page 1 costs.
"""
import datetime
import re
from itertools import islice

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList
from zope.interface import implementer

from .events import ObjectAdded, ObjectRemoved, ObjectWillBeRemoved, notify
from .exceptions import DuplicateName, InvalidName
from .i18n import _
from .interfaces import IFolder, IOrderedFolder

MAX_NAME_LENGTH = 100
#: target length of a run of names in the paging index (split at twice that)
SEGMENT = 256
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
RESERVED_NAMES = frozenset({'static', 'deform_static', 'login', 'logout'})


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def validate_name(name):
    """Return ``name`` if it can be a child name, else raise InvalidName.

    A name is a URL segment: 1..100 characters, ASCII letters, digits, dot,
    dash and underscore, starting with a letter or digit (so never '@@view',
    '..', '.hidden' or '_private').
    """
    if not isinstance(name, str):
        raise InvalidName(_('Numele trebuie să fie text.'))
    if not name:
        raise InvalidName(_('Numele nu poate fi gol.'))
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidName(_('Numele poate avea cel mult ${max} de caractere.',
                            mapping={'max': MAX_NAME_LENGTH}))
    if not _NAME_RE.match(name):
        raise InvalidName(_(
            'Numele poate conține doar litere fără diacritice, cifre, „.”, '
            '„-” și „_” și trebuie să înceapă cu o literă sau o cifră.'))
    if name in RESERVED_NAMES:
        raise InvalidName(_('Numele „${name}” este rezervat.', mapping={'name': name}))
    return name


class ContentType:
    """Type metadata read by the generic views; data on the class.

    ``content_type``   stable type name (also the catalog's content_type)
    ``type_title``     human title (a translation string)
    ``addable``        type names that may be added into this container
    ``add_permission`` the permission needed to add one of these
    ``schema``         a colander schema factory for add/edit forms, or None
    ``deletable``      False for the fixed parts of the tree (/servicii, …)
    ``delete_permission`` needed on the object and its folder to delete it
    """
    content_type = None
    type_title = None
    addable = ()
    add_permission = 'add'
    schema = None
    deletable = True
    delete_permission = 'delete'
    title = ''
    description = ''

    def get_title(self):
        return self.title or self.__name__ or ''


@implementer(IFolder)
class Folder(ContentType, Persistent):
    """A container of named children stored in an OOBTree."""

    content_type = 'Folder'
    __name__ = None
    __parent__ = None

    def __init__(self, title='', **kw):
        self.title = title
        self.created = self.modified = utcnow()
        for key, value in kw.items():
            setattr(self, key, value)
        self._data = OOBTree()
        self._num = Length(0)
        self._segments = OOBTree()

    # mapping protocol -------------------------------------------------

    def __len__(self):
        return self._num()

    def __bool__(self):
        # a folder is a thing, not an empty sequence: ``if folder:`` is true
        return True

    def __contains__(self, name):
        return name in self._data

    def __getitem__(self, name):
        return self._data[name]

    def get(self, name, default=None):
        return self._data.get(name, default)

    def keys(self):
        return self._data.keys()

    def __iter__(self):
        return iter(self._data.keys())

    def values(self):
        return self._data.values()

    def items(self):
        return self._data.items()

    # mutation ---------------------------------------------------------

    def check_name(self, name):
        """Validate ``name`` and make sure it is free; return it."""
        validate_name(name)
        if name in self._data:
            raise DuplicateName(_('Există deja un element cu numele „${name}”.',
                                  mapping={'name': name}))
        return name

    def add(self, name, other, registry=None, send_events=True):
        """Store ``other`` under ``name`` and send ObjectAdded."""
        self.check_name(name)
        other.__parent__ = self
        other.__name__ = name
        self._data[name] = other
        self._num.change(1)
        self._after_add(name)
        if send_events:
            notify(registry, ObjectAdded(other, self, name))
        return other

    __setitem__ = None  # use add(): it validates and sends events

    def remove(self, name, registry=None, send_events=True):
        """Remove the child ``name``; send WillBeRemoved then Removed."""
        other = self._data[name]
        if send_events:
            notify(registry, ObjectWillBeRemoved(other, self, name))
        del self._data[name]
        self._num.change(-1)
        self._after_remove(name)
        if send_events:
            notify(registry, ObjectRemoved(other, self, name))
        other.__parent__ = None
        return other

    def _after_add(self, name):
        segments = self._segments
        if segments is None:
            return
        try:
            first = segments.maxKey(name)
        except ValueError:
            # ``name`` sorts before every run: it becomes the first run's start
            if not segments:
                segments[name] = 1
                return
            first = segments.minKey()
            count = segments.pop(first)
            first = name
            segments[first] = count + 1
        else:
            count = segments[first] + 1
            segments[first] = count
        if count >= 2 * SEGMENT:
            # split the run in two halves: the second starts SEGMENT names on
            middle = next(islice(self._data.keys(min=first), SEGMENT, None))
            segments[first] = SEGMENT
            segments[middle] = count - SEGMENT

    def _after_remove(self, name):
        segments = self._segments
        if segments is None:
            return
        first = segments.maxKey(name)
        count = segments[first] - 1
        if count <= 0:
            del segments[first]
        elif first == name:
            # the run's first name left: the next name (same run) starts it now
            del segments[first]
            segments[self._data.minKey(name)] = count
        else:
            segments[first] = count

    #: None on folders stored before the index existed (evolve step 4 builds it)
    _segments = None

    def rebuild_segments(self):
        """Build the paging index from the names (for folders stored without it)."""
        segments = OOBTree()
        count = 0
        first = None
        for name in self._data.keys():
            if count == 0:
                first = name
            count += 1
            if count == SEGMENT:
                segments[first] = count
                count = 0
        if count:
            segments[first] = count
        self._segments = segments

    # paging -----------------------------------------------------------

    def page(self, offset=0, limit=50, reverse=False):
        """Return up to ``limit`` (name, child) pairs starting at ``offset``.

        Seeks into the BTree's key sequence instead of iterating from the
        start, so deep pages cost the same as the first one.
        """
        n = len(self)
        if offset < 0 or offset >= n or limit <= 0:
            return []
        if reverse:
            end = n - offset
            start = max(0, end - limit)
            names = self._names_from(start, end - start)
            names.reverse()
        else:
            names = self._names_from(offset, limit)
        data = self._data
        return [(name, data[name]) for name in names]

    def _names_from(self, offset, limit):
        segments = self._segments
        if segments is None:      # an old folder not yet evolved: O(n) seek
            first = self._data.keys()[offset]
            return list(islice(self._data.keys(min=first), limit))
        seen = 0
        for first, count in segments.items():
            if seen + count > offset:
                skip = offset - seen
                return list(islice(self._data.keys(min=first), skip, skip + limit))
            seen += count
        return []


@implementer(IOrderedFolder)
class OrderedFolder(Folder):
    """A folder whose children keep an explicit order (small folders)."""

    content_type = 'OrderedFolder'

    def __init__(self, title='', **kw):
        super().__init__(title, **kw)
        self._order = PersistentList()
        self._segments = None   # paged through _order instead

    def _after_add(self, name):
        self._order.append(name)

    def _after_remove(self, name):
        self._order.remove(name)

    def keys(self):
        return list(self._order)

    def __iter__(self):
        return iter(list(self._order))

    def values(self):
        return [self._data[n] for n in self._order]

    def items(self):
        return [(n, self._data[n]) for n in self._order]

    def _names_from(self, offset, limit):
        return list(self._order[offset:offset + limit])

    def reorder(self, names):
        """Set a new order; ``names`` must be a permutation of the keys."""
        names = list(names)
        if sorted(names) != sorted(self._order):
            raise ValueError('reorder() needs exactly the current names')
        self._order[:] = names

    def move(self, name, delta):
        """Move ``name`` by ``delta`` positions (negative = up)."""
        i = self._order.index(name)
        j = max(0, min(len(self._order) - 1, i + delta))
        if i != j:
            self._order.pop(i)
            self._order.insert(j, name)
