"""The citizen's side: sign-in page, "my dossier", the dossier page and the profile."""
import datetime

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.view import view_config

from ..audit import audit
from ..i18n import _
from ..interfaces import IDossier, IPortalRoot
from ..layout.forms import FormView
from ..layout.views import _quote, safe_came_from
from ..security import VIEW, VIEW_DOSSIER
from ..validators import phone_problem, normalize_phone
from .resources import CITIZEN_PREFIX


def citizen_of(request):
    """The signed-in citizen account, or None (anonymous or staff)."""
    identity = request.identity
    if identity is None or not identity.userid.startswith(CITIZEN_PREFIX):
        return None
    return identity


@view_config(context=IPortalRoot, name='autentificare', permission=VIEW,
             renderer='cityportal:dossiers/templates/signin.pt')
def signin(context, request):
    """Where citizens start: one button to ROeID; staff have their own page."""
    came_from = request.GET.get('came_from', '')
    target = safe_came_from(request, came_from, request.application_url + '/@@dosar')
    path = target[len(request.application_url):]
    return {
        'login_url': request.application_url + '/saml/login?came_from=' + _quote(path),
        'expired': bool(request.GET.get('expired')),
        'available': request.registry.saml.enabled,
    }


@view_config(context=IPortalRoot, name='dosar', permission=VIEW)
def my_dossier(context, request):
    """/@@dosar: the signed-in citizen's own dossier, wherever it lives."""
    account = citizen_of(request)
    if account is None:
        if request.identity is not None:
            raise HTTPForbidden()
        login = request.application_url + '/@@autentificare?came_from=/%40%40dosar'
        if getattr(request.session, 'expired', False):
            login += '&expired=1'
        return HTTPSeeOther(login)
    from .representation import acting_dossier   # (it imports this module)
    # acting for someone else (a child, a company): their dossier
    return HTTPSeeOther(request.resource_url(acting_dossier(request)))


def case_rows(context, request):
    """The dossier's cases as rows for the page, built without the catalog.

    The cases are the dossier's own children, and whoever may see the dossier
    may see every case in it (a case's ACL only adds its department's staff),
    so no per-item permission check or traversal is needed. Open cases come
    first, by deadline; then the others, newest first.
    """
    from ..cases.deadlines import get_calendar, urgency
    from ..cases.workflow import DRAFT, OPEN_STATES
    from ..layout.dates import LOCAL_TZ, local_date
    base = request.resource_url(context)
    translate = request.localizer.translate
    titles = {}
    today = datetime.datetime.now(LOCAL_TZ).date()
    calendar = get_calendar(request.registry)
    rows = []
    for name, obj in context.items():
        if getattr(obj, 'content_type', None) != 'Case':
            continue
        state = obj.state
        if state not in titles:
            titles[state] = translate(obj.state_title)
        deadline = obj.deadline if state in OPEN_STATES else None
        rows.append({
            'url': base + name + '/', 'number': obj.number, 'title': obj.title,
            'state': state, 'state_title': titles[state], 'draft': state == DRAFT,
            'deadline': local_date(deadline) if deadline else '',
            'urgency': urgency(deadline, today, calendar) if deadline else None,
            'needs_citizen': obj.needs_citizen,
            '_open': state in OPEN_STATES, '_deadline': deadline or datetime.date.max,
            '_submitted': obj.submitted or obj.created,
        })
    open_rows = sorted((r for r in rows if r['_open']), key=lambda r: r['_deadline'])
    closed = sorted((r for r in rows if not r['_open']), key=lambda r: r['_submitted'],
                    reverse=True)
    return open_rows + closed


def case_table_html(rows, late_label):
    """The <tbody> rows of the cases table, built in Python (a template's path
    lookups on hundreds of rows cost more than the rest of the page).

    Titles and state names repeat from row to row: each is escaped once.
    """
    from html import escape
    from ..layout.html import escaper
    esc = escaper()
    late = ' <strong class="badge late">%s</strong>' % escape(late_label)
    return ''.join(
        '<tr><td><a href="%s">%s</a></td><td>%s</td><td>%s</td><td>%s%s</td></tr>' % (
            escape(r['url']), esc(r['number']), esc(r['title']), esc(r['state_title']),
            r['deadline'], late if r['urgency'] == 'late' else '')
        for r in rows)


def dossier_sections(context, request):
    """What the dossier page shows, section by section (each a list, maybe empty)."""
    rows = case_rows(context, request)
    cases = [r for r in rows if not r['draft']]
    return {
        'cases': cases,
        'cases_html': case_table_html(cases, request.localizer.translate(_('termen depășit'))),
        'drafts': [r for r in rows if r['draft']],
        'documents': [],     # issued documents land here (documents issue)
        'payments': [],
        'messages': [],
        'actions': [r for r in rows if r['needs_citizen']],
    }


@view_config(context=IDossier, permission=VIEW_DOSSIER,
             renderer='cityportal:dossiers/templates/dossier.pt')
def dossier_view(context, request):
    account = citizen_of(request)
    data = dossier_sections(context, request)
    data['own'] = account is not None and context.owner == account.userid
    data['saml_session'] = bool(request.session.get('saml_nameid'))
    from .representation import page_data
    data.update(page_data(context, request, account))
    return data


# profile ----------------------------------------------------------------

def phone_validator(node, value):
    problem = phone_problem(value)
    if problem is not None:
        raise colander.Invalid(node, problem)


class ProfileSchema(colander.MappingSchema):
    email = colander.SchemaNode(
        colander.String(), title=_('E-mail de contact'), missing='',
        validator=colander.All(colander.Length(max=200),
                               colander.Email(_('Adresă de e-mail invalidă.'))),
        widget=deform.widget.TextInputWidget(attributes={'autocomplete': 'email',
                                                         'type': 'email'}))
    phone = colander.SchemaNode(
        colander.String(), title=_('Telefon'), missing='', validator=phone_validator,
        preparer=lambda v: normalize_phone(v) if isinstance(v, str) and v else v,
        widget=deform.widget.TextInputWidget(attributes={'autocomplete': 'tel',
                                                         'type': 'tel'}))
    notify_email = colander.SchemaNode(
        colander.Boolean(), title=_('Vreau notificări prin e-mail'), missing=False)
    notify_sms = colander.SchemaNode(
        colander.Boolean(), title=_('Vreau notificări prin SMS'), missing=False)


class ProfileForm(FormView):
    schema = ProfileSchema
    title = _('Profilul meu')

    def __init__(self, context, request, account):
        super().__init__(context, request)
        self.account = account

    def before(self, form):
        form.action = self.request.resource_url(self.context, '@@profil')

    def appstruct(self):
        a = self.account
        return {'email': a.pending_email or a.email, 'phone': a.phone, 'notify_email': a.notify_email,
                'notify_sms': a.notify_sms}

    def success(self, appstruct):
        a = self.account
        request = self.request
        new_email = appstruct.pop('email')
        changed = sorted(k for k, v in appstruct.items() if getattr(a, k) != v)
        for key, value in appstruct.items():
            setattr(a, key, value)
        if new_email != a.email:
            changed.append('email')
            if new_email:
                # the new address counts once its owner follows the link sent to it
                token = a.start_email_change(new_email)
                send_email_confirmation(request, self.context, new_email, token)
                request.session.flash(_(
                    'V-am trimis un link de confirmare la ${email}. Adresa devine adresa '
                    'de contact după ce îl deschideți.', mapping={'email': new_email}), 'info')
            else:
                a.email, a.email_verified = '', False
                a.cancel_email_change()
        if changed:
            audit(request, 'profile.edit', target=self.context,
                  fields=','.join(sorted(changed)))
        request.session.flash(_('Profilul a fost salvat.'), 'success')
        return HTTPSeeOther(request.resource_url(self.context))


def send_email_confirmation(request, dossier, email, token):
    from ..connectors.mail import get_mailer
    url = request.resource_url(dossier, '@@confirma-email', query={'t': token})
    text = request.localizer.translate(_(
        'Bună ziua,\n\nați cerut ca ${email} să fie adresa de contact a contului '
        'dumneavoastră din Portalul Unic. Confirmați deschizând linkul de mai jos '
        '(valabil 48 de ore) după ce vă autentificați cu ROeID:\n\n${url}\n\n'
        'Dacă nu ați cerut această schimbare, ignorați mesajul.\n\n'
        'Primăria Municipiului Timișoara', mapping={'email': email, 'url': url}))
    subject = request.localizer.translate(_('Confirmați adresa de e-mail — Portalul Unic'))
    get_mailer(request).send(request.tm, email, subject, text)


@view_config(context=IDossier, name='confirma-email', permission=VIEW_DOSSIER)
def confirm_email(context, request):
    """The link of the confirmation e-mail: the holder, signed in, confirms the address."""
    account = citizen_of(request)
    if account is None or context.owner != account.userid:
        raise HTTPForbidden()
    email = account.confirm_email(request.GET.get('t', ''))
    if email is None:
        request.session.flash(_('Linkul de confirmare nu este valid sau a expirat. Salvați '
                                'din nou adresa în profil pentru un link nou.'), 'error')
    else:
        audit(request, 'profile.email_confirmed', target=context)
        request.session.flash(_('Adresa ${email} a fost confirmată.',
                                mapping={'email': email}), 'success')
    return HTTPSeeOther(request.resource_url(context, '@@profil'))


@view_config(context=IDossier, name='profil', permission=VIEW_DOSSIER)
def profile(context, request):
    """Only the holder edits their profile (not a representative, not staff)."""
    account = citizen_of(request)
    if account is None or context.owner != account.userid:
        raise HTTPForbidden()
    return ProfileForm(context, request, account)()


def includeme(config):
    config.scan(__name__)
