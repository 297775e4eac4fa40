"""Public pages of the service catalog: the service sheet and its printable view."""
from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPSeeOther
import deform
from pyramid.renderers import get_renderer, render_to_response
from pyramid.view import view_config

from ..audit import audit
from ..content.views import EditForm
from ..i18n import _, plural
from ..catalog.folding import fold
from ..interfaces import ICategory, IPortalRoot, IService, IServiceCatalog
from ..layout.cache import cacheable
from ..layout.dates import local_datetime
from ..schemas import line_node
from ..layout.forms import FormView
from ..security import ADD, EDIT, STAFF_AREA, SUBMIT, VIEW
from . import workflow
from .formgen import build_schema
from .resources import service_appstruct, service_values

SHEET = 'cityportal:services/templates/service.pt'
MACROS = 'cityportal:services/templates/sheet_macros.pt'
PRINT = 'cityportal:services/templates/service_print.pt'


def fee_text(fee):
    kind = (fee or {}).get('kind', 'unknown')
    if kind == 'free':
        return _('Gratuit.')
    if kind == 'fixed':
        amount = ('%.2f' % fee['amount_lei']).replace('.', ',').replace(',00', '')
        text = _('${amount} lei.', mapping={'amount': amount})
        return text
    if kind == 'computed':
        return fee.get('details') or _('Se calculează pentru fiecare cerere.')
    return _('Nu este stabilit aici: se confirmă la depunere.')


def deadline_text(deadline):
    if not deadline or not deadline.get('days'):
        return _('Termenul nu este stabilit aici: se comunică la înregistrarea cererii.')
    days = deadline['days']
    if deadline['kind'] == 'working':
        text = plural(days, _('O zi lucrătoare.'), _('${n} zile lucrătoare.'),
                      _('${n} de zile lucrătoare.'))
    else:
        text = plural(days, _('O zi calendaristică.'), _('${n} zile calendaristice.'),
                      _('${n} de zile calendaristice.'))
    return text


def extension_text(deadline):
    if not deadline or not deadline.get('extension_days'):
        return None
    n = deadline['extension_days']
    return plural(n, _('Se poate prelungi o dată cu o zi.'),
                  _('Se poate prelungi o dată cu ${n} zile.'),
                  _('Se poate prelungi o dată cu ${n} de zile.'))


TACIT = {
    'yes': _('Da: dacă primăria nu răspunde în termen, cererea se consideră aprobată '
             '(aprobare tacită).'),
    'no': _('Nu se aplică aprobarea tacită.'),
    'unknown': None,
}


def sheet(context, request):
    """Everything the service sheet shows, in the sheet's fixed order."""
    root = request.root
    department = root['departamente'].get(context.department) if context.department else None
    how = context.how_to_apply or {}
    channels = []
    if how.get('online'):
        channels.append(_('Online, din portal, cu autentificare ROeID.'))
    if how.get('counter'):
        channels.append(_('La ghișeul departamentului.'))
    if how.get('by_post'):
        channels.append(_('Prin poștă.'))
    related = []
    if context.related:
        services = root['servicii']
        for category in services.values():
            for sid in context.related:
                other = category.get(sid)
                if other is not None and request.has_permission(VIEW, other):
                    related.append(other)
    return {
        'sheet_macros': get_renderer(MACROS).implementation(),
        'department': department,
        'fee': fee_text(context.fee),
        'deadline': deadline_text(context.deadline),
        'deadline_basis': (context.deadline or {}).get('basis'),
        'extension': extension_text(context.deadline),
        'tacit': TACIT.get(context.tacit_approval),
        'channels': channels,
        'how_details': how.get('details', ''),
        'related': related,
        'can_edit': request.has_permission(EDIT, context),
        'online': (bool(how.get('online')) and context.status == 'available'
                   and bool(context.form_fields)),
        'workflow': workflow_info(context, request),
    }


def public_for_good(context):
    """Published, in force and with no expiry: the same page for every visitor."""
    return (context.state == workflow.PUBLISHED and context.expires is None and
            workflow.in_force(context))


@view_config(context=IService, permission=VIEW, renderer=SHEET)
def service_sheet(context, request):
    if public_for_good(context):
        cacheable(request)
    return sheet(context, request)


@view_config(context=IService, name='tipar', permission=VIEW, renderer=PRINT)
def service_print(context, request):
    if public_for_good(context):
        cacheable(request)
    return sheet(context, request)


def includeme(config):
    config.scan(__name__)


# editorial workflow -----------------------------------------------------


def workflow_info(context, request):
    """The state marker and the transitions this user may make (staff only)."""
    if not request.has_permission(STAFF_AREA, context):
        return None
    return {
        'state': context.state,
        'state_title': workflow.STATE_TITLES.get(context.state, context.state),
        'transitions': workflow.available_transitions(context, request),
        'in_force': workflow.in_force(context),
        'history_url': request.resource_url(context, '@@istoric'),
        'action_url': request.resource_url(context, '@@flux'),
    }


@view_config(context=IService, name='flux', permission=VIEW, request_method='POST')
def do_transition(context, request):
    """POST: move the page along one transition, with an optional comment."""
    name = request.POST.get('transition', '')
    t = workflow.BY_NAME.get(name)
    if t is None:
        raise HTTPBadRequest()
    if not request.has_permission(t.permission, context):
        raise HTTPForbidden()
    comment = request.POST.get('comment', '')[:1000]
    try:
        workflow.transition(context, name, request.identity.userid, comment,
                            registry=request.registry)
    except workflow.WorkflowError as e:
        request.session.flash(e.message, 'error')
        return HTTPSeeOther(request.resource_url(context))
    audit(request, 'service.' + name, target=context, comment=comment)
    request.session.flash(_('Starea paginii: ${state}.', mapping={
        'state': request.localizer.translate(workflow.STATE_TITLES[context.state])}), 'success')
    return HTTPSeeOther(request.resource_url(context))


@view_config(context=IService, name='istoric', permission=STAFF_AREA,
             renderer='cityportal:services/templates/history.pt')
def history(context, request):
    """Every version with who/when/what; ``?diff=N`` compares version N with N-1."""
    versions = list(getattr(context, 'history', None) or ())
    changes = None
    shown = None
    try:
        number = int(request.GET.get('diff', 0))
    except ValueError:
        number = 0
    if 1 <= number <= len(versions):
        shown = versions[number - 1]
        before = versions[number - 2]['data'] if number > 1 else {}
        changes = workflow.diff(before, shown['data'])
    return {'versions': list(reversed(versions)), 'changes': changes, 'shown': shown,
            'titles': workflow.STATE_TITLES}


@view_config(context=IService, name='revert', permission=EDIT, request_method='POST')
def do_revert(context, request):
    try:
        version = int(request.POST.get('version', ''))
        workflow.revert(context, version, request.identity.userid, registry=request.registry)
    except (ValueError, workflow.WorkflowError):
        raise HTTPBadRequest()
    audit(request, 'service.revert', target=context, version=version)
    request.session.flash(_('Pagina a revenit la versiunea ${n}.', mapping={'n': version}),
                          'success')
    return HTTPSeeOther(request.resource_url(context))


class ServiceEditForm(EditForm):
    """Every fact of the sheet, plus a comment that goes into the page's history."""

    def make_schema(self):
        schema = super().make_schema()
        schema.add(line_node(_('Comentariu pentru istoric (opțional)'), name='comment'))
        return schema

    def appstruct(self):
        return service_appstruct(self.context)

    def success(self, appstruct):
        comment = appstruct.pop('comment', '')
        response = super().success(appstruct)      # normalised by Service.values_from_form
        workflow.record(self.context, 'edit', self.request.identity.userid, comment)
        return response


@view_config(context=IService, name='edit', permission=EDIT)
def edit_service(context, request):
    return ServiceEditForm(context, request)()


# catalog pages ------------------------------------------------------------

def published_services(request, category):
    """The category's services the user may see, by title (drafts only for staff)."""
    out = [s for s in category.values()
           if IService.providedBy(s) and request.has_permission(VIEW, s)]
    out.sort(key=lambda s: fold(s.title))
    return out


@view_config(context=ICategory, permission=VIEW,
             renderer='cityportal:services/templates/category.pt')
def category_view(context, request):
    cacheable(request)
    services = published_services(request, context)
    return {'services': services, 'titles': workflow.STATE_TITLES,
            'addable': request.has_permission(ADD, context)}


@view_config(context=IServiceCatalog, permission=VIEW,
             renderer='cityportal:services/templates/catalog.pt')
def catalog_view(context, request):
    cacheable(request)
    categories = []
    for category in context.values():
        count = sum(1 for s in category.values()
                    if getattr(s, 'state', None) == workflow.PUBLISHED)
        categories.append((category, count))
    featured = []
    for sid in getattr(context, 'featured', ()) or ():
        for category in context.values():
            service = category.get(sid)
            if service is not None and request.has_permission(VIEW, service):
                featured.append(service)
                break
    return {'categories': categories, 'featured': featured,
            'can_manage': request.has_permission(ADD, context)}


@view_config(context=IServiceCatalog, name='a-z', permission=VIEW,
             renderer='cityportal:services/templates/az.pt')
def a_to_z(context, request):
    """Every published service, grouped by its folded first letter."""
    cacheable(request)
    groups = {}
    for category in context.values():
        for service in published_services(request, category):
            letter = fold(service.title[:1]).upper() or '#'
            groups.setdefault(letter, []).append(service)
    letters = sorted(groups)
    for letter in letters:
        groups[letter].sort(key=lambda s: fold(s.title))
    return {'letters': letters, 'groups': groups}


@view_config(context=IPortalRoot, name='sitemap.xml', permission=VIEW)
def sitemap(context, request):
    """sitemap.xml: the home page, the catalog, its categories and published services."""
    from xml.sax.saxutils import escape as xml_escape
    urls = [request.application_url + '/', request.resource_url(context['servicii']),
            request.resource_url(context['servicii'], '@@a-z')]
    for category in context['servicii'].values():
        urls.append(request.resource_url(category))
        for service in category.values():
            if IService.providedBy(service) and service.state == workflow.PUBLISHED \
                    and workflow.in_force(service):
                urls.append(request.resource_url(service))
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += ['<url><loc>%s</loc></url>' % xml_escape(url) for url in urls]
    body.append('</urlset>')
    response = request.response
    response.content_type = 'application/xml'
    response.charset = 'utf-8'
    response.text = '\n'.join(body) + '\n'
    cacheable(request)
    return response


# search ---------------------------------------------------------------------

SEARCH_PAGE = 20


@view_config(context=IServiceCatalog, name='cautare', permission=VIEW,
             renderer='cityportal:services/templates/search.pt')
def service_search(context, request):
    """Full-text search over the service sheets, ranked, with facets and suggestions.

    Facets count the results per category and per department; choosing one
    narrows the search. Any query string gives a normal page.
    """
    from pyramid.traversal import resource_path
    from ..catalog.query import search, suggest
    from ..layout.pager import Pager
    q = request.GET.get('q', '')[:200]
    if not q.strip():
        cacheable(request)    # free-text queries are too varied to cache
    categoria = request.GET.get('categorie', '')[:80]
    departament = request.GET.get('departament', '')[:80]
    criteria = {'content_type': 'Service', 'path': resource_path(context)}
    if categoria in context:
        criteria['parent'] = resource_path(context[categoria])
    else:
        categoria = ''
    if departament in request.root['departamente']:
        criteria['department'] = departament
    else:
        departament = ''
    try:
        page = max(1, min(int(request.GET.get('page', 1)), 500))
    except ValueError:
        page = 1
    results = search(request, context, text=q or None,
                     sort='relevance' if q.strip() else 'title',
                     offset=(page - 1) * SEARCH_PAGE, limit=SEARCH_PAGE,
                     facets=('parent', 'department'), **criteria)
    pager = Pager(request, results.total, per_page=SEARCH_PAGE)
    base = resource_path(context)
    category_facets = []
    for path, count in results.facets.get('parent', {}).items():
        name = path[len(base):].strip('/')
        if name in context:
            category_facets.append((context[name].title, name, count))
    category_facets.sort(key=lambda f: (-f[2], fold(f[0])))
    departments = request.root['departamente']
    department_facets = sorted(
        ((departments[d].title, d, n) for d, n in results.facets.get('department', {}).items()
         if d in departments), key=lambda f: (-f[2], fold(f[0])))
    suggestion = suggest(context, q) if q.strip() and not results.total else None

    def link(**changes):
        params = {'q': q, 'categorie': categoria, 'departament': departament}
        params.update(changes)
        return request.resource_url(context, '@@cautare',
                                    query={k: v for k, v in params.items() if v})
    summary = plural(results.total, _('1 serviciu găsit.'), _('${n} servicii găsite.'),
                     _('${n} de servicii găsite.'))
    return {'q': q, 'results': results, 'pager': pager, 'summary': summary,
            'category_facets': category_facets, 'department_facets': department_facets,
            'categoria': categoria, 'departament': departament, 'link': link,
            'suggestion': suggestion,
            'suggestion_url': link(q=suggestion) if suggestion else None}


# the online form ----------------------------------------------------------------

class RequestForm(FormView):
    """The service's online form, generated from its field list.

    Everyone may read it (to prepare the documents); filling it in needs the
    right to file requests. A citizen's POST starts a draft case in the
    dossier they act for (:func:`cityportal.cases.filing.start_filing`);
    anyone else with that right (a manager) only tries the form: a valid
    form shows the summary, nothing is stored. The documents the city
    obtains itself are not asked.
    """
    renderer = 'cityportal:services/templates/request_form.pt'
    cancel = False

    def __init__(self, context, request, drafts=(), citizen=False):
        super().__init__(context, request)
        self.title = context.title
        self.drafts = drafts
        buttons = [deform.Button('verify', _('Verifică cererea'))]
        if citizen:
            buttons.insert(0, deform.Button('save', _('Salvează ciorna'), css_class='secondary'))
        self.buttons = tuple(buttons)

    def fields(self):
        from ..cases.filing import asked_fields, once_only
        return asked_fields(self.context.form_fields, once_only(self.context))

    def make_schema(self):
        return build_schema(self.fields())

    def build_form(self):
        from ..cases.filing import CaseForm, with_csrf
        return CaseForm(with_csrf(self.make_schema(), self.request), buttons=self.buttons,
                        action=self.request.resource_url(self.context, '@@cerere'))

    def render(self, form_html, status_error=False):
        from ..cases.filing import once_only
        if status_error:
            self.request.response.status = 400
        return render_to_response(self.renderer, {
            'form': form_html, 'title': self.title, 'context': self.context, 'view': self,
            'has_errors': status_error, 'drafts': self.drafts,
            'fetched': sorted(once_only(self.context)),
            'local_datetime': local_datetime,
        }, request=self.request, response=self.request.response)

    def success(self, appstruct):
        fields = {f['name']: f for f in self.fields()}
        summary = []
        for name, value in appstruct.items():
            field = fields.get(name)
            if field is None:
                continue
            if field['type'] == 'file':
                files = value if isinstance(value, list) else [value]
                value = ', '.join(f['filename'] for f in files if f)
            elif field['type'] in ('select', 'radio'):
                value = dict((o['value'], o['label']) for o in field['options']).get(value, value)
            elif field['type'] == 'checkbox':
                value = _('Da') if value else _('Nu')
            summary.append((field['label'], value))
        return render_to_response(
            'cityportal:services/templates/request_summary.pt',
            {'summary': summary, 'title': self.title}, request=self.request)


@view_config(context=IService, name='cerere', permission=VIEW)
def request_form(context, request):
    """GET: the form (and the citizen's drafts of it); POST: a draft, or a try-out."""
    if context.status != 'available' or not context.form_fields:
        request.session.flash(_('Acest serviciu nu poate fi solicitat online acum.'), 'error')
        return HTTPSeeOther(request.resource_url(context))
    can_file = request.has_permission(SUBMIT, context)
    if request.method == 'POST' and not can_file:
        raise HTTPForbidden()
    from ..cases.filing import filing_dossier, find_drafts, start_filing
    dossier = filing_dossier(request) if can_file else None
    if dossier is not None and request.method == 'POST':
        return start_filing(context, request)
    drafts = find_drafts(request, context, dossier) if dossier is not None else ()
    return RequestForm(context, request, drafts=drafts, citizen=dossier is not None)()
