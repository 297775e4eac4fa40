"""The case lifecycle: a declared state machine.

Each transition names its sources, its target, the permission it needs on the
case, a guard (a function returning None or the reason it cannot happen now)
and whether it needs a reason. :func:`transition` checks all of it, applies the
side effects on the legal clock (a completion request pauses it, the answer
resumes it) and records an event: who, acting for whom, when, why, from where.

    draft -> submitted -> registered -> assigned -> in_progress
    in_progress -> awaiting_citizen -> in_progress        (completion, clock paused)
    in_progress -> approved | rejected -> signed -> issued -> closed
    submitted .. awaiting_citizen -> withdrawn           (by the citizen, before a decision)
"""
from dataclasses import dataclass
from typing import Callable, Optional

from ..i18n import _
from ..security import SIGN, SUBMIT, WORK_CASE

DRAFT = 'draft'
SUBMITTED = 'submitted'
REGISTERED = 'registered'
ASSIGNED = 'assigned'
IN_PROGRESS = 'in_progress'
AWAITING = 'awaiting_citizen'
APPROVED = 'approved'
REJECTED = 'rejected'
SIGNED = 'signed'
ISSUED = 'issued'
CLOSED = 'closed'
WITHDRAWN = 'withdrawn'

#: how the citizen (and everyone) reads a state
STATE_TITLES = {
    DRAFT: _('Ciornă'),
    SUBMITTED: _('Depusă, în curs de înregistrare'),
    REGISTERED: _('Înregistrată'),
    ASSIGNED: _('Repartizată unui funcționar'),
    IN_PROGRESS: _('În lucru'),
    AWAITING: _('Așteaptă completări de la dumneavoastră'),
    APPROVED: _('Aprobată, în curs de semnare'),
    REJECTED: _('Respinsă, în curs de semnare'),
    SIGNED: _('Semnată'),
    ISSUED: _('Răspuns emis'),
    CLOSED: _('Închisă'),
    WITHDRAWN: _('Retrasă'),
}
STATES = tuple(STATE_TITLES)
#: the legal clock runs in these states (it stops while awaiting the citizen)
OPEN_STATES = (SUBMITTED, REGISTERED, ASSIGNED, IN_PROGRESS, AWAITING)
DECIDED_STATES = (APPROVED, REJECTED, SIGNED, ISSUED, CLOSED)


class CaseWorkflowError(Exception):
    """The transition cannot happen (args[0]: the reason, a translation string)."""


def _assigned_to_actor(case, actor, **kw):
    if case.assignee and case.assignee != actor:
        return _('Cererea este repartizată altui funcționar.')
    return None


def _has_assignee(case, actor, assignee=None, **kw):
    if not assignee:
        return _('Alegeți funcționarul căruia îi repartizați cererea.')
    return None


def _complete_form(case, actor, **kw):
    missing = case.missing_required() if hasattr(case, 'missing_required') else ()
    if missing:
        return _('Completați câmpurile obligatorii: ${fields}.',
                 mapping={'fields': ', '.join(missing)})
    return None


def _has_document(case, actor, **kw):
    return None


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple
    target: str
    permission: str
    title: object                     # the button
    needs_reason: bool = False
    guard: Optional[Callable] = None
    staff: bool = True                # a clerk's action (else the citizen's)


TRANSITIONS = (
    Transition('submit', (DRAFT,), SUBMITTED, SUBMIT, _('Depune cererea'),
               guard=_complete_form, staff=False),
    Transition('register', (SUBMITTED,), REGISTERED, WORK_CASE, _('Înregistrează')),
    Transition('assign', (REGISTERED, ASSIGNED, IN_PROGRESS), ASSIGNED, WORK_CASE,
               _('Repartizează'), guard=_has_assignee),
    Transition('start', (ASSIGNED,), IN_PROGRESS, WORK_CASE, _('Preia în lucru'),
               guard=_assigned_to_actor),
    Transition('request_completion', (IN_PROGRESS,), AWAITING, WORK_CASE,
               _('Cere completări'), needs_reason=True, guard=_assigned_to_actor),
    Transition('complete', (AWAITING,), IN_PROGRESS, SUBMIT, _('Trimite completările'),
               staff=False),
    Transition('approve', (IN_PROGRESS,), APPROVED, WORK_CASE, _('Aprobă'),
               guard=_assigned_to_actor),
    Transition('reject', (IN_PROGRESS,), REJECTED, WORK_CASE, _('Respinge'),
               needs_reason=True, guard=_assigned_to_actor),
    Transition('sign', (APPROVED, REJECTED), SIGNED, SIGN, _('Semnează'),
               guard=_has_document),
    Transition('issue', (SIGNED,), ISSUED, WORK_CASE, _('Emite răspunsul')),
    Transition('close', (ISSUED,), CLOSED, WORK_CASE, _('Închide dosarul')),
    Transition('withdraw', (SUBMITTED, REGISTERED, ASSIGNED, IN_PROGRESS, AWAITING),
               WITHDRAWN, SUBMIT, _('Retrage cererea'), staff=False),
)
BY_NAME = {t.name: t for t in TRANSITIONS}


def available(case, request):
    """Transitions the current user may take on ``case`` now (guards aside)."""
    return [t for t in TRANSITIONS
            if case.state in t.sources and request.has_permission(t.permission, case)]


def check(case, name, actor, reason='', **kw):
    """The Transition, or CaseWorkflowError with the reason it cannot happen."""
    t = BY_NAME.get(name)
    if t is None or case.state not in t.sources:
        raise CaseWorkflowError(_('Această acțiune nu este posibilă în starea actuală '
                                  'a cererii.'))
    if t.needs_reason and not (reason or '').strip():
        raise CaseWorkflowError(_('Scrieți motivul.'))
    if t.guard is not None:
        problem = t.guard(case, actor, **kw)
        if problem:
            raise CaseWorkflowError(problem)
    return t


def transition(case, name, actor, reason='', on_behalf_of=None, ip=None, registry=None,
               today=None, **kw):
    """Take transition ``name`` (the caller checked the permission); return it.

    Side effects on the legal clock: a completion request opens a pause, the
    citizen's answer closes it; the deadline is computed again each time.
    """
    import datetime
    from ..events import ObjectModified, notify
    from ..folder import utcnow
    from ..layout.dates import LOCAL_TZ
    from .deadlines import get_calendar
    t = check(case, name, actor, reason=reason, **kw)
    now = utcnow()
    today = today or now.astimezone(LOCAL_TZ).date()
    previous = case.state
    if t.name == 'submit':
        case.submitted = now
    elif t.name == 'assign':
        case.assignee = kw['assignee']
    elif t.name == 'request_completion':
        case.pause(today)
    elif t.name == 'complete':
        case.resume(today)
    elif t.name in ('approve', 'reject'):
        case.decided = now
    case.state = t.target
    case.recompute_deadline(get_calendar(registry))
    case.record(t.name, actor, on_behalf_of=on_behalf_of, ip=ip, state=t.target,
                previous=previous, reason=(reason or '').strip() or None,
                assignee=kw.get('assignee'))
    notify(registry, ObjectModified(case))
    return t
