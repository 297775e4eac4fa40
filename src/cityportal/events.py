"""Object events, typed by interface.

Folders emit them on add and remove; api functions emit ObjectModified after
an edit. Subscribers (catalog indexing, audit) are registered with
``config.add_subscriber(handler, IObjectAdded)`` in each package's includeme.
"""
from zope.interface import implementer

from .interfaces import (
    ILocalRolesChanged,
    IObjectAdded,
    IObjectModified,
    IObjectRemoved,
    IObjectWillBeRemoved,
)


class _ObjectEvent:
    registry = None

    def __init__(self, object, parent=None, name=None):
        self.object = object
        self.parent = parent
        self.name = name


@implementer(IObjectAdded)
class ObjectAdded(_ObjectEvent):
    """Sent after an object was stored in a folder."""


@implementer(IObjectWillBeRemoved)
class ObjectWillBeRemoved(_ObjectEvent):
    """Sent before an object leaves its folder; it is still reachable."""


@implementer(IObjectRemoved)
class ObjectRemoved(_ObjectEvent):
    """Sent after an object left its folder."""


@implementer(IObjectModified)
class ObjectModified(_ObjectEvent):
    """Sent after an object's attributes changed."""


@implementer(ILocalRolesChanged)
class LocalRolesChanged(_ObjectEvent):
    """Sent after the local roles of ``object`` changed."""


def notify(registry, event):
    """Send ``event`` through ``registry``; a None registry sends nothing.

    Resource code never reaches for a threadlocal registry: the caller (an
    api function, a view, a script) passes the one it has.
    """
    if registry is not None:
        event.registry = registry   # subscribers that send events of their own use it
        registry.notify(event)
