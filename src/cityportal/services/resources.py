"""The service catalog: /servicii, its categories and service pages.

Foundation keeps the types small (title, description, department, keywords);
the service catalog issue grows them into full service sheets.
"""
import colander
import deform
from zope.interface import implementer

from ..content import Item
from ..folder import OrderedFolder
from ..i18n import _
from ..interfaces import ICategory, IService, IServiceCatalog
from ..schemas import lines_node, text_node, title_node


class CategorySchema(colander.MappingSchema):
    title = title_node()
    description = text_node(_('Descriere'))


@colander.deferred
def department_widget(node, kw):
    request = kw['request']
    departments = request.root['departamente']
    values = [('', _('— alegeți —'))]
    values += [(name, dep.title) for name, dep in departments.items()]
    return deform.widget.SelectWidget(values=values)


class ServiceSchema(colander.MappingSchema):
    title = title_node()
    description = text_node(_('Descriere scurtă'), max=600, rows=3)
    department = colander.SchemaNode(
        colander.String(), title=_('Departament responsabil'),
        widget=department_widget, missing='')
    keywords = lines_node(_('Cuvinte cheie (câte unul pe rând)'), max_lines=20)


@implementer(IServiceCatalog)
class ServiceCatalog(OrderedFolder):
    deletable = False   # a fixed part of the tree (root.bootstrap)
    content_type = 'ServiceCatalog'
    type_title = _('Catalog de servicii')
    addable = ('Category',)


@implementer(ICategory)
class Category(OrderedFolder):
    content_type = 'Category'
    type_title = _('Categorie')
    addable = ('Service',)
    schema = CategorySchema


@implementer(IService)
class Service(Item):
    content_type = 'Service'
    type_title = _('Serviciu')
    schema = ServiceSchema
    department = ''
    keywords = ()
    state = 'published'

    def searchable_text(self):
        return ' '.join([self.title or '', self.description or '',
                         ' '.join(self.keywords or ())])
