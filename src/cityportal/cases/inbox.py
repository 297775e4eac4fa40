"""Inboxes: a department's cases and "my cases", from the catalog's work queues.

:func:`inbox_query` is the one query behind both pages (and the dashboard's
late count): the cases of one department and/or assignee, filtered by state,
service, urgency and text, sorted by deadline (cases without one last), one
page at a time, with the counts of late and at-risk cases on top.

The cases come from the ``queue`` index (:mod:`cityportal.catalog.queues`),
which keeps each department's, service's and assignee's cases per state in
deadline order: a page is a walk of 50 keys, a count a stored Length, "late"
a range of keys below today. Nothing scales with the archive: a department
with ten years of closed cases answers its first page as fast as a new one.

The queues keep each case's row (:data:`ROW`: what the table shows), so a page
loads no case at all: it reads the same few buckets whether the department
has a hundred cases or ten years of them.

Permissions: a user whose principals the cases' own ACL allows for the whole
department (its clerks and signatories, the managers: :func:`covers`) sees
its queues as they are; anyone else only the cases the ``allowed`` index
grants to their principals (as ``catalog.query.search`` filters), each case of
their page then loaded and checked again with ``request.has_permission``.
"""
import datetime
import re
from dataclasses import dataclass, field

from BTrees.IFBTree import IFSet, intersection, multiunion
from hypatia.text.parsetree import ParseError
from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.traversal import find_root
from pyramid.view import view_config

from ..catalog import queues
from ..catalog.catalog import ROW, ROW_SEP
from ..catalog.queues import day_key
from ..catalog.query import text_query, user_principals
from ..i18n import _, plural
from ..interfaces import ICase, IDepartment, IPortalRoot
from ..layout.dates import local_date
from ..layout.pager import Pager
from ..security import CLERK, SIGN, STAFF_AREA, VIEW, WORK_CASE, get_local_roles
from . import deadlines, workflow

PAGE = 50


class Row(dict):
    """A case as the inbox lists it, from its row in the work queues (no case loaded)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None
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


def allowed_filter(catalog, principals):
    # cases are never public (the dossiers deny Everyone): the public
    # principals would only add the site's public pages
    index = catalog['allowed']
    return AnyOf([_fwd(index, p) for p in principals if p not in (Everyone, Authenticated)])


def department_filter(catalog, department):
    """A department's documents (its cases, for the dashboard's processing times)."""
    return AnyOf([_fwd(catalog['department'], department)])


def covers(principals, department):
    """True when ``principals`` may see every case of ``department``.

    A case's own ACL (:func:`resources.case_acl`) is the first its lineage
    offers and names only its department's roles and the managers; whoever
    it allows sees every case of the department, whatever the dossier above.
    """
    from .resources import case_acl

    class Probe:
        __acl__ = case_acl(department)
        __parent__ = None
    return bool(ACLHelper().permits(Probe(), list(principals), VIEW))


def urgency_range(urgency, today, calendar):
    """The key range (low, high) of the cases late or at risk ``today`` (None, None: all)."""
    if urgency == LATE:
        return None, day_key(today)            # due before today (undated: never)
    if urgency == AT_RISK:
        return day_key(today), day_key(at_risk_until(today, calendar) +
                                       datetime.timedelta(days=1))
    return None, None


def _nothing(docid):
    return False


def access_test(catalog, principals, department=None):
    """Which cases ``principals`` may see: None for all of ``department``'s (see
    :func:`covers`), else a docid test by the ``allowed`` index (cases are never
    public: the public principals would only add the site's public pages)."""
    if department and covers(principals, department):
        return None
    index = catalog['allowed']
    granted = [s for s in (_fwd(index, p) for p in principals
                           if p not in (Everyone, Authenticated)) if s]
    if not granted:
        return _nothing
    if len(granted) == 1:
        return granted[0].__contains__
    return lambda d: any(d in s for s in granted)


_UNSET = object()


def inbox_select(catalog, principals, today, calendar, department=None, state=None,
                 assignee=None, service=None, urgency=None, text=None, offset=0,
                 limit=PAGE, access=_UNSET):
    """(total, (key, row) of one page) of the cases matching the filters, by deadline.

    Read from the work queues of the catalog (:mod:`catalog.queues`): the
    department's (or, without one, the assignee's) queues of the states asked,
    narrowed by the assignee's and the service's queues, the text's docids and
    a range of deadlines for the late or at-risk cases. A user who may not see
    all of a department's cases gets only the cases the ``allowed`` index
    grants to their principals (``access``: :func:`access_test`'s answer, when
    the caller has it already).
    """
    if access is _UNSET:
        access = access_test(catalog, principals, department)
    if access is _nothing:
        return 0, []
    if state == ALL:
        states = CASE_STATES
    elif state in CASE_STATES:
        states = (state,)
    else:
        states = ACTIVE_STATES
    if urgency in (LATE, AT_RISK):
        states = tuple(s for s in states if s in CLOCK_STATES)
    scopes = []
    if department:
        scopes.append((queues.DEPARTMENT, department))
    if assignee:
        scopes.append((queues.ASSIGNEE, queues.NOBODY if assignee == NOBODY else assignee))
    if service:
        scopes.append((queues.SERVICE, service))
    if not scopes or not states:
        return 0, []
    low, high = urgency_range(urgency, today, calendar)
    ids = _text_ids(catalog, text) if text and text.strip() else None
    return catalog['queue'].select(scopes, states, low, high, offset=offset, limit=limit,
                                   ids=ids, test=access)


def urgency_counts(catalog, principals, today, calendar, department=None, assignee=None,
                   access=_UNSET):
    """(late, at risk): the scope's cases whose legal clock runs, by deadline."""
    if access is _UNSET:
        access = access_test(catalog, principals, department)
    kw = dict(department=department, assignee=assignee, state=None, limit=0, access=access)
    late = inbox_select(catalog, principals, today, calendar, urgency=LATE, **kw)[0]
    risky = inbox_select(catalog, principals, today, calendar, urgency=AT_RISK, **kw)[0]
    return late, risky


def _text_ids(catalog, text):
    """Cases matching ``text``: a case number exactly, else the words of the text index."""
    m = NUMBER_RE.match(text)
    if m:
        docid = catalog['number'].docid_for(m.group(1).upper())
        return IFSet([docid] if docid is not None else [])
    tq = text_query(text)
    if not tq:
        return EMPTY
    try:
        scores = catalog['text'].applyContains(tq)
    except ParseError:
        return EMPTY
    return IFSet(scores.keys()) if scores else EMPTY


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
    access = access_test(catalog, principals, department)
    total, page = inbox_select(
        catalog, principals, today, calendar, department=department, state=state,
        assignee=assignee, service=service, urgency=urgency, text=text,
        offset=offset, limit=limit, access=access)
    late = at_risk = None
    if counts:
        late, at_risk = urgency_counts(catalog, principals, today, calendar,
                                       department=department, assignee=assignee,
                                       access=access)
    resolve = catalog.resolver(root)
    items = []
    for key, row in page:
        if access is not None:
            # not every case of the scope is this user's to see: each one is checked
            case = resolve(queues.docid_of(key))
            if case is None or not ICase.providedBy(case) or \
                    not request.has_permission(VIEW, case):
                continue
        items.append(Row(zip(ROW, row.split(ROW_SEP)), group=queues.group_of(key)))
    # the queue orders the cases of one deadline and day filed by docid: here, as filed
    items.sort(key=lambda r: (r['group'], r['submitted'] or '~', r['number']))
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
    """(path, title) of the services routed to a department, by title.

    Kept per process until content changes (the root's content generation):
    every inbox page of the department offers them as a filter.
    """
    from pyramid.traversal import resource_path
    from ..catalog.folding import fold
    from ..interfaces import IService
    from ..layout.cache import content_generation
    cache = request.registry.__dict__.setdefault('cityportal_department_services', {})
    generation = content_generation(request.root)
    found = cache.get(department_name)
    if found is not None and generation is not None and found[0] == generation:
        return found[1]
    out = []
    for category in request.root['servicii'].values():
        for service in category.values():
            if IService.providedBy(service) and service.department == department_name:
                out.append((resource_path(service), service.title))
    out.sort(key=lambda s: fold(s[1]))
    out = tuple(out)
    cache[department_name] = (generation, out)
    return out


def case_rows(request, rows):
    """What an inbox table shows of each case (from :class:`Row`), built once."""
    from urllib.parse import quote
    from .api import today as local_today
    calendar = deadlines.get_calendar(request.registry)
    today = local_today()
    users = request.root['utilizatori']
    translate = request.localizer.translate
    base = request.application_url
    names, states, dates = {}, {}, {}
    out = []
    for row in rows:
        assignee, state, deadline = row['assignee'], row['state'], row['deadline']
        if assignee and assignee not in names:
            user = users.get(assignee)
            names[assignee] = user.title if user is not None else assignee
        if state not in states:
            states[state] = translate(workflow.STATE_TITLES.get(state, state))
        if deadline and deadline not in dates:
            day = datetime.date.fromisoformat(deadline)
            dates[deadline] = (day, local_date(day))
        day, shown = dates[deadline] if deadline else (None, '')
        out.append({
            'url': base + quote(row['path']) + '/', 'number': row['number'],
            'service': row['service'], 'citizen': row['citizen'], 'state': states[state],
            'deadline': shown, 'deadline_iso': deadline,
            'urgency': deadlines.urgency(day, today, calendar)
            if day and state in CLOCK_STATES else None,
            'assignee': names.get(assignee, '') if assignee else '',
        })
    return out


def rows_html(rows, translate):
    """The <tbody> rows of an inbox, built in Python (fifty rows of path lookups
    in the template cost as much as the rest of the page); each repeated value
    (a service, a state, a clerk) is escaped once."""
    from html import escape
    from ..layout.html import escaper
    esc = escaper()
    badges = {
        'late': ' <strong class="badge late">%s</strong>' % escape(
            translate(_('termen depășit'))),
        'at-risk': ' <strong class="badge at-risk">%s</strong>' % escape(
            translate(_('aproape de termen'))),
    }
    nobody = '<span class="muted">%s</span>' % escape(translate(_('nerepartizată')))
    out = []
    for r in rows:
        deadline = '<time datetime="%s">%s</time>' % (r['deadline_iso'], esc(r['deadline'])) \
            if r['deadline'] else ''
        out.append(
            '<tr><th scope="row"><a href="%s">%s</a></th><td>%s</td><td>%s</td><td>%s</td>'
            '<td>%s%s</td><td>%s</td></tr>' % (
                escape(r['url']), esc(r['number']), esc(r['service']), esc(r['citizen']),
                esc(r['state']), deadline, badges.get(r['urgency'], ''),
                esc(r['assignee']) if r['assignee'] else nobody))
    return ''.join(out)


def options_html(options, selected):
    """<option>s of (value, label), ``selected`` marked (the services of a department)."""
    from html import escape
    return ''.join('<option value="%s"%s>%s</option>' % (
        escape(value), ' selected="selected"' if value == selected else '', escape(label))
        for value, label in options)


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
        'results': results, 'pager': pager,
        'rows_html': rows_html(case_rows(request, results.items),
                               request.localizer.translate) if results.items else '',
        'services_html': options_html(services, service or ''),
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
