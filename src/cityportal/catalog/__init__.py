"""Catalog: hypatia indexes kept current by object events.

Romanian diacritic folding (``folding.py``), the indexes and docid map
(``catalog.py``), permission-aware queries (``query.py``).
"""
from .catalog import Catalog, allowed_principals  # noqa: F401
from .folding import fold  # noqa: F401
from .query import Results, search, text_query  # noqa: F401


def includeme(config):
    from ..interfaces import (
        ILocalRolesChanged, IObjectAdded, IObjectModified, IObjectWillBeRemoved)
    from . import subscribers
    config.add_subscriber(subscribers.object_added, IObjectAdded)
    config.add_subscriber(subscribers.object_will_be_removed, IObjectWillBeRemoved)
    config.add_subscriber(subscribers.object_modified, IObjectModified)
    config.add_subscriber(subscribers.local_roles_changed, ILocalRolesChanged)
