"""The portal root, the idempotent bootstrap and the root factory."""
from BTrees.Length import Length
from pyramid_zodbconn import get_connection
from zope.interface import implementer

from .audit import AuditLog
from .catalog import Catalog
from .folder import Folder
from .i18n import _
from .interfaces import IPortalRoot
from .security import ROOT_ACL

APP_ROOT_KEY = 'cityportal'


@implementer(IPortalRoot)
class PortalRoot(Folder):
    """Site settings, local roles, the catalog and the audit log."""
    content_type = 'PortalRoot'
    type_title = _('Portal')
    __acl__ = ROOT_ACL
    generation = 0

    def __init__(self, title=''):
        super().__init__(title)
        self.catalog = Catalog()
        self.audit = AuditLog()
        self.content_generation = Length(0)
        self.__local_roles__ = {}


def _tree():
    # imported here: the domain packages import from root's neighbours
    from .accounts.resources import StaffUsers
    from .bus.resources import Integrations
    from .departments.resources import Departments
    from .documents.resources import Documents
    from .dossiers.resources import Dossiers
    from .services.resources import ServiceCatalog
    return (
        ('servicii', ServiceCatalog, _('Servicii')),
        ('departamente', Departments, _('Departamente')),
        ('dosare', Dossiers, _('Dosare')),
        ('documente', Documents, _('Documente')),
        ('integrari', Integrations, _('Integrări')),
        ('utilizatori', StaffUsers, _('Utilizatori')),
    )


def bootstrap(zodb_root, registry=None):
    """Create the application root and the top-level tree if missing.

    Idempotent: running it on a complete site changes nothing. Returns the
    application root. Does not commit.
    """
    from .evolve import latest_generation
    app_root = zodb_root.get(APP_ROOT_KEY)
    if app_root is None:
        app_root = PortalRoot('Primăria Municipiului Timișoara')
        app_root.generation = latest_generation()
        zodb_root[APP_ROOT_KEY] = app_root
        app_root.catalog.index(app_root)
    for name, factory, title in _tree():
        if name not in app_root:
            # mapping the translation string to plain text: stored titles
            # are data (Romanian), the UI translates its own strings
            app_root.add(name, factory(str(title)), registry=registry)
    return app_root


def root_factory(request):
    conn = get_connection(request)
    zodb_root = conn.root()
    app_root = zodb_root.get(APP_ROOT_KEY)
    if app_root is None:
        app_root = bootstrap(zodb_root, request.registry)
    return app_root
