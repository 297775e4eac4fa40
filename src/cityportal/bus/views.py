"""Operators' view of the bus: the outbox (what waits to be delivered, what failed)."""
from pyramid.view import view_config

from ..i18n import _
from ..interfaces import IIntegrations
from ..layout.dates import local_datetime
from ..layout.pager import Pager
from ..security import MANAGE_INTEGRATIONS
from .outbox import DEAD, DELIVERED, PENDING, get_outbox

STATE_TITLES = {PENDING: _('în așteptare'), DELIVERED: _('livrat'), DEAD: _('eșuat definitiv')}
PER_PAGE = 50


@view_config(context=IIntegrations, name='outbox', permission=MANAGE_INTEGRATIONS,
             renderer='cityportal:bus/templates/outbox.pt')
def outbox_view(context, request):
    import datetime
    outbox = get_outbox(request.root)
    state = request.GET.get('stare')
    if state not in STATE_TITLES:
        state = None
    messages = sorted((m for m in outbox.messages.values()
                       if state is None or m.state == state),
                      key=lambda m: m.created, reverse=True)
    pager = Pager(request, len(messages), per_page=PER_PAGE)
    translate = request.localizer.translate
    rows = []
    for m in messages[pager.offset:pager.offset + PER_PAGE]:
        rows.append({
            'kind': m.kind, 'key': m.key, 'state': translate(STATE_TITLES[m.state]),
            'created': local_datetime(datetime.datetime.fromtimestamp(
                m.created, datetime.timezone.utc)),
            'attempts': m.attempts, 'error': m.last_error or '',
            'payload': ', '.join('%s=%s' % kv for kv in sorted(m.payload.items())),
        })
    counts = {s: 0 for s in STATE_TITLES}
    for m in outbox.messages.values():
        counts[m.state] = counts.get(m.state, 0) + 1
    return {'rows': rows, 'pager': pager, 'state': state, 'total': len(outbox),
            'counts': [(s, translate(t), counts[s]) for s, t in STATE_TITLES.items()]}


def includeme(config):
    config.scan(__name__)
