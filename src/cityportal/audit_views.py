"""The site audit log, for operators and managers."""
import datetime

from pyramid.view import view_config

from .interfaces import IPortalRoot
from .security import VIEW_AUDIT

ACTIONS = ('login', 'login.failed', 'login.invalid', 'login.throttled', 'logout', 'content.create',
           'content.edit', 'content.delete', 'user.create', 'user.roles',
           'user.local_roles', 'user.password')


@view_config(context=IPortalRoot, name='audit', permission=VIEW_AUDIT,
             renderer='cityportal:layout/templates/audit.pt')
def audit_log(context, request):
    action = request.GET.get('action') or None
    if action not in ACTIONS:
        action = None
    actor = (request.GET.get('actor') or '')[:100] or None
    entries = context.audit.latest(limit=200, action=action, actor=actor)
    rows = []
    for e in entries:
        when = datetime.datetime.fromtimestamp(e['when'], datetime.timezone.utc)
        rows.append(dict(e, when_dt=when))
    return {'rows': rows, 'actions': ACTIONS, 'action': action, 'actor': actor or ''}


def includeme(config):
    config.scan(__name__)
