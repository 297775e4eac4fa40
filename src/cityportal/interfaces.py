"""Marker interfaces and contracts.

Resources are typed by these markers; views, subscribers and catalog
discriminators are registered against them, never against classes.
"""
from zope.interface import Attribute, Interface


class IContent(Interface):
    """A persistent, location-aware resource of the content tree."""
    __name__ = Attribute('Name within the parent')
    __parent__ = Attribute('The containing resource')


class IFolder(IContent):
    """A BTree-backed container of content."""


class IOrderedFolder(IFolder):
    """A folder whose children keep an explicit order."""


class IPortalRoot(IFolder):
    """The root of the portal (site settings, local roles)."""


class IServiceCatalog(IFolder):
    """/servicii: categories and service pages."""


class ICategory(IOrderedFolder):
    """A life event or theme grouping services."""


class IService(IContent):
    """A service page (sheet) of the catalog."""


class IDepartments(IFolder):
    """/departamente."""


class IDepartment(IFolder):
    """A department: letterhead, signatories, staff, inbox."""


class IDossiers(IFolder):
    """/dosare: one dossier per citizen."""


class IDossier(IFolder):
    """A citizen's personal dossier."""


class ICase(IContent):
    """A citizen's request: form answers, files, legal clock, trail (in a dossier)."""


class IDocuments(IFolder):
    """/documente: public verification of issued documents."""


class IIntegrations(IFolder):
    """/integrari: the integration bus (operators only)."""


class IStaffUsers(IFolder):
    """/utilizatori: local staff accounts."""


class IStaffUser(IContent):
    """A local staff account (argon2 password hash, roles)."""


class IObjectEvent(Interface):
    object = Attribute('The subject of the event')


class IObjectAdded(IObjectEvent):
    parent = Attribute('The folder the object was added to')
    name = Attribute('The name under which it was added')


class IObjectWillBeRemoved(IObjectEvent):
    parent = Attribute('The folder the object is about to leave')
    name = Attribute('Its name in that folder')


class IObjectRemoved(IObjectEvent):
    parent = Attribute('The folder the object left')
    name = Attribute('Its former name')


class IObjectModified(IObjectEvent):
    """Attributes of the object changed; it must be reindexed."""


class ILocalRolesChanged(IObjectEvent):
    """The local roles (hence effective permissions) of a subtree changed."""


class IMailer(Interface):
    def send(tm, to, subject, text, html=None, reply_to=None):
        """Queue a message; sent only after ``tm``'s transaction commits (else an outbox file)."""

    def flush_outbox(now=None):
        """Retry the messages whose delivery failed; return counts."""
