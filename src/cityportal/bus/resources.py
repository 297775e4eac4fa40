"""/integrari: the integration bus (endpoints, jobs, runs, outbox, dead letters)."""
from pyramid.authorization import Allow
from zope.interface import implementer

from ..folder import Folder
from ..i18n import _
from ..interfaces import IIntegrations
from ..security import (
    MANAGE_INTEGRATIONS, STAFF_AREA, VIEW, VIEW_AUDIT, OPERATOR, private_acl, role)


@implementer(IIntegrations)
class Integrations(Folder):
    """Operators only."""
    deletable = False   # a fixed part of the tree (root.bootstrap)
    content_type = 'Integrations'
    type_title = _('Integrări')
    __acl__ = private_acl(
        (Allow, role(OPERATOR), (VIEW, MANAGE_INTEGRATIONS, STAFF_AREA, VIEW_AUDIT)),
    )
    outbox = None

    def __init__(self, title='', **kw):
        super().__init__(title, **kw)
        # made with the site, not on the first message: concurrent first
        # submissions would all create it and conflict
        from .outbox import Outbox
        self.outbox = Outbox()
