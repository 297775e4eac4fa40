"""Public pages of the service catalog: the service sheet and its printable view."""
from pyramid.renderers import get_renderer
from pyramid.view import view_config

from ..i18n import _, plural
from ..interfaces import IService
from ..layout.cache import cacheable
from ..security import EDIT, VIEW

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
    if not deadline:
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
        'online': bool(how.get('online')) and context.status == 'available',
    }


@view_config(context=IService, permission=VIEW, renderer=SHEET)
def service_sheet(context, request):
    cacheable(request)
    return sheet(context, request)


@view_config(context=IService, name='tipar', permission=VIEW, renderer=PRINT)
def service_print(context, request):
    cacheable(request)
    return sheet(context, request)


def includeme(config):
    config.scan(__name__)
