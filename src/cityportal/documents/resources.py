"""/documente: public verification of issued documents by their code."""
from zope.interface import implementer

from ..folder import Folder
from ..i18n import _
from ..interfaces import IDocuments


@implementer(IDocuments)
class Documents(Folder):
    deletable = False   # a fixed part of the tree (root.bootstrap)
    content_type = 'Documents'
    type_title = _('Documente emise')
