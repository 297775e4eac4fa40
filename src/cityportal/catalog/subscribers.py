"""Keep the catalog current from object events."""
from pyramid.location import lineage

from ..interfaces import IFolder, IPortalRoot


def _catalog_of(obj):
    for res in lineage(obj):
        if IPortalRoot.providedBy(res):
            return getattr(res, 'catalog', None)
    return None


def walk(obj):
    """``obj`` and all its descendants, depth first."""
    yield obj
    if IFolder.providedBy(obj):
        for child in obj.values():
            yield from walk(child)


def object_added(event):
    """Index the new object and whatever it brings along."""
    catalog = _catalog_of(event.object)
    if catalog is not None:
        for obj in walk(event.object):
            catalog.index(obj)


def object_will_be_removed(event):
    """Unindex the subtree while its paths still resolve."""
    catalog = _catalog_of(event.object)
    if catalog is not None:
        for obj in walk(event.object):
            catalog.unindex(obj)


def object_modified(event):
    """Reindex the changed object's own entry (and, for a dossier, its cases' rows
    in the work queues, which show the holder's name)."""
    from ..interfaces import IDossier
    catalog = _catalog_of(event.object)
    if catalog is not None:
        catalog.reindex(event.object)
        if IDossier.providedBy(event.object):
            for child in event.object.values():
                if getattr(child, 'content_type', None) == 'Case':
                    catalog.reindex_index(child, ['queue'])


def local_roles_changed(event):
    """Who may see the subtree changed: refresh its allowed index."""
    catalog = _catalog_of(event.object)
    if catalog is not None:
        for obj in walk(event.object):
            catalog.reindex_index(obj, ['allowed'])
