"""Departments: letterhead, contact data, staff (local roles)."""
import colander
import deform
from zope.interface import implementer

from ..folder import Folder, OrderedFolder
from ..i18n import _
from ..interfaces import IDepartment, IDepartments
from ..security import MANAGE_SITE
from ..schemas import line_node, lines_node, text_node, title_node


CAPACITIES = (
    ('titular', _('titular')),
    ('p', _('p. (pentru, în locul titularului)')),
    ('delegare', _('prin delegare')),
    ('interimar', _('interimar')),
)


class SignatorySchema(colander.MappingSchema):
    person = line_node(_('Persoana'), max=200)
    function = line_node(_('Funcția'), max=200)
    capacity = colander.SchemaNode(
        colander.String(), title=_('Calitatea în care semnează'), missing='titular',
        default='titular', validator=colander.OneOf([c for c, _t in CAPACITIES]),
        widget=deform.widget.SelectWidget(values=CAPACITIES))
    userid = line_node(_('Contul de personal (opțional)'), max=100)


class SignatoriesSchema(colander.SequenceSchema):
    signatory = SignatorySchema(title=_('Semnatar'))


class DepartmentSchema(colander.MappingSchema):
    title = title_node(_('Denumire'))
    description = text_node(_('Descriere'))
    letterhead = lines_node(
        _('Antet (câte un nivel pe rând)'), max_lines=8,
        description=_('De exemplu: ROMÂNIA / JUDEȚUL TIMIȘ / MUNICIPIUL TIMIȘOARA / …'))
    address = line_node(_('Adresă'))
    phone = line_node(_('Telefon'), max=40)
    email = colander.SchemaNode(colander.String(), title=_('E-mail'), missing='',
                                validator=colander.Email(_('Adresă de e-mail invalidă.')))
    public_hours = text_node(_('Program cu publicul'), max=500, rows=3)
    head = line_node(_('Conducătorul departamentului'), max=200)
    head_function = line_node(_('Funcția conducătorului'), max=200)
    signatories = SignatoriesSchema(
        title=_('Semnatari'), missing=(),
        description=_('Cine semnează documentele departamentului, cu funcția și calitatea '
                      '(titular, „p.”, prin delegare). Pentru a scoate un semnatar, goliți-i numele.'))


@implementer(IDepartments)
class Departments(OrderedFolder):
    deletable = False   # a fixed part of the tree (root.bootstrap)
    content_type = 'Departments'
    type_title = _('Departamente')
    addable = ('Department',)


@implementer(IDepartment)
class Department(Folder):
    content_type = 'Department'
    type_title = _('Departament')
    #: a department carries staff roles and case routing: managers only
    delete_permission = MANAGE_SITE
    schema = DepartmentSchema
    letterhead = ()
    address = phone = email = public_hours = ''
    head = head_function = ''
    #: (person, function, capacity, userid) dicts, in signing order
    signatories = ()

    @staticmethod
    def values_from_form(appstruct):
        values = dict(appstruct)
        if 'signatories' in values:
            values['signatories'] = tuple(
                {k: (v or '').strip() for k, v in s.items()}
                for s in values['signatories'] if (s.get('person') or '').strip())
        return values

    @property
    def department(self):
        return self.__name__
