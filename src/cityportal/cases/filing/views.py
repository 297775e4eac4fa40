"""The filing pages: who files where, the draft's pages, the receipt, withdrawal.

Every view declares its permission: SUBMIT, which the holder of the dossier and
the representatives verified for it have through the dossier's ACL (never the
department's staff). Each action is an event of the case and a line of the
audit log, with the actor and, for a representative, the represented dossier.
"""
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.traversal import find_resource, resource_path
from pyramid.view import view_config

from ...audit import audit, client_address
from ...dossiers.representation import acting_dossier
from ...dossiers.views import citizen_of
from ...events import ObjectModified, notify
from ...folder import utcnow
from ...i18n import _
from ...interfaces import ICase
from ...layout.dates import local_date, local_datetime
from ...security import SUBMIT
from ...services.views import deadline_text, fee_text
from .. import workflow
from ..api import new_draft, submit
from ..uploads import human_size
from .forms import FilingForm, display_value

#: the number of the case whose receipt went out by e-mail (session key)
RECEIPT_MAILED = 'cityportal.filing.mailed'


# who files, where --------------------------------------------------------------

def filing_dossier(request):
    """The dossier a request is filed in: the one the citizen acts for (their own, or
    one they represent), None for anyone who is not a citizen."""
    return acting_dossier(request)


def acting_for(request, dossier):
    """The path of ``dossier`` when the actor acts there for someone else, else None."""
    account = citizen_of(request)
    if account is None or dossier is None or dossier.__name__ == account.dossier_name:
        return None
    return resource_path(dossier)


def case_acting_for(request, case):
    return acting_for(request, case.__parent__)


def actor_of(request):
    return request.identity.userid


def once_only(service):
    """Names of the documents the city obtains itself (never asked of the citizen)."""
    return {d['name'] for d in (getattr(service, 'documents', None) or ())
            if d.get('obtained_by_city')}


def asked_fields(fields, fetched):
    """The form fields the citizen fills in: not those of documents the city fetches."""
    return [f for f in fields if not (f.get('document') and f['document'] in fetched)]


def find_drafts(request, service, dossier):
    """The drafts for ``service`` in ``dossier`` the user may continue, newest first.

    The dossier's own children, not the catalog (which leaves drafts out of its
    state index): a dossier holds tens of cases, not millions.
    """
    path = resource_path(service)
    drafts = [c for c in dossier.values()
              if getattr(c, 'content_type', None) == 'Case' and c.state == workflow.DRAFT
              and c.service_path == path and request.has_permission(SUBMIT, c)]
    drafts.sort(key=lambda c: c.modified, reverse=True)
    return drafts[:5]


def create_draft(request, service, dossier):
    """A new draft of ``service`` in ``dossier``: asks only what the city cannot fetch."""
    behalf = acting_for(request, dossier)
    case = new_draft(dossier, service, actor_of(request), on_behalf_of=behalf,
                     registry=request.registry)
    case.form_fields = tuple(asked_fields(case.form_fields, set(case.fetch_documents)))
    audit(request, 'case.draft', target=case, on_behalf_of=behalf,
          service=case.service_path)
    return case


def saved(request, case):
    """Record a save of the draft (trail and audit log)."""
    behalf = case_acting_for(request, case)
    case.modified = utcnow()
    case.record('save', actor_of(request), on_behalf_of=behalf, ip=client_address(request))
    notify(request.registry, ObjectModified(case))
    audit(request, 'case.save', target=case, on_behalf_of=behalf)


# views ---------------------------------------------------------------------------

def start_filing(service, request):
    """A @@cerere POST of a citizen: a draft with what is valid, then (303) its form,
    with the errors if there were any, or its summary when it was checked and complete."""
    dossier = filing_dossier(request)
    if dossier is None or not request.has_permission(SUBMIT, dossier):
        raise HTTPForbidden()
    case = create_draft(request, service, dossier)
    filing = FilingForm(request, case)
    verify = 'verify' in request.POST
    try:
        ok = filing.process(request.POST.items(), draft=not verify)
        if not ok:
            filing.carry(request.session)
    finally:
        filing.uploads.close()
    saved(request, case)
    if ok and verify:
        return HTTPSeeOther(request.resource_url(case, '@@verificare'))
    if ok:
        request.session.flash(_('Ciorna a fost salvată. O găsiți și în dosarul dumneavoastră.'),
                              'success')
    return HTTPSeeOther(request.resource_url(case, '@@formular'))


def _draft_only(case, request):
    """A view of drafts only: a filed case sends the citizen to its page."""
    if case.state != workflow.DRAFT:
        raise HTTPSeeOther(request.resource_url(case))


def _page(request, renderer, values, status=200):
    request.response.status = status
    return render_to_response(renderer, values, request=request, response=request.response)


def _service_of(request, case):
    try:
        return find_resource(request.root, case.service_path)
    except KeyError:
        return None


@view_config(context=ICase, name='formular', permission=SUBMIT)
def draft_form(context, request):
    """The draft's form: GET prefilled; POST saves what is valid ("save") or checks all."""
    _draft_only(context, request)
    filing = FilingForm(request, context)
    status = 200
    note = None
    try:
        if request.method == 'POST':
            verify = 'verify' in request.POST
            ok = filing.process(request.POST.items(), draft=not verify)
            saved(request, context)
            if ok and verify:
                return HTTPSeeOther(request.resource_url(context, '@@verificare'))
            if ok:
                request.session.flash(_('Ciorna a fost salvată.'), 'success')
                return HTTPSeeOther(request.resource_url(context, '@@formular'))
            status = 400
            note = _('Celelalte date au fost salvate în ciornă.')
        elif request.GET.get('verifica'):
            filing.validate_saved()
        else:
            filing.take_carried(request.session)
        html = filing.render(note=note)
    finally:
        filing.uploads.close()
    return _page(request, 'cityportal:cases/templates/filing_form.pt', {
        'title': context.title, 'form': html, 'case': context,
        'service': _service_of(request, context),
        'started': local_datetime(context.created),
        'fetched': list(context.fetch_documents),
        'delete_url': request.resource_url(context, '@@sterge-ciorna'),
        'has_errors': filing.form is not None and filing.form.error is not None,
    }, status=status)


def summary_values(request, case, service):
    answers = []
    files = []
    for field in case.form_fields:
        answer = case.answers.get(field['name'])
        if field['type'] == 'file':
            ids = answer if isinstance(answer, list) else [answer] if answer else []
            found = [(a, case.attachments[a]) for a in ids if a in case.attachments]
            files.append((field['label'], [
                (request.resource_url(case, '@@fisier', query={'id': aid}), a.filename,
                 human_size(a.size)) for aid, a in found]))
        else:
            answers.append((field['label'], display_value(request, field, answer, case)))
    return {
        'answers': answers, 'files': files, 'fetched': list(case.fetch_documents),
        'fee': fee_text(service.fee if service is not None else None),
        'term': deadline_text(case.term),
        'tacit': case.tacit_approval == 'yes',
    }


@view_config(context=ICase, name='verificare', permission=SUBMIT)
def review(context, request):
    """GET: everything the request says, to check; POST: submit it (one transaction)."""
    _draft_only(context, request)
    filing = FilingForm(request, context)
    try:
        complete = filing.validate_saved()
    finally:
        filing.uploads.close()
    back = request.resource_url(context, '@@formular', query={'verifica': '1'})
    if not complete:
        request.session.flash(_('Cererea nu este completă: corectați câmpurile marcate.'),
                              'error')
        return HTTPSeeOther(back)
    if request.method == 'POST' and 'submit' in request.POST:
        return _submit(context, request, back)
    values = summary_values(request, context, _service_of(request, context))
    values.update({'title': context.title, 'case': context,
                   'edit_url': request.resource_url(context, '@@formular'),
                   'csrf_token': get_csrf_token(request)})
    return _page(request, 'cityportal:cases/templates/filing_summary.pt', values)


def _submit(case, request, back):
    behalf = case_acting_for(request, case)
    try:
        case = submit(case, request, actor_of(request), on_behalf_of=behalf)
    except workflow.CaseWorkflowError as e:
        request.session.flash(e.args[0], 'error')
        return HTTPSeeOther(back)
    audit(request, 'case.submit', target=case, on_behalf_of=behalf, number=case.number,
          service=case.service_path)
    from ..messages import notify_citizen       # (it builds on this package)
    if notify_citizen(request, citizen_of(request), *receipt_mail(request, case)):
        request.session[RECEIPT_MAILED] = case.number
    return HTTPSeeOther(request.resource_url(case, '@@confirmare'))


def receipt_mail(request, case):
    """(subject, text) of the e-mail that confirms a submission."""
    translate = request.localizer.translate
    deadline = local_date(case.deadline) if case.deadline else translate(
        _('se comunică la înregistrarea cererii'))
    lines = [
        translate(_('Bună ziua,')), '',
        translate(_('Cererea dumneavoastră a fost depusă prin Portalul Unic.')), '',
        translate(_('Numărul cererii: ${number}', mapping={'number': case.number})),
        translate(_('Serviciul: ${service}', mapping={'service': case.title})),
        translate(_('Data depunerii: ${date}',
                    mapping={'date': local_datetime(case.submitted)})),
        translate(_('Termenul de răspuns: ${deadline}', mapping={'deadline': deadline})),
    ]
    if case.on_behalf_of:
        dossier = case.__parent__
        lines.append(translate(_('Depusă în numele: ${name}', mapping={'name': dossier.title})))
    lines += ['', translate(_('Urmăriți cererea și răspundeți primăriei din dosarul '
                              'dumneavoastră: ${url}',
                              mapping={'url': request.resource_url(case)})),
              '', translate(_('Acest mesaj a fost trimis automat; nu răspundeți la el.'))]
    subject = translate(_('Cererea ${number} a fost depusă', mapping={'number': case.number}))
    return subject, '\n'.join(lines) + '\n'


@view_config(context=ICase, name='confirmare', permission=SUBMIT,
             renderer='cityportal:cases/templates/filing_receipt.pt')
def receipt(context, request):
    """The receipt: number, date, deadline, what happens next."""
    if context.state == workflow.DRAFT:
        return HTTPSeeOther(request.resource_url(context, '@@formular'))
    account = citizen_of(request)
    department = request.root['departamente'].get(context.department) \
        if context.department else None
    return {
        'title': context.title, 'case': context,
        'submitted': local_datetime(context.submitted) if context.submitted else '',
        'deadline': local_date(context.deadline) if context.deadline else None,
        'tacit_date': local_date(context.tacit_date) if context.tacit_date else None,
        'department': department,
        'mailed_to': account.email if (
            account is not None and request.session.get(RECEIPT_MAILED) == context.number)
        else None,
        'case_url': request.resource_url(context),
        'dossier_url': request.resource_url(context.__parent__),
    }


@view_config(context=ICase, name='sterge-ciorna', permission=SUBMIT,
             renderer='cityportal:cases/templates/filing_delete.pt')
def delete_draft(context, request):
    """GET: confirm; POST (CSRF checked by the framework): the draft and its files go."""
    _draft_only(context, request)
    if request.method != 'POST':
        return {'title': context.title, 'case': context,
                'back': request.resource_url(context, '@@formular')}
    if 'confirm' not in request.POST:
        return HTTPSeeOther(request.resource_url(context, '@@formular'))
    dossier = context.__parent__
    behalf = acting_for(request, dossier)
    audit(request, 'case.draft_delete', target=context, on_behalf_of=behalf,
          service=context.service_path)
    dossier.remove(context.__name__, registry=request.registry)
    request.session.flash(_('Ciorna a fost ștearsă.'), 'success')
    return HTTPSeeOther(request.resource_url(dossier))


@view_config(context=ICase, name='retrage', permission=SUBMIT,
             renderer='cityportal:cases/templates/withdraw_confirm.pt')
def withdraw(context, request):
    """GET: confirm (reason optional); POST: withdraw the request while it is undecided."""
    if context.state == workflow.DRAFT:
        return HTTPSeeOther(request.resource_url(context, '@@sterge-ciorna'))
    if context.state not in workflow.BY_NAME['withdraw'].sources:
        request.session.flash(_('Cererea nu mai poate fi retrasă: ${state}.', mapping={
            'state': request.localizer.translate(context.state_title)}), 'error')
        return HTTPSeeOther(request.resource_url(context))
    if request.method != 'POST':
        return {'title': context.title, 'case': context, 'error': None, 'reason': '',
                'back': request.resource_url(context)}
    if 'confirm' not in request.POST:
        return HTTPSeeOther(request.resource_url(context))
    reason = request.POST.get('reason', '')
    reason = reason.strip() if isinstance(reason, str) else ''
    if len(reason) > 2000 or any(ord(c) < 32 and c not in '\t\r\n' for c in reason):
        request.response.status = 400
        request.tm.doom()
        return {'title': context.title, 'case': context, 'reason': reason[:2000],
                'back': request.resource_url(context),
                'error': _('Motivul poate avea cel mult 2000 de caractere, fără caractere '
                           'de control.')}
    behalf = case_acting_for(request, context)
    workflow.transition(context, 'withdraw', actor_of(request), reason=reason,
                        on_behalf_of=behalf, ip=client_address(request),
                        registry=request.registry)
    audit(request, 'case.withdraw', target=context, on_behalf_of=behalf,
          number=context.number, reason=reason)
    request.session.flash(_('Cererea ${number} a fost retrasă.',
                            mapping={'number': context.number}), 'success')
    return HTTPSeeOther(request.resource_url(context))
