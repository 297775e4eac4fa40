"""Inboxes: a department's cases and "my cases", straight from the catalog.

:func:`inbox_query` is the one query behind both pages (and the dashboard's
late count): the cases the current user may see (the ``allowed`` index, as
``catalog.query.search`` filters it), of one department and/or assignee,
filtered by state, service, urgency and text, sorted by deadline (cases
without one last), one page at a time, with the counts of late and at-risk
cases on top.

Why not ``catalog.query.search`` itself: at a million cases its hypatia query
copies every set it touches (``Eq(content_type, 'Case')`` alone is a million
ids, 45-75 ms) before intersecting. Here the stored sets of the indexes are
combined as they are, the smallest first, and a small result is narrowed by
membership tests instead of a merge through a big set (:class:`AnyOf`);
"late" is "has a deadline, not today or later": the range from today on is
small (deadlines lie weeks ahead), the range before today grows with ten
years of archive. The principals are those ``search`` uses, and every case
on the page is checked again with ``request.has_permission``.

Measured on hypatia indexes of 1,000,000 cases (20 departments, 11 states
spread evenly, 10 years), in process on a busy 2-core machine: department +
state, sorted by deadline, 50 a page, permission-filtered: p50 about 20 ms,
p99 under 45 ms (the same through ``search`` with the content type: 45-80
ms). The late/at-risk counts of a whole department cost about as much again
when most of its cases are open; with real archives (most cases closed) the
open states are small sets and both are a few milliseconds.
"""
import datetime
import heapq
import re
from dataclasses import dataclass, field
from itertools import islice

from BTrees.IFBTree import IFSet, intersection, multiunion
from hypatia.field import fwscan_wins
from hypatia.text.parsetree import ParseError
from pyramid.authorization import Authenticated, Everyone
from pyramid.traversal import find_root
from pyramid.view import view_config

from ..catalog.catalog import number_key
from ..catalog.query import text_query, user_principals
from ..i18n import _, plural
from ..interfaces import ICase, IDepartment, IPortalRoot
from ..layout.dates import local_date
from ..layout.pager import Pager
from ..security import CLERK, SIGN, STAFF_AREA, VIEW, WORK_CASE, get_local_roles
from . import deadlines, workflow

PAGE = 50
MAX_LIMIT = 200
LATE = 'late'
AT_RISK = 'at-risk'
#: the assignee filter value for cases nobody has taken
NOBODY = '-'
#: the state filter value for every state (but drafts, which are the citizen's)
ALL = 'toate'
#: the legal clock matters until the answer is issued
CLOCK_STATES = workflow.OPEN_STATES + (workflow.APPROVED, workflow.REJECTED, workflow.SIGNED)
#: what an inbox shows unless asked otherwise: everything not finished
ACTIVE_STATES = CLOCK_STATES + (workflow.ISSUED,)
#: every state a clerk may look for (drafts are the citizen's own)
CASE_STATES = tuple(s for s in workflow.STATES if s != workflow.DRAFT)
NUMBER_RE = re.compile(r'^\s*([A-Za-z]{1,5}-\d{4}-\d{1,9})\s*$')
#: what a filter costs per doc, in membership tests of one id in one stored set
#: (about 0.1 µs): a lookup in a reverse index, a step of a C merge (which
#: walks both sets), a doc copied into a union (measured on hypatia's sets)
REV_COST = 5
MERGE_COST = 0.85
UNION_COST = 0.5
EMPTY = IFSet()


@dataclass
class InboxResults:
    total: int
    items: list = field(default_factory=list)
    offset: int = 0
    limit: int = PAGE
    late: int = None
    at_risk: int = None


# set algebra on the stored index sets -------------------------------------------

def _fwd(index, value):
    """The stored docid set of ``value`` in a field or keyword index (not a copy)."""
    found = index._fwd_index.get(value)
    return found if found is not None else EMPTY


class AnyOf:
    """A filter: the docs in any of ``sets`` (stored index sets, copied only to merge).

    With a reverse index and ``values``, a membership test is one lookup of
    the doc's value instead of one test per set.
    """

    def __init__(self, sets, rev=None, values=None):
        self.sets = [s for s in sets if s]
        self.rev = rev
        self.values = frozenset(values) if values is not None else None
        self.size = sum(len(s) for s in self.sets)

    def materialize(self):
        if not self.sets:
            return EMPTY
        return multiunion(self.sets) if len(self.sets) > 1 else self.sets[0]

    def apply(self, ids):
        """``ids`` ∩ self, by membership tests or by a C merge, whichever costs less."""
        n = len(ids)
        if not n or not self.size:
            return EMPTY
        per_doc = REV_COST if self.rev is not None else len(self.sets)
        merge = MERGE_COST * (n + self.size) + (UNION_COST * self.size
                                                if len(self.sets) > 1 else 0)
        if n * per_doc > merge:
            return intersection(ids, self.materialize())
        if self.rev is not None:
            get, values = self.rev.get, self.values
            return IFSet([d for d in ids if get(d) in values])
        if len(self.sets) == 1:
            only = self.sets[0]
            return IFSet([d for d in ids if d in only])
        return multiunion([IFSet([d for d in ids if d in docids]) for docids in self.sets])


def values_filter(index, values):
    """The filter "the value of ``index`` is one of ``values``"."""
    return AnyOf([_fwd(index, v) for v in values], rev=index._rev_index, values=values)


def run_filters(filters, tests=()):
    """The docids passing every filter (the smallest read first) and every test."""
    filters = sorted(filters, key=lambda f: f.size)
    ids = filters[0].materialize()
    for f in filters[1:]:
        ids = f.apply(ids)
    for test in tests:
        if not ids:
            break
        ids = IFSet([d for d in ids if test(d)])
    return ids


def day_value(day):
    """A date as the catalog's date indexes store it (a UTC timestamp of its midnight)."""
    return datetime.datetime(day.year, day.month, day.day,
                             tzinfo=datetime.timezone.utc).timestamp()


def at_risk_until(today, calendar):
    """The last deadline still "at risk" today (see :func:`deadlines.urgency`)."""
    fourth = calendar.add(today, deadlines.AT_RISK_WORKING_DAYS + 1, deadlines.WORKING)
    return fourth - datetime.timedelta(days=1)


def deadline_filter(catalog, low, high):
    """The filter "deadline between the dates ``low`` and ``high``" (None: open end)."""
    index = catalog['deadline']
    return AnyOf(index._fwd_index.values(
        day_value(low) if low else None, day_value(high) if high else None))


def allowed_filter(catalog, principals):
    # cases are never public (the dossiers deny Everyone): the public
    # principals would only add the site's public pages
    index = catalog['allowed']
    return AnyOf([_fwd(index, p) for p in principals if p not in (Everyone, Authenticated)])


def scope_filter(catalog, department=None, assignee=None):
    """A department's cases, or (without one) an assignee's."""
    if department:
        return AnyOf([_fwd(catalog['department'], department)])
    if assignee and assignee != NOBODY:
        return AnyOf([_fwd(catalog['assignee'], assignee)])
    return None


def urgency_counts(catalog, principals, today, calendar, department=None, assignee=None):
    """(late, at risk): the scope's cases whose legal clock runs, by deadline.

    Late: a deadline before ``today``, counted as "with a deadline" minus "due
    today or later", so the deadline range read is the short one ahead, never
    the ten years behind. At risk: due from today to :func:`at_risk_until`.
    """
    base = [f for f in (scope_filter(catalog, department, assignee),
                        allowed_filter(catalog, principals),
                        values_filter(catalog['state'], CLOCK_STATES)) if f is not None]
    clock = run_filters(base)
    undated = catalog['deadline'].not_indexed()
    dated = IFSet([d for d in clock if d not in undated])
    due = deadline_filter(catalog, today, None).apply(dated)
    risky = deadline_filter(catalog, today, at_risk_until(today, calendar)).apply(dated)
    return len(dated) - len(due), len(risky)


def inbox_ids(catalog, principals, today, calendar, department=None, state=None,
              assignee=None, service=None, urgency=None, text=None):
    """The docids of the cases matching the filters (see :func:`inbox_query`).

    Only cases carry a case state (a service's are draft, pending, published,
    archived; the inbox never shows drafts), so the state filter, always
    present, selects cases without a merge through the million ids of
    ``content_type == 'Case'``; the page checks each case again.
    """
    filters = [allowed_filter(catalog, principals)]
    tests = []
    scope = scope_filter(catalog, department, assignee)
    if scope is not None:
        filters.append(scope)
    if department and assignee and assignee != NOBODY:
        filters.append(AnyOf([_fwd(catalog['assignee'], assignee)]))
    if state == ALL:
        states = CASE_STATES
    elif state in CASE_STATES:
        states = (state,)
    else:
        states = ACTIVE_STATES
    if urgency in (LATE, AT_RISK):
        states = tuple(s for s in states if s in CLOCK_STATES)
    filters.append(values_filter(catalog['state'], states) if len(states) > 1 else
                   AnyOf([_fwd(catalog['state'], states[0])]) if states else AnyOf([]))
    if service:
        filters.append(AnyOf([_fwd(catalog['service'], service)]))
    if text and text.strip():
        filters.append(AnyOf([_text_ids(catalog, text)]))
    if urgency == AT_RISK:
        filters.append(deadline_filter(catalog, today, at_risk_until(today, calendar)))
    elif urgency == LATE:
        undated = catalog['deadline'].not_indexed()
        due = deadline_filter(catalog, today, None).materialize()
        tests.append(lambda d: d not in undated and d not in due)
    if assignee == NOBODY:
        assigned = catalog['assignee']._rev_index
        tests.append(lambda d: d not in assigned)
    return run_filters(filters, tests)


def _text_ids(catalog, text):
    """Cases matching ``text``: a case number exactly, else the words of the text index."""
    m = NUMBER_RE.match(text)
    if m:
        return _fwd(catalog['number'], number_key(m.group(1).upper()))
    tq = text_query(text)
    if not tq:
        return EMPTY
    try:
        scores = catalog['text'].applyContains(tq)
    except ParseError:
        return EMPTY
    return IFSet(scores.keys()) if scores else EMPTY


def sorted_page(catalog, ids, offset, limit):
    """Docids of one page of ``ids`` by deadline, the ones without a deadline last.

    A forward scan of the deadline index when hypatia's measure says it wins
    (``ids`` is a big part of the catalog), else the n smallest by a C-level
    key; equal deadlines come in docid order. The cases without a deadline
    follow, the oldest filed first.
    """
    index = catalog['deadline']
    # every doc without a deadline (dossiers, pages…) is in there: a big set
    undated = index.not_indexed()
    undated = IFSet([d for d in ids if d in undated])
    n_dated = len(ids) - len(undated)
    page = []
    if offset < n_dated:
        wanted = min(offset + limit, n_dated)
        if fwscan_wins(wanted, len(ids), index.indexed_count()):
            ordered = list(index.sort(ids, limit=wanted, raise_unsortable=False))
        else:
            dated = [d for d in ids if d not in undated]
            ordered = heapq.nsmallest(wanted, dated, key=index._rev_index.__getitem__)
        page = ordered[offset:offset + limit]
    if len(page) < limit:
        start = max(0, offset - n_dated)
        wanted = start + limit - len(page)
        # among themselves, the oldest filed first (docids are random); the
        # submitted index keeps minutes, so a small set is ordered by the case
        # number too (filed in the same minute: in the order of their numbers)
        if len(undated) <= 5000:
            submitted = catalog['submitted']._rev_index
            numbers = catalog['number']._rev_index
            ordered = heapq.nsmallest(
                wanted, (d for d in undated if d in submitted),
                key=lambda d: (submitted[d], numbers.get(d, '')[::-1]))
        else:
            ordered = list(catalog['submitted'].sort(undated, limit=wanted,
                                                     raise_unsortable=False))
        if len(ordered) < wanted:          # never filed: after the others
            seen = set(ordered)
            ordered.extend(islice((d for d in undated if d not in seen),
                                  wanted - len(ordered)))
        page.extend(ordered[start:wanted])
    return page


def inbox_query(request, department=None, state=None, assignee=None, service=None,
                urgency=None, text=None, offset=0, limit=PAGE, counts=False):
    """One page of cases for the current user, as :class:`InboxResults`.

    ``department``: its name; ``state``: a state, :data:`ALL` or None (every
    unfinished case); ``assignee``: a userid or :data:`NOBODY`; ``service``:
    the service's path; ``urgency``: :data:`LATE` or :data:`AT_RISK`;
    ``text``: a case number or words. With ``counts``, the results carry the
    late and at-risk counts of the scope (:func:`urgency_counts`).
    """
    from .api import today as local_today
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    root = find_root(request.root)
    catalog = root.catalog
    principals = user_principals(request)
    today = local_today()
    calendar = deadlines.get_calendar(request.registry)
    ids = inbox_ids(catalog, principals, today, calendar, department=department,
                    state=state, assignee=assignee, service=service, urgency=urgency,
                    text=text)
    late = at_risk = None
    if counts:
        late, at_risk = urgency_counts(catalog, principals, today, calendar,
                                       department=department, assignee=assignee)
    total = len(ids)
    items = []
    if offset < total:
        resolve = catalog.resolver(root)
        for docid in sorted_page(catalog, ids, offset, limit):
            case = resolve(docid)
            if case is not None and ICase.providedBy(case) and \
                    request.has_permission(VIEW, case):
                items.append(case)
    return InboxResults(total, items, offset, limit, late, at_risk)


# the pages -----------------------------------------------------------------------

URGENCY_PARAMS = {'intarziate': LATE, 'aproape': AT_RISK}


def department_clerks(department):
    """(userid, title) of the active staff holding a local Clerk role on ``department``."""
    users = find_root(department)['utilizatori']
    out = []
    for userid, roles in sorted(get_local_roles(department).items()):
        user = users.get(userid)
        if CLERK in roles and user is not None and user.active:
            out.append((userid, user.title))
    return out


def department_services(request, department_name):
    """(path, title) of the services routed to a department, by title."""
    from pyramid.traversal import resource_path
    from ..catalog.folding import fold
    from ..interfaces import IService
    out = []
    for category in request.root['servicii'].values():
        for service in category.values():
            if IService.providedBy(service) and service.department == department_name:
                out.append((resource_path(service), service.title))
    out.sort(key=lambda s: fold(s[1]))
    return out


def case_rows(request, cases):
    """What an inbox table shows of each case (built once, read by the template)."""
    from .api import today as local_today
    calendar = deadlines.get_calendar(request.registry)
    today = local_today()
    users = request.root['utilizatori']
    translate = request.localizer.translate
    names, states = {}, {}
    rows = []
    for case in cases:
        assignee = case.assignee
        if assignee and assignee not in names:
            user = users.get(assignee)
            names[assignee] = user.title if user is not None else assignee
        if case.state not in states:
            states[case.state] = translate(case.state_title)
        deadline = case.deadline
        rows.append({
            'url': request.resource_url(case), 'number': case.number or case.__name__,
            'service': case.title, 'citizen': case.__parent__.title,
            'state': states[case.state],
            'deadline': local_date(deadline) if deadline else '',
            'deadline_iso': deadline.isoformat() if deadline else '',
            'urgency': deadlines.urgency(deadline, today, calendar)
            if deadline and case.state in CLOCK_STATES else None,
            'assignee': names.get(assignee, '') if assignee else '',
        })
    return rows


def _inbox_page(context, request, department=None, assignee=None):
    get = request.GET
    state = get.get('stare', '')
    if state not in CASE_STATES and state != ALL:
        state = ''
    urgency = URGENCY_PARAMS.get(get.get('termen', ''))
    text = get.get('q', '')[:200]
    clerks, services = [], []
    service = None
    who = assignee
    if department is not None:
        clerks = department_clerks(context)
        services = department_services(request, department)
        who = get.get('responsabil', '')
        if who != NOBODY and who not in dict(clerks):
            who = ''
        service = get.get('serviciu', '')
        if service not in dict(services):
            service = ''
    try:
        page = max(1, int(get.get('page', 1)))
    except (TypeError, ValueError):
        page = 1
    query = dict(department=department, state=state or None, assignee=who or None,
                 service=service or None, urgency=urgency, text=text)
    results = inbox_query(request, offset=(page - 1) * PAGE, limit=PAGE, counts=True,
                          **query)
    pager = Pager(request, results.total, per_page=PAGE)
    if pager.offset != results.offset:     # past the last page: show the last one
        results = inbox_query(request, offset=pager.offset, limit=PAGE, counts=True,
                              **query)
    base = request.resource_url(context, '@@' + request.view_name)
    state_options = [('', _('Nefinalizate')), (ALL, _('Toate'))] + [
        (s, workflow.STATE_TITLES[s]) for s in CASE_STATES]
    return {
        'results': results, 'rows': case_rows(request, results.items), 'pager': pager,
        'department': context if department is not None else None,
        'state': state, 'state_options': state_options,
        'urgency': get.get('termen', '') if urgency else '',
        'clerks': clerks, 'who': who if department is not None else '',
        'nobody': NOBODY, 'services': services, 'service': service or '',
        'q': text, 'base': base,
        'late_url': base + '?termen=intarziate', 'at_risk_url': base + '?termen=aproape',
        'summary': plural(results.total, _('O cerere găsită.'), _('${n} cereri găsite.'),
                          _('${n} de cereri găsite.')),
        'dashboard_url': request.resource_url(context, '@@situatie')
        if department is not None and request.has_permission(SIGN, context) else None,
        'filtered': bool(state or urgency or text or (department is not None and
                                                      (who or service))),
    }


@view_config(context=IDepartment, name='inbox', permission=WORK_CASE,
             renderer='cityportal:cases/templates/inbox.pt')
def department_inbox(context, request):
    """/departamente/<dep>/@@inbox: the department's cases, for its clerks and signatories."""
    data = _inbox_page(context, request, department=context.__name__)
    data['title'] = _('Cererile departamentului ${name}', mapping={'name': context.title})
    return data


@view_config(context=IPortalRoot, name='cazurile-mele', permission=STAFF_AREA,
             renderer='cityportal:cases/templates/inbox.pt')
def my_cases(context, request):
    """/@@cazurile-mele: the cases assigned to the signed-in clerk."""
    data = _inbox_page(context, request, assignee=request.identity.userid)
    data['title'] = _('Cererile repartizate mie')
    return data


def includeme(config):
    config.scan(__name__)
