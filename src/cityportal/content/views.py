"""Generic views for any content: view, contents (paged, sortable), add, edit, delete.

They read the type metadata on the classes (see ``ContentType``); a type
gets add/edit forms by declaring a colander ``schema``.
"""
import colander
import deform
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.traversal import quote_path_segment
from functools import lru_cache
from html import escape

from pyramid.view import view_config

from .. import api
from ..catalog.query import search
from ..exceptions import DuplicateName, InvalidName
from ..i18n import _
from ..interfaces import IContent, IFolder
from ..layout.forms import FormView
from ..layout.pager import MAX_PAGE, Pager
from ..layout.dates import local_datetime
from ..layout.cache import cacheable
from ..schemas import name_node
from ..security import ADD, DELETE, EDIT, VIEW
from . import get_content_types

PER_PAGE = 50
SORTS = {
    'name': None,           # the folder's own order, paged without the catalog
    'title': 'title',
    'created': 'created',
    'modified': 'modified',
}

COLUMNS = (('name', _('Nume')), ('title', _('Titlu')), ('modified', _('Modificat')))


def addable_types(context, request):
    """Type classes the user may add into ``context``, in declared order."""
    types = get_content_types(request.registry)
    out = []
    for name in getattr(context, 'addable', ()) or ():
        cls = types.get(name)
        if cls is not None and cls.schema is not None and \
                request.has_permission(cls.add_permission, context):
            out.append(cls)
    return out


def display_value(node, value):
    """A field's stored value as the reader should see it: a list of items.

    Booleans read Da/Nu, choice values their titles; a set is shown sorted,
    a sequence (e.g. letterhead lines) in its own order, one per line.
    """
    if isinstance(node.typ, colander.Boolean):
        return [_('Da') if value else _('Nu')], ''
    titles = dict(getattr(node.widget, 'values', None) or ())
    if isinstance(value, (set, frozenset)):
        return [titles.get(v, v) for v in sorted(value)], ', '
    if isinstance(value, (tuple, list)):
        return [titles.get(v, v) for v in value], '\n'
    return [titles.get(value, value)], ''


@view_config(context=IContent, permission=VIEW,
             renderer='cityportal:content/templates/view.pt')
def default_view(context, request):
    cacheable(request)
    schema = context.schema() if context.schema else None
    fields = []
    if schema is not None:
        schema = schema.bind(request=request, context=context)
        for node in schema.children:
            value = getattr(context, node.name, None)
            if value in (None, '', ()) or (isinstance(value, frozenset) and not value):
                continue
            fields.append((node.title,) + display_value(node, value))
    return {'fields': fields,
            'can_edit': context.schema is not None and request.has_permission(EDIT, context),
            'is_folder': IFolder.providedBy(context)}


def sort_columns(request, context, sort, reverse):
    """(url, label, aria-sort) of each sortable column header."""
    base = request.resource_url(context)
    out = []
    for key, label in COLUMNS:
        current = sort == key
        direction = 'desc' if current and not reverse else 'asc'
        aria = ('descending' if reverse else 'ascending') if current else None
        out.append(('%s?sort=%s&dir=%s' % (base, key, direction), label, aria))
    return out


def inherits_security(obj):
    """True if ``obj`` adds no ACL and no local roles of its own.

    Such a child is viewable exactly when its folder is, so a listing need
    not ask the policy again for each row.
    """
    activate = getattr(obj, '_p_activate', None)
    if activate is not None:
        activate()          # a ghost's __dict__ is empty until it is loaded
    return (getattr(type(obj), '__acl__', None) is None and
            '__acl__' not in obj.__dict__ and
            not obj.__dict__.get('__local_roles__'))


def visible(request, children):
    """The children the user may view (the folder itself is already allowed)."""
    return [child for child in children
            if inherits_security(child) or request.has_permission(VIEW, child)]


ROW = ('<tr><td><a href="%s">%s</a></td><td>%s</td><td>%s</td><td>%s</td></tr>\n')


@lru_cache(maxsize=8192)
def time_html(value):
    """``<time>`` for a stored datetime (memoised: stored times repeat from page to page)."""
    return '<time datetime="%s">%s</time>' % (value.isoformat(), local_datetime(value))


def listing_rows(request, context, items):
    """The table rows of a listing as one HTML string, every value escaped.

    Rows are the hot loop of the biggest pages (50 per page of folders with
    100,000 children): built here with ``html.escape`` they cost a fraction
    of the same markup expanded by the template engine, row by row.
    """
    base = escape(request.resource_url(context))
    translate = request.localizer.translate
    type_titles = {}
    rows = []
    for item in items:
        cls = type(item)
        type_title = type_titles.get(cls)
        if type_title is None:
            type_title = type_titles[cls] = escape(
                translate(cls.type_title) if cls.type_title else cls.content_type or '')
        modified = getattr(item, 'modified', None)
        name = item.__name__   # a validated name: URL-safe and HTML-safe as it is
        rows.append(ROW % (
            base + quote_path_segment(name) + '/', name,
            escape(item.title or ''),
            time_html(modified) if modified else '',
            type_title))
    return ''.join(rows)


@view_config(context=IFolder, permission=VIEW,
             renderer='cityportal:content/templates/contents.pt')
@view_config(context=IFolder, name='continut', permission=VIEW,
             renderer='cityportal:content/templates/contents.pt')
def contents(context, request):
    """A paged listing of the folder's children.

    The default order ('name') pages the folder's segment index (no O(n)
    work); the other orders go through the catalog, limited to this folder.
    Rows the user may not view are left out.
    """
    cacheable(request)
    sort = request.GET.get('sort', 'name')
    if sort not in SORTS:
        sort = 'name'
    reverse = request.GET.get('dir') == 'desc'
    if sort == 'name':
        pager = Pager(request, len(context), PER_PAGE)
        items = visible(request, [child for name, child in
                                  context.page(pager.offset, PER_PAGE, reverse=reverse)])
    else:
        from pyramid.traversal import resource_path
        wanted = Pager(request, MAX_PAGE * PER_PAGE, PER_PAGE)
        results = search(request, context, sort=SORTS[sort], reverse=reverse,
                         offset=wanted.offset, limit=PER_PAGE,
                         parent=resource_path(context))
        pager = Pager(request, results.total, PER_PAGE)
        if pager.offset != wanted.offset:   # asked past the end: show the last page
            results = search(request, context, sort=SORTS[sort], reverse=reverse,
                             offset=pager.offset, limit=PER_PAGE,
                             parent=resource_path(context))
        items = results.items
    return {
        'rows': listing_rows(request, context, items),
        'pager': pager,
        'columns': sort_columns(request, context, sort, reverse),
        'addable': addable_types(context, request),
        'can_edit': context.schema is not None and request.has_permission(EDIT, context),
    }


class AddForm(FormView):
    """Add a child of the type named by the ``type`` parameter."""

    def __init__(self, context, request):
        super().__init__(context, request)
        name = request.params.get('type', '')
        cls = get_content_types(request.registry).get(name)
        if cls is None or cls not in addable_types(context, request):
            raise HTTPNotFound()
        self.cls = cls
        self.title = _('Adaugă: ${type}', mapping={'type': request.localizer.translate(cls.type_title)})

    def make_schema(self):
        schema = self.cls.schema()
        schema.insert(0, name_node(name='__name__', missing=''))
        schema['__name__'].description = _(
            'Opțional: se generează din titlu. Litere fără diacritice, cifre și „-”.')
        return schema

    def before(self, form):
        form.action = self.request.resource_url(self.context, '@@add',
                                                query={'type': self.cls.content_type})

    def success(self, appstruct):
        name = appstruct.pop('__name__', '') or None
        normalize = getattr(self.cls, 'values_from_form', None)
        if normalize is not None:
            appstruct = normalize(appstruct)
        try:
            obj = api.content.create(self.context, self.cls.content_type, name=name,
                                     registry=self.request.registry,
                                     request=self.request, **appstruct)
        except (InvalidName, DuplicateName) as e:
            raise self.field_error('__name__', e.message) from None
        self.request.session.flash(_('„${title}” a fost adăugat.',
                                     mapping={'title': obj.title}), 'success')
        return HTTPSeeOther(self.request.resource_url(obj))


@view_config(context=IFolder, name='add', permission=ADD)
def add_view(context, request):
    return AddForm(context, request)()


class EditForm(FormView):
    def __init__(self, context, request):
        super().__init__(context, request)
        if context.schema is None:
            raise HTTPNotFound()
        self.title = _('Modifică: ${title}', mapping={'title': context.get_title()})

    def make_schema(self):
        return self.context.schema()

    def appstruct(self):
        schema = self.make_schema()
        out = {}
        for node in schema.children:
            value = getattr(self.context, node.name, colander.null)
            out[node.name] = colander.null if value is None else value
        return out

    def success(self, appstruct):
        normalize = getattr(type(self.context), 'values_from_form', None)
        if normalize is not None:
            appstruct = normalize(appstruct)
        api.content.edit(self.context, registry=self.request.registry,
                         request=self.request, **appstruct)
        self.request.session.flash(_('Modificările au fost salvate.'), 'success')
        return HTTPSeeOther(self.request.resource_url(self.context))


@view_config(context=IContent, name='edit', permission=EDIT)
def edit_view(context, request):
    return EditForm(context, request)()


@view_config(context=IContent, name='delete', permission=DELETE,
             renderer='cityportal:content/templates/delete.pt')
def delete_view(context, request):
    parent = context.__parent__
    if parent is None or not IFolder.providedBy(parent) or not context.deletable:
        raise HTTPNotFound()
    permission = context.delete_permission
    if not (request.has_permission(permission, parent) and
            request.has_permission(permission, context)):
        from pyramid.httpexceptions import HTTPForbidden
        raise HTTPForbidden()
    if request.method == 'POST':
        if 'cancel' in request.POST:
            return HTTPSeeOther(request.resource_url(context))
        if context is request.identity:
            request.session.flash(_('Nu vă puteți șterge propriul cont.'), 'error')
            return HTTPSeeOther(request.resource_url(context))
        if IFolder.providedBy(context) and len(context):
            request.session.flash(_('Un element care are conținut nu poate fi șters. '
                                    'Ștergeți mai întâi elementele din el.'), 'error')
            return HTTPSeeOther(request.resource_url(context))
        title = context.get_title()
        api.content.delete(context, registry=request.registry, request=request)
        request.session.flash(_('„${title}” a fost șters.', mapping={'title': title}),
                              'success')
        return HTTPSeeOther(request.resource_url(parent))
    return {'parent': parent}
