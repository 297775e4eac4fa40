"""Filing and working a case: verbs tests can call without a request.

``new_draft`` puts a draft into the dossier the citizen acts for; ``submit``
gives it its number (its name in the dossier stays), starts the legal clock,
records the first event and writes the outbox message for the document
registry, all in the request's transaction: either all of it happens or none.
``submit_case`` is the same without a request (a database, a registry and the
portal root), for scripts and tests.

The clerk's verbs besides the workflow's transitions: ``extend_deadline``
(the one extension the law allows, with its reason) and ``add_note`` (an
internal note, never shown to the citizen).
"""
import datetime
import secrets
import time

from pyramid.traversal import resource_path

from ..audit import client_address
from ..bus.outbox import get_outbox
from ..events import ObjectModified, notify
from ..folder import utcnow
from ..i18n import _
from ..layout.dates import LOCAL_TZ
from . import workflow
from .deadlines import get_calendar
from .numbers import allocator_for, format_number
from .resources import Case
from .workflow import CaseWorkflowError

#: a case's name in its dossier, given with the draft and kept for good: the
#: number (TM-2026-000123) comes at submission and is not a URL segment, so the
#: submission changes no path (concurrent path changes cannot be merged by ZODB)
CASE_PREFIX = 'cerere-'
#: the longest reason or note a clerk may write (a trail line keeps 2,000 characters)
MAX_REASON = 2000
MAX_NOTE = 5000


def new_draft(dossier, service, actor, on_behalf_of=None, registry=None):
    case = Case(service, actor, on_behalf_of=on_behalf_of)
    name = CASE_PREFIX + secrets.token_hex(6)
    dossier.add(name, case, registry=registry)
    case.record('draft', actor, on_behalf_of=on_behalf_of)
    return case


def submit(case, request, actor, on_behalf_of=None):
    """Submit the draft ``case``; return it (under its new name)."""
    from pyramid_zodbconn import get_connection
    return submit_case(case, get_connection(request).db(), request.registry, request.root,
                       actor, on_behalf_of=on_behalf_of, ip=client_address(request))


def submit_case(case, db, registry, root, actor, on_behalf_of=None, ip=None):
    """:func:`submit` without a request: ``db`` hands out the number, ``root`` holds the outbox."""
    workflow.check(case, 'submit', actor)
    settings = registry.settings
    now = utcnow()
    year = now.astimezone(LOCAL_TZ).year
    allocator = allocator_for(db, int(settings.get('cityportal.case_number_block', 10)))
    number = format_number(settings.get('cityportal.case_prefix', 'TM'), year,
                           allocator.allocate(year))
    case.number = number
    workflow.transition(case, 'submit', actor, on_behalf_of=on_behalf_of,
                        ip=ip, registry=registry)
    get_outbox(root).enqueue('registry.register', {
        'case': resource_path(case), 'number': number, 'service': case.service_path,
        'department': case.department, 'submitted': case.submitted.isoformat(),
    }, key='registry.register:' + number)
    return case


def today():
    return datetime.datetime.now(LOCAL_TZ).date()


def _written(text, limit, missing, too_long):
    """``text`` stripped; CaseWorkflowError ``missing`` (if given) when empty,
    ``too_long`` when over ``limit`` characters."""
    text = (text or '').strip()
    if not text and missing is not None:
        raise CaseWorkflowError(missing)
    if len(text) > limit:
        raise CaseWorkflowError(too_long)
    return text


def check_reason(reason, required=False):
    """A clerk's reason, stripped: CaseWorkflowError when missing (if ``required``)
    or longer than :data:`MAX_REASON`."""
    return _written(reason, MAX_REASON, _('Scrieți motivul.') if required else None,
                    _('Motivul poate avea cel mult ${n} de caractere.',
                      mapping={'n': MAX_REASON}))


def can_extend(case):
    """None if the deadline of ``case`` may be extended now, else the reason why not."""
    term = case.term or {}
    if not term.get('extension_days'):
        return _('Termenul acestui serviciu nu se poate prelungi.')
    if case.extended:
        return _('Termenul a fost deja prelungit o dată.')
    if case.state not in workflow.OPEN_STATES:
        return _('Termenul se poate prelungi doar cât cererea este în lucru.')
    return None


def extend_deadline(case, actor, reason, ip=None, registry=None):
    """Extend the legal term once (e.g. +15 days for a petition), for ``reason``.

    Raises CaseWorkflowError (with the reason, a translation string) when the
    service's term has no extension, it was extended already, the case is no
    longer open or the reason is missing.
    """
    problem = can_extend(case)
    if problem:
        raise CaseWorkflowError(problem)
    reason = check_reason(reason, required=True)
    case.extended = True
    case.extension_reason = reason
    deadline = case.recompute_deadline(get_calendar(registry))
    case.record('extend', actor, ip=ip, reason=reason,
                deadline=deadline.isoformat() if deadline else None,
                days=case.term.get('extension_days'))
    notify(registry, ObjectModified(case))
    return deadline


def add_note(case, actor, text, ip=None):
    """Append an internal note (staff only: never shown to the citizen); return it."""
    text = _written(text, MAX_NOTE, _('Scrieți nota.'),
                    _('Nota poate avea cel mult ${n} de caractere.', mapping={'n': MAX_NOTE}))
    note = {'when': utcnow(), 'actor': actor, 'ip': ip, 'text': text}
    case.notes.append(note)
    return note


#: a staff member's look at a case is audited at most once in this many seconds
STAFF_VIEW_INTERVAL = 3600


def note_staff_view(case, userid, now=None, interval=STAFF_VIEW_INTERVAL):
    """True when ``userid``'s view of ``case`` is due to be audited (and note it).

    The last audited view per staff member is kept in a BTree of its own on
    the case, so noting one writes that small object, not the case (a clerk's
    action and a colleague's look do not conflict), and the site audit log
    gets one line per person, case and hour instead of one per page view.
    """
    from BTrees.OOBTree import OOBTree
    now = time.time() if now is None else now
    seen = getattr(case, 'staff_views', None)
    last = seen.get(userid) if seen is not None else None
    if last is not None and 0 <= now - last < interval:
        return False
    if seen is None:
        seen = case.staff_views = OOBTree()
    seen[userid] = now
    return True
