"""Site views: home, search, language switch, staff workspace, error pages."""
import logging
from urllib.parse import urlparse

from pyramid.httpexceptions import (
    HTTPBadRequest, HTTPClientError, HTTPException, HTTPFound, HTTPSeeOther)
from pyramid.csrf import BadCSRFToken
from pyramid.traversal import quote_path_segment
from pyramid.view import (
    exception_view_config, forbidden_view_config, notfound_view_config, view_config)

from ..catalog.query import search
from ..i18n import LANG_COOKIE, LANGUAGES, _, plural
from ..interfaces import IPortalRoot
from ..security import STAFF_AREA, VIEW
from .cache import cacheable
from .pager import Pager

log = logging.getLogger(__name__)


def safe_came_from(request, value, default=None):
    """``value`` if it is a path inside this portal, else ``default`` (no open redirect)."""
    default = default or request.application_url + '/'
    if not value or len(value) > 2000 or any(not 0x21 <= ord(c) <= 0x7e for c in value):
        return default   # only printable ASCII: a header can always carry it
    parsed = urlparse(value)
    if parsed.scheme or parsed.netloc or not value.startswith('/') or value.startswith('//') \
            or '\\' in value:
        return default
    return request.application_url + value


@view_config(context=IPortalRoot, permission=VIEW,
             renderer='cityportal:layout/templates/home.pt')
def home(context, request):
    cacheable(request)
    services = context['servicii']
    base = request.resource_url(services)
    return {'categories': [(base + quote_path_segment(c.__name__) + '/', c)
                           for c in list(services.values())[:12]]}


@view_config(context=IPortalRoot, name='cautare', permission=VIEW,
             renderer='cityportal:layout/templates/search.pt')
def search_view(context, request):
    q = request.GET.get('q', '')[:200]
    if not q.strip():
        cacheable(request)    # free-text queries are too varied to cache
    pager = None
    results = None
    if q.strip():
        try:
            page = max(1, int(request.GET.get('page', 1)))
        except ValueError:
            page = 1
        page = min(page, 1000)
        results = search(request, context, text=q, sort='relevance',
                         offset=(page - 1) * 20, limit=20)
        pager = Pager(request, results.total, per_page=20)
    else:
        from ..catalog.query import Results
        results = Results(0)
    summary = plural(results.total, _('1 rezultat pentru „${q}”.'),
                     _('${n} rezultate pentru „${q}”.'), _('${n} de rezultate pentru „${q}”.'),
                     q=q) if q else None
    return {'q': q, 'results': results, 'pager': pager, 'summary': summary}


@view_config(context=IPortalRoot, name='lang', permission=VIEW)
def switch_language(context, request):
    code = request.GET.get('code')
    target = safe_came_from(request, request.GET.get('came_from'))
    response = HTTPSeeOther(target)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600,
                            path='/', samesite='Lax', httponly=True)
    return response


@view_config(context=IPortalRoot, name='personal', permission=STAFF_AREA,
             renderer='cityportal:layout/templates/workspace.pt')
def workspace(context, request):
    """The staff home: what this account can reach."""
    from ..security import local_roles_for
    identity = request.identity
    departments = []
    for dep in context['departamente'].values():
        roles = local_roles_for(identity.userid, dep) - set(identity.roles)
        if roles or request.has_permission('work-case', dep):
            departments.append((dep, sorted(roles)))
    return {'departments': departments}


# errors ---------------------------------------------------------------

def _error(request, status, title, message):
    from pyramid.renderers import render_to_response
    request.response.status = status
    return render_to_response('cityportal:layout/templates/error.pt',
                              {'title': title, 'message': message},
                              request=request, response=request.response)


@forbidden_view_config()
def forbidden(exc, request):
    if request.identity is None:
        # citizens sign in through ROeID; everything else is the staff's
        page = '/@@autentificare' if request.path.startswith('/dosare') else '/login'
        login = request.application_url + page + '?came_from=' + _quote(request.path_qs)
        if getattr(request.session, 'expired', False):
            login += '&expired=1'
        return HTTPFound(login)
    return _error(request, 403, _('Acces interzis'),
                  _('Contul dumneavoastră nu are dreptul să vadă această pagină.'))


@notfound_view_config()
def notfound(exc, request):
    # under a private area (/utilizatori, /dosare…) a missing name answers
    # like an existing one, so names cannot be probed from outside
    context = getattr(request, 'context', None)
    if context is not None and not request.has_permission(VIEW, context):
        return forbidden(exc, request)
    return _error(request, 404, _('Pagina nu a fost găsită'),
                  _('Adresa cerută nu există sau a fost mutată.'))


@exception_view_config(BadCSRFToken)
def bad_csrf(exc, request):
    return _error(request, 400, _('Formularul a expirat'),
                  _('Din motive de securitate, formularul trebuie retrimis. '
                    'Întoarceți-vă la pagina anterioară, reîncărcați-o și trimiteți din nou.'))


@exception_view_config(HTTPBadRequest)
def bad_request(exc, request):
    return _error(request, 400, _('Cerere invalidă'),
                  _('Cererea nu a putut fi înțeleasă. Verificați datele și încercați din nou.'))


@exception_view_config(HTTPException)
def http_exception(exc, request):
    """Redirects pass through; other client errors get the layout."""
    if isinstance(exc, HTTPClientError):
        return _error(request, exc.status_int, _('Cerere refuzată'),
                      _('Cererea nu poate fi îndeplinită (${status}).',
                        mapping={'status': exc.status}))
    return exc


@exception_view_config(Exception)
def server_error(exc, request):
    from pyramid.response import Response
    from pyramid_retry import is_error_retryable, is_last_attempt
    if is_error_retryable(request, exc) and not is_last_attempt(request):
        # a ConflictError with attempts left: pyramid_retry discards this
        # answer and runs the request again; render nothing (no session, no
        # flash: the transaction is gone)
        return Response(status=500)
    request.environ['cityportal.error_page'] = True
    log.exception('unhandled error on %s', request.path)
    return _error(request, 500, _('Eroare internă'),
                  _('A apărut o eroare neașteptată. Nu s-a salvat nimic; încercați din nou '
                    'peste câteva momente. Dacă problema persistă, anunțați primăria.'))


def _quote(value):
    from urllib.parse import quote
    return quote(value, safe='/')
