"""The service catalog: /servicii, its categories and service sheets.

A Service holds the facts of one service sheet, in the order the sheet shows
them (ce este, cine poate solicita, documente necesare, cost, termen, cum se
depune, temei legal, departament) plus its online form's field list. Its
data come from schemas/services/<id>.yaml through the importer, and editors
change them through the web; ``imported`` remembers what the importer last
wrote, so a re-import never overwrites an editor's change silently.
"""
import colander
import deform
from zope.interface import implementer

from ..content import Item
from ..folder import OrderedFolder
from ..i18n import _
from ..interfaces import ICategory, IService, IServiceCatalog
from ..schemas import lines_node, text_node, title_node
from . import text as sheet_text

#: the fields a definition file sets on a Service (the file's keys, renamed)
DEFINITION_FIELDS = (
    'title', 'description', 'body', 'who_can_apply', 'how_to_apply', 'documents', 'fee',
    'legal_basis', 'deadline', 'tacit_approval', 'output_document', 'keywords', 'related',
    'detail', 'to_confirm', 'source_url', 'form_intro', 'form_fields', 'status',
    'unavailable_message', 'department',
)


def definition_values(definition):
    """The Service attribute values a definition (parsed YAML) describes."""
    form = definition.get('form', {})
    return {
        'title': definition['title'],
        'description': definition['summary'],
        'body': definition.get('description', ''),
        'who_can_apply': definition.get('who_can_apply', ''),
        'how_to_apply': dict(definition.get('how_to_apply', {})),
        'documents': tuple(dict(d) for d in definition.get('documents', ())),
        'fee': dict(definition.get('fee', {'kind': 'unknown'})),
        'legal_basis': tuple(definition.get('legal_basis', ())),
        'deadline': dict(definition['deadline']) if definition.get('deadline') else None,
        'tacit_approval': definition.get('tacit_approval', 'unknown'),
        'output_document': definition.get('output_document', ''),
        'keywords': tuple(definition.get('keywords', ())),
        'related': tuple(definition.get('related', ())),
        'detail': definition.get('detail', 'short'),
        'to_confirm': tuple(definition.get('to_confirm', ())),
        'source_url': definition.get('source_url', ''),
        'form_intro': form.get('intro', ''),
        'form_fields': tuple(dict(f) for f in form.get('fields', ())),
        'status': definition.get('status', 'available'),
        'unavailable_message': definition.get('unavailable_message', ''),
        'department': definition['department'],
    }


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
    description = text_node(_('Ce este (pe scurt)'), max=600, rows=3)
    department = colander.SchemaNode(
        colander.String(), title=_('Departament responsabil'),
        widget=department_widget, missing='')
    keywords = lines_node(_('Cuvinte cheie (câte unul pe rând)'), max_lines=30)


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
    # defaults: a Service created through the web starts with these
    department = ''
    keywords = ()
    body = ''
    who_can_apply = ''
    how_to_apply = {'online': True, 'counter': True}
    documents = ()
    fee = {'kind': 'unknown'}
    legal_basis = ()
    deadline = None
    tacit_approval = 'unknown'
    output_document = ''
    related = ()
    detail = 'short'
    to_confirm = ()
    source_url = ''
    form_intro = ''
    form_fields = ()
    status = 'available'
    unavailable_message = ''
    #: editorial workflow (services/workflow.py); pages made on the web start as drafts
    state = 'draft'
    effective = None
    expires = None
    history = None
    #: field -> the value the importer last wrote (to detect editors' changes)
    imported = None

    @property
    def __acl__(self):
        from .workflow import acl_for
        return acl_for(self)

    def after_create(self, actor):
        """Made through the web by ``actor``: the page's first version."""
        from .workflow import record
        record(self, 'create', actor)

    @property
    def category(self):
        parent = self.__parent__
        return parent.__name__ if parent is not None else None

    @property
    def body_html(self):
        return sheet_text.render(self.body)

    def searchable_text(self):
        parts = [self.title or '', self.description or '', sheet_text.plain(self.body),
                 ' '.join(self.keywords or ()), self.output_document or '']
        parts.extend(d.get('name', '') for d in self.documents or ())
        return ' '.join(parts)
