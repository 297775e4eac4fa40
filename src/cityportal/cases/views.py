"""The case page, its files, and the clerk's actions on it.

- ``/dosare/<id>/<case>/`` (VIEW): what was asked, the legal clock, the trail;
  for the department's staff (WORK_CASE) also the assignee, the actions, the
  extension, the internal notes and the full trail. Every staff view is
  audited, at most once per person, case and hour.
- ``@@fisier?id=…`` (VIEW): one uploaded file, as a download.
- ``@@actiune`` (WORK_CASE, POST): a transition, the extension or a note.
  Every form carries ``versiune`` (the number of events the clerk saw); when
  the case moved on meanwhile, nothing changes and the page comes back with
  who did what and the text the clerk typed, still in its box.
"""
import datetime
import unicodedata
from urllib.parse import quote

from pyramid.httpexceptions import HTTPBadRequest, HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import FileResponse, Response
from pyramid.view import view_config

from ..audit import audit, client_address
from ..i18n import _
from ..interfaces import ICase
from ..layout.dates import local_date, local_datetime
from ..security import SUBMIT, VIEW, WORK_CASE
from . import api, deadlines, workflow
from .inbox import CLOCK_STATES, department_clerks
from .workflow import CaseWorkflowError

CASE_TEMPLATE = 'cityportal:cases/templates/case.pt'

#: how the trail names what happened (the citizen reads these too)
ACTION_TITLES = {
    'draft': _('Ciornă începută'),
    'submit': _('Cerere depusă'),
    'register': _('Cerere înregistrată'),
    'assign': _('Cerere repartizată'),
    'start': _('Cerere preluată în lucru'),
    'request_completion': _('Completări solicitate'),
    'complete': _('Completări trimise'),
    'approve': _('Cerere aprobată'),
    'reject': _('Cerere respinsă'),
    'sign': _('Răspuns semnat'),
    'issue': _('Răspuns emis'),
    'close': _('Dosar închis'),
    'withdraw': _('Cerere retrasă'),
    'extend': _('Termen prelungit'),
    'message': _('Mesaj'),
}
#: the actions of @@actiune besides the transitions
EXTEND = 'extend'
NOTE = 'note'
#: the query parameter of the page after an action: what was done
DONE = 'gata'
DONE_MESSAGES = {
    NOTE: _('Nota a fost adăugată.'),
    EXTEND: _('Termenul a fost prelungit.'),
}
#: the types a download may declare (anything else goes out as bytes)
SAFE_TYPES = frozenset({
    'application/pdf', 'image/jpeg', 'image/png', 'image/tiff', 'application/zip',
    'application/xml', 'text/xml', 'application/pkcs7-signature', 'image/vnd.dwg',
    'image/vnd.dxf', 'application/dxf', 'application/acad',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
})


def is_staff(request):
    return bool(getattr(request.identity, 'is_staff', False))


def person_title(request, userid):
    """A staff member's or a citizen's name for ``userid`` (the id itself if unknown)."""
    if not userid:
        return ''
    from ..dossiers.resources import account_for_userid
    root = request.root
    account = root['utilizatori'].get(userid) or account_for_userid(root['dosare'], userid)
    return account.title if account is not None else userid


# what the page shows -------------------------------------------------------------

def file_size(n):
    if n is None:
        return ''
    if n < 1024:
        return '%d B' % n
    if n < 1024 * 1024:
        return '%d KB' % round(n / 1024)
    return ('%.1f MB' % (n / 1024 / 1024)).replace('.', ',')


def _display(request, field, value):
    """One answer as text, the way the form asked it (answers are stored JSON-able)."""
    translate = request.localizer.translate
    kind = field.get('type')
    if value is None or value == '' or value == [] or value == ():
        return translate(_('necompletat'))
    if kind == 'checkbox' or isinstance(value, bool):
        return translate(_('Da') if value else _('Nu'))
    if kind in ('select', 'radio'):
        labels = {o.get('value'): o.get('label') for o in field.get('options') or ()}
        return labels.get(value, value)
    if kind == 'date' and isinstance(value, str):
        try:
            return local_date(datetime.date.fromisoformat(value))
        except ValueError:
            return value
    if hasattr(value, 'year') and hasattr(value, 'day'):
        return local_date(value)
    if kind == 'number':
        return str(value).replace('.', ',')
    if isinstance(value, (list, tuple)):
        return ', '.join(str(v) for v in value)
    return str(value)


#: files that came with no field of the form: where they came from
FILE_ORIGINS = {
    'completare': _('Completare'),
    'mesaje': _('Mesaj'),
}


def answer_rows(context, request):
    """(rows in the form's field order, the files no field of the form claims)."""
    translate = request.localizer.translate
    by_field = {}
    for key, att in context.attachments.items():
        by_field.setdefault(att.field, []).append((key, att))

    def files(pairs):
        return [{'url': request.resource_url(context, '@@fisier', query={'id': key}),
                 'filename': att.filename, 'size': file_size(att.size),
                 'origin': translate(FILE_ORIGINS[att.field])
                 if att.field in FILE_ORIGINS else ''}
                for key, att in pairs]
    rows = []
    for field in context.form_fields:
        name = field.get('name')
        if field.get('type') == 'file':
            rows.append({'label': field.get('label', name),
                         'files': files(by_field.pop(name, [])), 'value': None})
        else:
            rows.append({'label': field.get('label', name), 'files': None,
                         'value': _display(request, field, context.answers.get(name))})
    others = files(pair for name in sorted(by_field, key=str) for pair in by_field[name])
    return rows, others


def trail_rows(context, request, full):
    """The events, newest last; ``full`` (staff) adds who, for whom, from where."""
    translate = request.localizer.translate
    rows = []
    for event in context.events:
        action = event.get('action')
        row = {'when': local_datetime(event['when']),
               'when_iso': event['when'].isoformat(),
               'title': translate(ACTION_TITLES.get(action, action)),
               'reason': event.get('reason') or ''}
        if full:
            row.update({
                'actor': person_title(request, event.get('actor')),
                'on_behalf_of': event.get('on_behalf_of') or '',
                'ip': event.get('ip') or '',
                'state': translate(workflow.STATE_TITLES.get(event.get('state'),
                                                              event.get('state') or '')),
                'assignee': person_title(request, event.get('assignee')),
                'deadline': local_date(_date(event['deadline']))
                if event.get('deadline') else '',
            })
        rows.append(row)
    return rows


def _date(value):
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def registration_text(context):
    reg = context.registration
    if not reg:
        return ''
    try:
        number, date = reg[0], reg[1]
    except (TypeError, IndexError, KeyError):
        return str(reg)
    if hasattr(date, 'day'):
        date = local_date(date)
    return '%s / %s' % (number, date) if date else str(number)


def staff_actions(context, request):
    """The transitions the current staff member may take now (forms on the page)."""
    actor = request.identity.userid
    out = []
    for t in workflow.available(context, request):
        if not t.staff:
            continue
        if t.guard is not None and t.name != 'assign' and t.guard(context, actor):
            continue      # e.g. another clerk's case: their actions, not ours
        out.append(t)
    return out


def done_message(request):
    """The confirmation of the action the clerk just took (from the redirect's query)."""
    name = request.GET.get(DONE, '')
    if name in DONE_MESSAGES:
        return DONE_MESSAGES[name]
    t = workflow.BY_NAME.get(name)
    if t is None or not t.staff:
        return None
    return _('Gata: ${action}.', mapping={
        'action': request.localizer.translate(ACTION_TITLES.get(name, name))})


def case_page(context, request, notice=None, error=None, kept=None):
    """The values of the case template (also after a refused action: ``kept``)."""
    kept = kept or {}
    staff = bool(request.has_permission(WORK_CASE, context))
    today = api.today()
    calendar = deadlines.get_calendar(request.registry)
    clock = context.state in CLOCK_STATES
    urgency = deadlines.urgency(context.deadline, today, calendar) if clock else None
    answers, other_files = answer_rows(context, request)
    data = {
        'case': context, 'staff': staff, 'notice': notice, 'error': error, 'kept': kept,
        'done': done_message(request) if staff and notice is None and error is None else None,
        'version': len(context.events),
        'submitted': local_datetime(context.submitted) if context.submitted else '',
        'deadline': local_date(context.deadline) if context.deadline else '',
        'deadline_iso': context.deadline.isoformat() if context.deadline else '',
        'urgency': urgency, 'paused': context.state == workflow.AWAITING,
        'tacit_date': local_date(context.tacit_date)
        if clock and context.tacit_date else '',
        'registration': registration_text(context),
        'answers': answers, 'other_files': other_files,
        'fetch_documents': list(context.fetch_documents or ()),
        'trail': trail_rows(context, request, full=staff),
        'citizen_links': [],
    }
    links = data['citizen_links']
    if request.has_permission(SUBMIT, context) and not is_staff(request):
        if context.state in workflow.BY_NAME['withdraw'].sources:
            links.append((request.resource_url(context, '@@retrage'), _('Retrage cererea')))
        if context.state == workflow.AWAITING:
            links.append((request.resource_url(context, '@@completare'),
                          _('Trimite completările')))
    # the thread is for the citizen and the department's staff alike
    links.append((request.resource_url(context, '@@mesaje'), _('Mesaje')))
    if staff:
        actions = staff_actions(context, request)
        clerks = []
        department = request.root['departamente'].get(context.department or '')
        if department is not None:
            clerks = department_clerks(department)
        me = request.identity.userid
        rendered = {t.name for t in actions} | {NOTE}
        if api.can_extend(context) is None:
            rendered.add(EXTEND)
        data.update({
            'actions': actions,
            'assignee': person_title(request, context.assignee),
            'clerks': clerks,
            'assign_default': kept.get('assignee') or (
                me if me in dict(clerks) else context.assignee or ''),
            'can_extend': EXTEND in rendered,
            'extension_days': (context.term or {}).get('extension_days'),
            'notes': [{'when': local_datetime(n['when']), 'when_iso': n['when'].isoformat(),
                       'actor': person_title(request, n.get('actor')), 'text': n['text']}
                      for n in context.notes],
            # the text of a refused action whose form is gone (the state moved on)
            'orphan_text': (kept.get('reason') or '')
            if kept.get('action') not in rendered else '',
        })
    return data


def render_case(context, request, status=200, **kw):
    response = render_to_response(CASE_TEMPLATE, case_page(context, request, **kw),
                                  request=request)
    response.status = status
    return response


@view_config(context=ICase, permission=VIEW, renderer=CASE_TEMPLATE)
def case_view(context, request):
    if context.state == workflow.DRAFT:
        if is_staff(request):
            raise HTTPNotFound()      # a draft is the citizen's own, unsent work
        return HTTPSeeOther(request.resource_url(context, '@@formular'))
    if is_staff(request) and api.note_staff_view(context, request.identity.userid):
        audit(request, 'case.view', target=context, on_behalf_of=None)
    return case_page(context, request)


# the files -----------------------------------------------------------------------

PRIVATE_DOWNLOAD = 'cityportal.private_download'


def private_download(event):
    """A case's file is never cached, by the browser or on the way ("private, no-store").

    A NewResponse subscriber registered after the layout's (which sets
    "no-store" on every page of a session): the last word on these headers.
    """
    if event.request.environ.get(PRIVATE_DOWNLOAD):
        event.response.headers['Cache-Control'] = 'private, no-store'


def safe_filename(name):
    """An ASCII file name for Content-Disposition: no path, quotes or controls."""
    name = (name or '').replace('\\', '/').split('/')[-1]
    ascii_name = unicodedata.normalize('NFKD', name).encode('ascii', 'ignore').decode()
    ascii_name = ''.join(c if c.isalnum() or c in '.-_ ' else '_' for c in ascii_name)
    ascii_name = ascii_name.strip(' .')[:150]
    return ascii_name or 'fisier'


def content_disposition(filename):
    plain = safe_filename(filename)
    original = (filename or '').replace('\\', '/').split('/')[-1]
    original = ''.join(c for c in original if c.isprintable())[:150] or plain
    return "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (
        plain, quote(original, safe=''))


@view_config(context=ICase, name='fisier', permission=VIEW)
def download(context, request):
    if context.state == workflow.DRAFT and is_staff(request):
        raise HTTPNotFound()
    key = request.GET.get('id', '')
    att = context.attachments.get(key) if key else None
    if att is None:
        raise HTTPNotFound()
    content_type = att.sniffed_type if att.sniffed_type in SAFE_TYPES else \
        'application/octet-stream'
    try:
        path = att.blob.committed()
    except Exception:       # not committed yet (the same transaction): read it
        path = None
    if path:
        response = FileResponse(path, request=request, content_type=content_type)
    else:
        with att.blob.open('r') as f:
            response = Response(body=f.read(), content_type=content_type)
    response.headers['Content-Disposition'] = content_disposition(att.filename)
    response.headers['X-Content-Type-Options'] = 'nosniff'

    request.environ[PRIVATE_DOWNLOAD] = True
    if is_staff(request):
        audit(request, 'case.download', target=context, on_behalf_of=None, file=key)
    return response


# the clerk's actions -------------------------------------------------------------

def stale_notice(context, request, version):
    """What changed since the clerk loaded the page: who, and what."""
    events = context.events
    since = events[version:] if 0 <= version < len(events) else events[-1:]
    last = since[-1] if since else None
    translate = request.localizer.translate
    who = person_title(request, last.get('actor')) if last else ''
    what = translate(ACTION_TITLES.get(last.get('action'), last.get('action'))) \
        if last else ''
    return _('Cererea a fost modificată între timp de ${who} (${what}). '
             'Verificați și reluați acțiunea.', mapping={'who': who, 'what': what})


def notify_completion_request(request, case):
    """E-mail the citizen (after the commit, if they want e-mail) that documents are asked.

    Like the thread's notices, the e-mail only points to the portal: what the
    clerk asks stays there (the case page and ``@@completare`` show it).
    """
    from .messages import citizens_of, notify_citizen
    translate = request.localizer.translate
    number = case.number or case.title
    subject = translate(_('Completări cerute pentru cererea ${number}',
                          mapping={'number': number}))
    text = '\n'.join([
        translate(_('Bună ziua,')), '',
        translate(_('Pentru cererea ${number} (${service}), primăria vă cere completări. '
                    'Termenul de răspuns este suspendat până le trimiteți.',
                    mapping={'number': number, 'service': case.title})),
        translate(_('Vedeți ce vi se cere și trimiteți documentele în portal: ${url}',
                    mapping={'url': request.resource_url(case, '@@completare')})),
        '', translate(_('Acest mesaj a fost trimis automat; nu răspundeți la el.')),
    ]) + '\n'
    for account in citizens_of(request, case):
        notify_citizen(request, account, subject, text)


@view_config(context=ICase, name='actiune', permission=WORK_CASE, request_method='POST')
def case_action(context, request):
    post = request.POST
    name = post.get('actiune', '')
    kept = {'action': name, 'reason': post.get('motiv', ''), 'note': post.get('nota', ''),
            'assignee': post.get('responsabil', '')}
    transition = None
    if name not in (EXTEND, NOTE):
        transition = workflow.BY_NAME.get(name)
        if transition is None or not transition.staff:
            raise HTTPBadRequest()
        if not request.has_permission(transition.permission, context):
            raise HTTPForbidden()     # e.g. a clerk signing: signatories only
    try:
        version = int(post.get('versiune', ''))
    except ValueError:
        version = -1
    if version != len(context.events):
        request.tm.doom()
        return render_case(context, request, status=409, kept=kept,
                           notice=stale_notice(context, request, version))
    actor = request.identity.userid
    ip = client_address(request)
    registry = request.registry
    try:
        if name == NOTE:
            api.add_note(context, actor, kept['note'], ip=ip)
        elif name == EXTEND:
            api.extend_deadline(context, actor, kept['reason'], ip=ip, registry=registry)
        else:
            kw = {}
            if name == 'assign':
                department = request.root['departamente'].get(context.department or '')
                clerks = dict(department_clerks(department)) if department else {}
                if kept['assignee'] not in clerks:
                    raise CaseWorkflowError(
                        _('Alegeți un funcționar al departamentului.'))
                kw['assignee'] = kept['assignee']
            reason = kept['reason']
            api.check_reason(reason)
            workflow.transition(context, name, actor,
                                reason=reason if transition.needs_reason else '',
                                on_behalf_of=None, ip=ip, registry=registry, **kw)
    except CaseWorkflowError as e:
        request.tm.doom()
        return render_case(context, request, status=400, kept=kept, error=e.args[0])
    if name == 'request_completion':
        notify_completion_request(request, context)
    # the confirmation rides on the redirect, not in the session: a request
    # whose commit meets a ConflictError must leave nothing behind to show
    return HTTPSeeOther(request.resource_url(context, query={DONE: name}))


def includeme(config):
    from pyramid.events import NewResponse
    config.add_subscriber(private_download, NewResponse)
    config.scan(__name__)
