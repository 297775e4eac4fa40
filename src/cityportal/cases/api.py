"""Filing a case: a draft in the dossier, then one transaction that submits it.

``new_draft`` puts a draft into the dossier the citizen acts for; ``submit``
gives it its number, moves it to its permanent name, starts the legal clock,
records the first event and writes the outbox message for the document
registry, all in the request's transaction: either all of it happens or none.
"""
import datetime
import secrets

from pyramid.traversal import resource_path

from ..audit import client_address
from ..bus.outbox import get_outbox
from ..folder import utcnow
from ..layout.dates import LOCAL_TZ
from . import workflow
from .numbers import allocator_for, case_name, format_number
from .resources import Case

DRAFT_PREFIX = 'ciorna-'


def new_draft(dossier, service, actor, on_behalf_of=None, registry=None):
    case = Case(service, actor, on_behalf_of=on_behalf_of)
    name = DRAFT_PREFIX + secrets.token_hex(6)
    dossier.add(name, case, registry=registry)
    case.record('draft', actor, on_behalf_of=on_behalf_of)
    return case


def submit(case, request, actor, on_behalf_of=None):
    """Submit the draft ``case``; return it (under its new name)."""
    from pyramid_zodbconn import get_connection
    workflow.check(case, 'submit', actor)
    registry = request.registry
    settings = registry.settings
    now = utcnow()
    year = now.astimezone(LOCAL_TZ).year
    allocator = allocator_for(get_connection(request).db(),
                              int(settings.get('cityportal.case_number_block', 10)))
    number = format_number(settings.get('cityportal.case_prefix', 'TM'), year,
                           allocator.allocate(year))
    dossier = case.__parent__
    old_name = case.__name__
    dossier.remove(old_name, registry=registry)
    case.number = number
    dossier.add(case_name(number), case, registry=registry)
    workflow.transition(case, 'submit', actor, on_behalf_of=on_behalf_of,
                        ip=client_address(request), registry=registry)
    get_outbox(request.root).enqueue('registry.register', {
        'case': resource_path(case), 'number': number, 'service': case.service_path,
        'department': case.department, 'submitted': case.submitted.isoformat(),
    }, key='registry.register:' + number)
    return case


def today():
    return datetime.datetime.now(LOCAL_TZ).date()
