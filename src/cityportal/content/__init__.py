"""Generic content machinery: the type registry and the generic views.

Content types declare their metadata on the class (``content_type``,
``type_title``, ``addable``, ``add_permission``, ``schema``) and are
registered with ``config.add_content_type(cls)``; the generic contents,
add, edit and delete views read that data.
"""
from persistent import Persistent
from zope.interface import implementer

from ..folder import ContentType, utcnow
from ..interfaces import IContent


@implementer(IContent)
class Item(ContentType, Persistent):
    """A leaf content object (not a container)."""

    __name__ = None
    __parent__ = None

    def __init__(self, title='', **kw):
        self.title = title
        self.created = self.modified = utcnow()
        for key, value in kw.items():
            setattr(self, key, value)


def get_content_types(registry):
    return getattr(registry, 'cityportal_content_types', {})


def add_content_type(config, cls):
    """Register ``cls`` (its ``content_type`` names it) for the generic views."""
    def register():
        types = getattr(config.registry, 'cityportal_content_types', None)
        if types is None:
            types = config.registry.cityportal_content_types = {}
        types[cls.content_type] = cls
    config.action(('cityportal-content-type', cls.content_type), register)


def includeme(config):
    config.add_directive('add_content_type', add_content_type)
    config.scan(__name__)
