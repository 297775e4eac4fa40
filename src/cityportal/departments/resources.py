"""Departments: letterhead, contact data, staff (local roles)."""
import colander
from zope.interface import implementer

from ..folder import Folder, OrderedFolder
from ..i18n import _
from ..interfaces import IDepartment, IDepartments
from ..security import MANAGE_SITE
from ..schemas import line_node, lines_node, text_node, title_node


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

    @property
    def department(self):
        return self.__name__
