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
from ..schemas import line_node, lines_node, text_node, title_node
from . import text as sheet_text

#: the fields a definition file sets on a Service (the file's keys, renamed)
DEFINITION_FIELDS = (
    'title', 'description', 'body', 'who_can_apply', 'how_to_apply', 'documents', 'fee',
    'legal_basis', 'deadline', 'tacit_approval', 'output_document', 'keywords', 'related',
    'detail', 'to_confirm', 'source_url', 'form_intro', 'form_fields', 'status',
    'unavailable_message', 'department',
)


def normalize_document(doc):
    """A required document in one canonical shape (file and web forms agree)."""
    out = {'name': doc['name'].strip(), 'mandatory': bool(doc.get('mandatory', True)),
           'obtained_by_city': bool(doc.get('obtained_by_city', False))}
    note = (doc.get('note') or '').strip()
    if note:
        out['note'] = note
    return out


def normalize_how_to_apply(how):
    out = {'online': bool(how.get('online')), 'counter': bool(how.get('counter'))}
    if how.get('by_post'):
        out['by_post'] = True
    details = (how.get('details') or '').strip()
    if details:
        out['details'] = details
    return out


def _text(value):
    return (value or '').strip()


def definition_values(definition):
    """The Service attribute values a definition (parsed YAML) describes.

    Texts are stripped and nested values put in one canonical shape, so a
    value that went unchanged through the web form compares equal to it.
    """
    form = definition.get('form', {})
    return {
        'title': _text(definition['title']),
        'description': _text(definition['summary']),
        'body': _text(definition.get('description')),
        'who_can_apply': _text(definition.get('who_can_apply')),
        'how_to_apply': normalize_how_to_apply(definition.get('how_to_apply', {})),
        'documents': tuple(normalize_document(d) for d in definition.get('documents', ())),
        'fee': dict(definition.get('fee', {'kind': 'unknown'})),
        'legal_basis': tuple(definition.get('legal_basis', ())),
        'deadline': dict(definition['deadline']) if definition.get('deadline') else None,
        'tacit_approval': definition.get('tacit_approval', 'unknown'),
        'output_document': _text(definition.get('output_document')),
        'keywords': tuple(definition.get('keywords', ())),
        'related': tuple(definition.get('related', ())),
        'detail': definition.get('detail', 'short'),
        'to_confirm': tuple(definition.get('to_confirm', ())),
        'source_url': definition.get('source_url', ''),
        'form_intro': form.get('intro', ''),
        'form_fields': tuple(dict(f) for f in form.get('fields', ())),
        'status': definition.get('status', 'available'),
        'unavailable_message': _text(definition.get('unavailable_message')),
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


def _choice(values, title, default, **kw):
    return colander.SchemaNode(
        colander.String(), title=title, default=default, missing=default,
        validator=colander.OneOf([v for v, _t in values],
                                 msg_err=_('Alegeți una dintre variantele din listă.')),
        widget=deform.widget.SelectWidget(values=values), **kw)


class DocumentSchema(colander.MappingSchema):
    name = line_node(_('Documentul'), max=400)
    mandatory = colander.SchemaNode(colander.Boolean(), title=_('Obligatoriu'),
                                    missing=True, default=True)
    obtained_by_city = colander.SchemaNode(
        colander.Boolean(), title=_('Îl obține primăria (cetățeanul nu îl aduce)'),
        missing=False, default=False)
    note = line_node(_('Notă'), max=1000)


class DocumentsSchema(colander.SequenceSchema):
    document = DocumentSchema(title=_('Document'))


FEE_KINDS = (('unknown', _('Nestabilit (de confirmat)')), ('free', _('Gratuit')),
             ('fixed', _('Sumă fixă')), ('computed', _('Se calculează')))


class FeeSchema(colander.MappingSchema):
    kind = _choice(FEE_KINDS, _('Tipul taxei'), 'unknown')
    amount_lei = colander.SchemaNode(colander.Float(), title=_('Suma (lei)'), missing=None,
                                     validator=colander.Range(min=0, max=1000000))
    details = text_node(_('Detalii (modul de calcul)'), max=2000, rows=2)

    def validator(self, node, value):
        if value['kind'] == 'fixed' and value.get('amount_lei') is None:
            raise colander.Invalid(node['amount_lei'], _('Indicați suma.'))


DAY_KINDS = (('calendar', _('zile calendaristice')), ('working', _('zile lucrătoare')))


class DeadlineSchema(colander.MappingSchema):
    days = colander.SchemaNode(colander.Integer(), title=_('Termen (zile); gol: nestabilit'),
                               missing=None, validator=colander.Range(min=1, max=365))
    kind = _choice(DAY_KINDS, _('Tipul zilelor'), 'calendar')
    extension_days = colander.SchemaNode(colander.Integer(), title=_('Prelungire (zile)'),
                                         missing=None, validator=colander.Range(min=1, max=365))
    basis = line_node(_('Temeiul termenului'), max=400)


class HowToApplySchema(colander.MappingSchema):
    online = colander.SchemaNode(colander.Boolean(), title=_('Online'), missing=False)
    counter = colander.SchemaNode(colander.Boolean(), title=_('La ghișeu'), missing=False)
    by_post = colander.SchemaNode(colander.Boolean(), title=_('Prin poștă'), missing=False)
    details = text_node(_('Detalii'), max=3000, rows=2)


TACIT = (('unknown', _('De confirmat')), ('yes', _('Da')), ('no', _('Nu')))
STATUS = (('available', _('Disponibil')), ('unavailable', _('Temporar indisponibil')))


class ServiceSchema(colander.MappingSchema):
    """Every fact of the sheet, editable through the web, in the sheet's order."""
    title = title_node()
    description = text_node(_('Ce este (pe scurt)'), max=600, rows=3)
    body = text_node(_('Descriere detaliată'), max=20000, rows=10,
                     description=_('Paragrafe despărțite de un rând gol; liste cu „- ”; '
                                   '**text îngroșat**.'))
    who_can_apply = text_node(_('Cine poate solicita'), max=3000, rows=3)
    documents = DocumentsSchema(
        title=_('Documente necesare'), missing=(),
        description=_('Pentru a scoate un document, goliți-i numele. Ultimele rânduri goale '
                      'servesc la adăugarea de documente noi.'))
    fee = FeeSchema(title=_('Cost'))
    deadline = DeadlineSchema(title=_('Termen'))
    tacit_approval = _choice(TACIT, _('Aprobare tacită'), 'unknown')
    how_to_apply = HowToApplySchema(title=_('Cum se depune'))
    legal_basis = lines_node(_('Temei legal (câte un act pe rând)'), max_lines=20)
    department = colander.SchemaNode(
        colander.String(), title=_('Departament responsabil'),
        widget=department_widget, missing='')
    output_document = line_node(_('Documentul eliberat'))
    keywords = lines_node(_('Cuvinte cheie (câte unul pe rând)'), max_lines=30)
    status = _choice(STATUS, _('Disponibilitate'), 'available')
    unavailable_message = line_node(_('Mesaj când serviciul nu este disponibil'), max=500)
    effective = colander.SchemaNode(
        colander.Date(), title=_('Publicat de la (opțional)'), missing=None,
        widget=deform.widget.TextInputWidget(attributes={'type': 'date'}))
    expires = colander.SchemaNode(
        colander.Date(), title=_('Publicat până la (opțional)'), missing=None,
        widget=deform.widget.TextInputWidget(attributes={'type': 'date'}))

    def validator(self, node, value):
        if value.get('status') == 'unavailable' and not value.get('unavailable_message'):
            raise colander.Invalid(node['unavailable_message'],
                                   _('Scrieți mesajul afișat cât timp serviciul nu e disponibil.'))
        if value.get('effective') and value.get('expires') and \
                value['expires'] <= value['effective']:
            raise colander.Invalid(node['expires'], _('Data de sfârșit este înaintea celei de început.'))


#: empty document rows offered for additions (the sequence needs no JavaScript)
SPARE_DOCUMENT_ROWS = 2


def service_appstruct(service):
    """The edit form's values for ``service``."""
    deadline = dict(service.deadline) if service.deadline else {}
    return {
        'title': service.title, 'description': service.description, 'body': service.body,
        'who_can_apply': service.who_can_apply,
        'documents': [dict({'note': ''}, **d) for d in service.documents] +
                     [{'name': '', 'mandatory': True, 'obtained_by_city': False, 'note': ''}
                      for _i in range(SPARE_DOCUMENT_ROWS)],
        'fee': dict({'amount_lei': None, 'details': ''}, **(service.fee or {})),
        'deadline': {'days': deadline.get('days'), 'kind': deadline.get('kind', 'calendar'),
                     'extension_days': deadline.get('extension_days'),
                     'basis': deadline.get('basis', '')},
        'tacit_approval': service.tacit_approval,
        'how_to_apply': dict({'by_post': False, 'details': ''}, **(service.how_to_apply or {})),
        'legal_basis': tuple(service.legal_basis), 'department': service.department,
        'output_document': service.output_document, 'keywords': tuple(service.keywords),
        'status': service.status, 'unavailable_message': service.unavailable_message,
        'effective': service.effective, 'expires': service.expires,
    }


def service_values(appstruct):
    """Attribute values from the edit form's data (the inverse of service_appstruct)."""
    values = dict(appstruct)
    values['documents'] = tuple(normalize_document(d) for d in appstruct['documents']
                                if (d.get('name') or '').strip())
    fee = {k: v for k, v in appstruct['fee'].items() if v not in ('', None)}
    if fee['kind'] != 'fixed':
        fee.pop('amount_lei', None)
    values['fee'] = fee
    deadline = appstruct['deadline']
    values['deadline'] = None if not deadline.get('days') else {
        k: v for k, v in deadline.items() if v not in ('', None)}
    values['how_to_apply'] = normalize_how_to_apply(appstruct['how_to_apply'])
    values['legal_basis'] = tuple(appstruct['legal_basis'])
    values['keywords'] = tuple(appstruct['keywords'])
    return values


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

    @staticmethod
    def values_from_form(appstruct):
        return service_values(appstruct)

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
