"""The head of department's dashboard: /departamente/<dep>/@@situatie.

:func:`dashboard_figures` returns plain data (names, numbers, strings), the
numbers a public transparency page will show later: cases by state, late and
at-risk cases, and the median processing time (submitted → decided, in days)
per service over the last 90 days. The page shows each figure twice: as
inline SVG bars (decoration, hidden from screen readers) and as a table with
the same numbers (the accessible alternative). No JavaScript.

Who: the department's signatories (its heads sign) and the managers, i.e.
whoever holds SIGN on the department.
"""
import datetime
import statistics

from pyramid.traversal import find_resource
from pyramid.view import view_config

from ..catalog.catalog import ROW, ROW_SEP
from ..catalog.query import user_principals
from ..i18n import _
from ..interfaces import IDepartment
from ..layout.dates import local_date
from ..security import SIGN
from . import deadlines, workflow
from .inbox import (
    CASE_STATES, LATE, AnyOf, access_test, allowed_filter, day_value, department_filter,
    inbox_select, run_filters, urgency_counts)

PERIOD_DAYS = 90
LATE_LISTED = 10
DAY = 86400.0


def _median_days(durations):
    return round(statistics.median(durations) / DAY, 1) if durations else None


def dashboard_figures(request, department, today=None, period_days=PERIOD_DAYS,
                      principals=None):
    """The dashboard's numbers for ``department`` as plain data.

    Counted over the cases the ``principals`` may see (by default the current
    user's; a public page may pass its own). Processing time runs from
    submission to decision (approval or rejection), in calendar days, over
    the cases decided in the last ``period_days`` days.
    """
    from .api import today as local_today
    root = request.root
    catalog = root.catalog
    today = today or local_today()
    calendar = deadlines.get_calendar(request.registry)
    principals = principals if principals is not None else user_principals(request)
    translate = request.localizer.translate
    name = department.__name__
    scope = [department_filter(catalog, name), allowed_filter(catalog, principals)]
    access = access_test(catalog, principals, name)

    counts = {}
    for state in CASE_STATES:
        counts[state] = inbox_select(catalog, principals, today, calendar, department=name,
                                     state=state, limit=0, access=access)[0]
    by_state = [{'state': s, 'title': translate(workflow.STATE_TITLES[s]),
                 'count': counts[s]} for s in CASE_STATES]

    late, at_risk = urgency_counts(catalog, principals, today, calendar, department=name,
                                   access=access)
    late_page = inbox_select(catalog, principals, today, calendar, department=name,
                             urgency=LATE, limit=LATE_LISTED, access=access)[1]
    late_cases = []
    for _key, row in late_page:
        row = dict(zip(ROW, row.split(ROW_SEP)))
        deadline = datetime.date.fromisoformat(row['deadline'])
        late_cases.append({
            'number': row['number'], 'url': request.application_url + row['path'] + '/',
            'service': row['service'], 'deadline': local_date(deadline),
            'days_late': (today - deadline).days,
        })

    start = today - datetime.timedelta(days=period_days)
    decided = AnyOf(catalog['decided']._fwd_index.values(
        day_value(start), day_value(today + datetime.timedelta(days=1))))
    recent = run_filters(scope + [decided])
    rev_sub = catalog['submitted']._rev_index
    rev_dec = catalog['decided']._rev_index
    rev_service = catalog['service']._rev_index
    durations = {}
    for docid in recent:
        sub, dec = rev_sub.get(docid), rev_dec.get(docid)
        if sub is None or dec is None or dec < sub:
            continue
        durations.setdefault(rev_service.get(docid), []).append(dec - sub)
    titles = {}
    processing = []
    for path, values in durations.items():
        if path not in titles:
            try:
                titles[path] = find_resource(root, path).title
            except (KeyError, TypeError):
                titles[path] = path or ''
        processing.append({'service': path, 'title': titles[path], 'decided': len(values),
                           'median_days': _median_days(values)})
    processing.sort(key=lambda p: (-p['median_days'], p['title']))
    return {
        'department': name, 'department_title': department.title,
        'total': sum(counts.values()), 'by_state': by_state,
        'open': sum(counts.get(s, 0) for s in workflow.OPEN_STATES),
        'late': late, 'at_risk': at_risk, 'late_cases': late_cases,
        'processing': processing, 'period_days': period_days,
        'period_from': local_date(start), 'period_to': local_date(today),
        'today': local_date(today),
    }


def bars(items, value_key, label_key, width=360, bar=18, gap=10, label_width=300):
    """Geometry of a horizontal bar chart (for the template's inline SVG)."""
    top = max([i[value_key] or 0 for i in items] + [0])
    out = []
    for n, item in enumerate(items):
        value = item[value_key] or 0
        length = round(width * value / top, 1) if top else 0
        y = n * (bar + gap)
        label = str(item[label_key])
        out.append({'label': label if len(label) <= 40 else label[:39] + '…',
                    'value': item[value_key], 'y': y, 'text_y': y + bar * 0.75,
                    'width': length, 'value_x': label_width + length + 6})
    return {'bars': out, 'height': max(1, len(items) * (bar + gap)),
            'width': label_width + width + 60, 'label_x': label_width - 6,
            'bar_x': label_width, 'bar_height': bar}


@view_config(context=IDepartment, name='situatie', permission=SIGN,
             renderer='cityportal:cases/templates/dashboard.pt')
def dashboard(context, request):
    figures = dashboard_figures(request, context)
    return {
        'figures': figures,
        'title': _('Situația cererilor: ${name}', mapping={'name': context.title}),
        'state_chart': bars(figures['by_state'], 'count', 'title'),
        'time_chart': bars(figures['processing'], 'median_days', 'title'),
        'inbox_url': request.resource_url(context, '@@inbox'),
    }


def includeme(config):
    config.scan(__name__)
