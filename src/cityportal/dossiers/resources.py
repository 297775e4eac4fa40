"""/dosare: one dossier per citizen (created at first ROeID login, issue 4)."""
from pyramid.authorization import Allow
from zope.interface import implementer

from ..folder import Folder
from ..i18n import _
from ..interfaces import IDossiers
from ..security import private_acl


@implementer(IDossiers)
class Dossiers(Folder):
    """Private: only a dossier's owner and the staff working its cases see inside."""
    deletable = False   # a fixed part of the tree (root.bootstrap)
    content_type = 'Dossiers'
    type_title = _('Dosare')
    __acl__ = private_acl()
