"""The department page: letterhead, contact, who signs, and its services."""
from pyramid.view import view_config

from ..catalog.folding import fold
from ..interfaces import IDepartment, IService
from ..layout.cache import cacheable
from ..security import EDIT, MANAGE_USERS, VIEW
from .resources import CAPACITIES


@view_config(context=IDepartment, permission=VIEW,
             renderer='cityportal:departments/templates/department.pt')
def department_view(context, request):
    cacheable(request)
    services = []
    for category in request.root['servicii'].values():
        for service in category.values():
            if IService.providedBy(service) and service.department == context.__name__ \
                    and request.has_permission(VIEW, service):
                services.append(service)
    services.sort(key=lambda s: fold(s.title))
    capacities = dict(CAPACITIES)
    return {
        'services': services,
        'signatories': [dict(s, capacity_title=capacities.get(s.get('capacity'), ''))
                        for s in context.signatories],
        'can_edit': request.has_permission(EDIT, context),
        'can_manage_roles': request.has_permission(MANAGE_USERS, context),
    }


def includeme(config):
    config.scan(__name__)
