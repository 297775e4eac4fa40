"""The field editor's pages: the list, add, modify, move and delete (with confirmation)."""
from pyramid.httpexceptions import HTTPBadRequest, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ...i18n import _
from ...interfaces import IService
from ...security import EDIT
from .fields import (
    comment_text, index_of, max_fields, save_fields, type_choices, type_title,
    with_moved, without)
from .forms import AddFieldForm, EditFieldForm

LIST = 'cityportal:services/templates/fieldeditor.pt'
CONFIRM = 'cityportal:services/templates/fieldeditor_delete.pt'


@view_config(context=IService, name='formular', permission=EDIT, renderer=LIST)
def field_list(context, request):
    """The form's fields in order, each with its actions, and the type list to add one."""
    fields = []
    for field in context.form_fields:
        fields.append({
            'name': field['name'], 'label': field['label'],
            'type_title': type_title(field['type']),
            'required': field.get('required', True),
            'edit_url': request.resource_url(context, '@@formular-modifica',
                                             query={'camp': field['name']}),
        })
    return {
        'fields': fields,
        'types': type_choices(),
        'can_add': len(fields) < max_fields(),
        'max_fields': max_fields(),
        'preview_url': request.resource_url(context, '@@cerere')
        if fields and context.status == 'available' else None,
        'move_url': request.resource_url(context, '@@formular-muta'),
        'delete_url': request.resource_url(context, '@@formular-sterge'),
        'add_url': request.resource_url(context, '@@formular-adauga'),
        'history_url': request.resource_url(context, '@@istoric'),
    }


@view_config(context=IService, name='formular-adauga', permission=EDIT)
def add_field(context, request):
    if request.params.get('tip') not in dict(type_choices()):
        if request.method == 'POST':
            raise HTTPBadRequest()
        return HTTPSeeOther(request.resource_url(context, '@@formular', anchor='adauga'))
    return AddFieldForm(context, request)()


@view_config(context=IService, name='formular-modifica', permission=EDIT)
def edit_field(context, request):
    if request.params.get('tip', '') not in ('',) + tuple(dict(type_choices())):
        raise HTTPBadRequest()
    return EditFieldForm(context, request)()


def _posted_field(context, request):
    name = request.POST.get('camp', '')
    field = next((f for f in context.form_fields if f['name'] == name), None)
    if field is None:
        request.session.flash(_('Câmpul nu mai există în formular.'), 'error')
    return field


@view_config(context=IService, name='formular-muta', permission=EDIT, request_method='POST')
def move_field(context, request):
    """POST ``camp`` and ``directie`` (sus/jos): swap the field with its neighbour."""
    step = {'sus': -1, 'jos': 1}.get(request.POST.get('directie'))
    if step is None:
        raise HTTPBadRequest()
    field = _posted_field(context, request)
    back = request.resource_url(context, '@@formular')
    if field is None:
        return HTTPSeeOther(back)
    fields = with_moved(context.form_fields, field['name'], step)
    if fields is None:        # already first (or last): nothing to do
        return HTTPSeeOther(back + '#camp-' + field['name'])
    position = index_of(fields, field['name']) + 1
    save_fields(context, fields, request.identity.userid,
                comment_text('câmpul „%s” mutat %s (poziția %d)' % (
                    field['label'], 'în sus' if step < 0 else 'în jos', position)),
                registry=request.registry, request=request)
    request.session.flash(_('Câmpul „${label}” este acum pe poziția ${n}.',
                            mapping={'label': field['label'], 'n': position}), 'success')
    return HTTPSeeOther(back + '#camp-' + field['name'])


@view_config(context=IService, name='formular-sterge', permission=EDIT, renderer=CONFIRM)
def delete_field(context, request):
    """Ask first (GET, or the list's POST); delete on the confirmation's POST."""
    back = request.resource_url(context, '@@formular')
    if request.method == 'POST':
        if 'cancel' in request.POST:
            return HTTPSeeOther(back)
        field = _posted_field(context, request)
        if field is None:
            return HTTPSeeOther(back)
        if 'confirma' in request.POST:
            save_fields(context, without(context.form_fields, field['name']),
                        request.identity.userid,
                        comment_text('câmpul „%s” șters' % field['label']),
                        registry=request.registry, request=request)
            request.session.flash(_('Câmpul „${label}” a fost șters.',
                                    mapping={'label': field['label']}), 'success')
            return HTTPSeeOther(back)
    else:
        name = request.GET.get('camp', '')
        field = next((f for f in context.form_fields if f['name'] == name), None)
        if field is None:
            raise HTTPNotFound()
    return {'field': field, 'type_title': type_title(field['type']),
            'last': len(context.form_fields) == 1, 'action': request.resource_url(
                context, '@@formular-sterge')}
