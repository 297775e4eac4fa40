"""Acting for others: a parent for a minor child, a proxy for a person or a company.

A citizen asks (a :class:`Representation`, with the birth certificate, the
notarial power of attorney or the company's mandate as a ZODB blob); a clerk
of the verifying department (setting ``cityportal.representations_department``)
approves or rejects it; on approval the requester becomes one of the
``representatives`` of the represented holder's dossier (made if missing,
without an owner: a minor or a company has no account). The requester may
then act in that dossier's name: ``session['acting_for']`` holds its name,
checked against the dossier's representatives on every use
(:func:`acting_dossier`), and every audit entry records for whom.

Plain functions (``request_representation``, ``approve``, ``reject``,
``revoke``) do the work without a request; the views below call them.
Representations live in ``Dossiers.representations`` under
``'<requester account id>.<random>'``, so a requester's own are one key range.
"""
import datetime
import os
import secrets
from urllib.parse import quote

import colander
import deform
from persistent import Persistent
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import get_renderer
from pyramid.response import Response
from pyramid.view import view_config
from ZODB.blob import Blob

from ..audit import audit
from ..cases import uploads
from ..exceptions import CityPortalError
from ..folder import utcnow
from ..i18n import _, at_most_characters
from ..interfaces import IDepartment, IDossier, IPortalRoot
from ..layout.dates import local_datetime
from ..layout.forms import FormView
from ..schemas import line_node
from ..security import VIEW, VIEW_DOSSIER, WORK_CASE
from ..validators import (
    cnp_birth_date, cnp_problem, cui_problem, mask_cnp, normalize_cui)
from .resources import (
    CITIZEN_PREFIX, cnp_key, cui_key, find_or_create_dossier, remove_representative,
    set_representative)
from .views import citizen_of

MINOR, PROXY_PERSON, PROXY_COMPANY = 'minor', 'proxy_person', 'proxy_company'
PERSON_KINDS = (MINOR, PROXY_PERSON)
KINDS = (
    (MINOR, _('Copilul meu minor (cu certificatul de naștere)')),
    (PROXY_PERSON, _('O persoană care mi-a dat procură notarială')),
    (PROXY_COMPANY, _('O firmă care m-a împuternicit')),
)
KIND_TITLES = {
    MINOR: _('Copil minor'),
    PROXY_PERSON: _('Procură notarială'),
    PROXY_COMPANY: _('Împuternicire din partea unei firme'),
}
PENDING, APPROVED, REJECTED, REVOKED = 'pending', 'approved', 'rejected', 'revoked'
REVOCABLE = (PENDING, APPROVED)
NOT_REVOCABLE = _('Doar o cerere în verificare sau aprobată poate fi revocată.')
STATE_TITLES = {
    PENDING: _('În verificare'),
    APPROVED: _('Aprobată'),
    REJECTED: _('Respinsă'),
    REVOKED: _('Revocată'),
}
#: what the session remembers: the name of the dossier the citizen acts for
ACTING_KEY = 'acting_for'
DEFAULT_DEPARTMENT = 'evidenta-persoanelor'
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: (first bytes, MIME type, extensions): the only documents accepted, known
#: by their content, never by the name or the type the browser claims
#: the kinds of document a representation may rest on (cases.uploads' kinds)
DOCUMENT_KINDS = ('pdf', 'jpg', 'png')
REQUIRED = _('Câmp obligatoriu.')
#: form field paths the errors point at
CNP, GIVEN_NAME, FAMILY_NAME = ('person', 'cnp'), ('person', 'given_name'), \
    ('person', 'family_name')
CUI, COMPANY_NAME = ('company', 'cui'), ('company', 'company_name')
KIND, DOCUMENT, REASON = ('kind',), ('document',), ('reason',)


class RepresentationError(CityPortalError):
    """A representation cannot be requested or decided.

    ``field`` is the path of the form field to say it at (``('person', 'cnp')``),
    or None.
    """

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class Representation(Persistent):
    """A citizen's request to act for someone, and its verification.

    Holds no full CNP: the subject is known by its ``by_key`` key and a masked
    identifier (a CUI is public and kept whole).
    """
    state = PENDING
    reason = ''
    decided_by = None
    decided_at = None
    #: the represented holder's dossier, once approved
    dossier_name = None

    def __init__(self, id, requester, kind, subject_key, masked, given_name='',
                 family_name='', company_name=''):
        self.id = id
        self.requester = requester          # account id of the requester
        self.kind = kind
        self.subject_key = subject_key
        self.masked = masked
        self.given_name = given_name
        self.family_name = family_name
        self.company_name = company_name
        self.created = utcnow()
        self.document = None
        self.filename = ''
        self.mimetype = ''
        self.size = 0

    @property
    def requester_userid(self):
        return CITIZEN_PREFIX + self.requester

    @property
    def subject_title(self):
        if self.kind == PROXY_COMPANY:
            return self.company_name
        return ' '.join(p for p in (self.given_name, self.family_name) if p)

    @property
    def kind_title(self):
        return KIND_TITLES[self.kind]

    @property
    def state_title(self):
        return STATE_TITLES[self.state]

    @property
    def identifier_label(self):
        return 'CUI' if self.kind == PROXY_COMPANY else 'CNP'

    def store_document(self, fp, filename):
        """Copy the upload into a blob; raise RepresentationError if it is not acceptable."""
        mimetype, size = check_document(fp)
        blob = Blob()
        fp.seek(0)
        with blob.open('w') as out:
            while True:
                chunk = fp.read(1 << 16)
                if not chunk:
                    break
                out.write(chunk)
        self.document = blob
        self.mimetype = mimetype
        self.size = size
        self.filename = clean_filename(filename, mimetype)


# documents ----------------------------------------------------------------

def check_document(fp):
    """(mimetype, size) of an upload, or RepresentationError (type, size, empty)."""
    fp.seek(0)
    head = fp.read(16)
    size = len(head)
    while size <= MAX_DOCUMENT_BYTES:
        chunk = fp.read(1 << 16)
        if not chunk:
            break
        size += len(chunk)
    fp.seek(0)
    if size == 0:
        raise RepresentationError(_('Fișierul este gol.'), DOCUMENT)
    if size > MAX_DOCUMENT_BYTES:
        raise RepresentationError(_('Fișierul depășește ${mb} MB.', mapping={'mb': '10'}),
                                  DOCUMENT)
    kind = uploads.sniff(head)
    mimetype = uploads.mimetype_of(kind) if kind in DOCUMENT_KINDS else None
    if mimetype is None:
        raise RepresentationError(
            _('Se acceptă doar documente PDF, JPEG sau PNG (fișierul trimis nu este unul).'),
            DOCUMENT)
    return mimetype, size


def clean_filename(filename, mimetype):
    """A name safe to offer back: no path, no control characters, the right extension."""
    name = os.path.basename((filename or '').replace('\\', '/'))
    name = ''.join(c for c in name if c.isprintable() and c not in '"\';')[:120].strip()
    stem, ext = os.path.splitext(name)
    extensions = next(uploads.extensions_of(k) for k in DOCUMENT_KINDS
                      if uploads.mimetype_of(k) == mimetype)
    if ext.lower() not in extensions:
        name = (stem or name or 'document') + extensions[0]
    return name


# the facade -----------------------------------------------------------------

def _is_minor(cnp, today):
    born = cnp_birth_date(cnp)
    try:
        adult = born.replace(year=born.year + 18)
    except ValueError:               # born on 29 February
        adult = born.replace(year=born.year + 18, day=28) + datetime.timedelta(days=1)
    return today < adult


def subject_problems(kind, cnp='', given_name='', family_name='', cui='', company_name='',
                     today=None):
    """(field path, message) pairs of what is wrong with the represented holder's data."""
    problems = []
    if kind in PERSON_KINDS:
        if not cnp:
            problems.append((CNP, REQUIRED))
        elif cnp_problem(cnp) is not None:
            problems.append((CNP, cnp_problem(cnp)))
        elif kind == MINOR:
            today = today or datetime.date.today()
            if cnp_birth_date(cnp) > today:
                problems.append((CNP, _(
                    'Data nașterii din CNP este în viitor.')))
            elif not _is_minor(cnp, today):
                problems.append((CNP, _(
                    'Persoana cu acest CNP a împlinit 18 ani: nu mai este minoră. '
                    'Pentru un adult aveți nevoie de o procură notarială.')))
        if not given_name:
            problems.append((GIVEN_NAME, REQUIRED))
        if not family_name:
            problems.append((FAMILY_NAME, REQUIRED))
    elif kind == PROXY_COMPANY:
        if not cui:
            problems.append((CUI, REQUIRED))
        elif cui_problem(cui) is not None:
            problems.append((CUI, cui_problem(cui)))
        if not company_name:
            problems.append((COMPANY_NAME, REQUIRED))
    else:
        problems.append((KIND, _('Alegeți pe cine reprezentați.')))
    return problems


def representations_of(dossiers, account_id):
    """The representations ``account_id`` asked for, newest first."""
    if dossiers.representations is None:
        return []
    found = dossiers.representations.values(min=account_id + '.', max=account_id + '.~')
    return sorted(found, key=lambda r: r.created, reverse=True)


def pending_representations(dossiers):
    """Every pending representation, oldest first (the verifiers' queue)."""
    if dossiers.representations is None:
        return []
    return sorted((r for r in dossiers.representations.values() if r.state == PENDING),
                  key=lambda r: r.created)


def get_representation(dossiers, id):
    if dossiers.representations is None or not isinstance(id, str):
        return None
    return dossiers.representations.get(id)


def request_representation(dossiers, registry, account, kind, fp, filename, cnp='',
                           given_name='', family_name='', cui='', company_name='',
                           today=None):
    """Store a pending Representation of ``account``; RepresentationError if it cannot be."""
    problems = subject_problems(kind, cnp, given_name, family_name, cui, company_name, today)
    if problems:
        path, message = problems[0]
        raise RepresentationError(message, path)
    if kind == PROXY_COMPANY:
        cui = normalize_cui(cui)
        key, masked, field = cui_key(registry, cui), cui, CUI
        given_name = family_name = ''
    else:
        key, masked, field = cnp_key(registry, cnp), mask_cnp(cnp), CNP
        company_name = ''
        if key == cnp_key(registry, account.cnp):
            raise RepresentationError(_('Nu vă puteți reprezenta pe dumneavoastră înșivă.'),
                                      field)
    for other in representations_of(dossiers, account.account_id):
        if other.subject_key == key and other.state in (PENDING, APPROVED):
            raise RepresentationError(_(
                'Aveți deja o cerere în verificare sau aprobată pentru acest ${what}.',
                mapping={'what': 'CUI' if field == CUI else 'CNP'}), field)
    dossiers.ensure_indexes()
    while True:
        id = '%s.%s' % (account.account_id, secrets.token_hex(6))
        if id not in dossiers.representations:
            break
    rep = Representation(id, account.account_id, kind, key, masked, given_name=given_name,
                         family_name=family_name, company_name=company_name)
    rep.store_document(fp, filename)
    dossiers.representations[id] = rep
    return rep


def _decide(rep, state, userid, reason=''):
    rep.state = state
    rep.reason = reason
    rep.decided_by = userid
    rep.decided_at = utcnow()


def approve(dossiers, registry, rep, userid):
    """``userid`` (a verifier) approves: the requester joins the holder's dossier."""
    if rep.state != PENDING:
        raise RepresentationError(_('Cererea a fost deja soluționată.'))
    if userid == rep.requester_userid:
        raise RepresentationError(_('Nu vă puteți aproba propria cerere.'))
    existing = dossiers.get(dossiers.by_key.get(rep.subject_key) or '')
    if existing is not None and existing.owner == rep.requester_userid:
        raise RepresentationError(_('Solicitantul este chiar titularul acestui dosar.'))
    dossier, _created = find_or_create_dossier(
        dossiers, registry, rep.subject_key, rep.subject_title, rep.masked,
        holder_kind='company' if rep.kind == PROXY_COMPANY else 'person')
    set_representative(dossier, rep.requester_userid, registry=registry,
                       kind=rep.kind, representation=rep.id)
    rep.dossier_name = dossier.__name__
    _decide(rep, APPROVED, userid)
    return dossier


def reject(dossiers, registry, rep, userid, reason):
    if rep.state != PENDING:
        raise RepresentationError(_('Cererea a fost deja soluționată.'))
    if not (reason or '').strip():
        raise RepresentationError(REQUIRED, REASON)
    _decide(rep, REJECTED, userid, reason.strip())


def revoke(dossiers, registry, rep, userid):
    """The requester withdraws a pending request or gives up an approved representation."""
    if rep.state not in REVOCABLE:
        raise RepresentationError(NOT_REVOCABLE)
    dossier = represented(dossiers, rep)
    if dossier is not None:
        remove_representative(dossier, rep.requester_userid, representation=rep.id,
                              registry=registry)
    _decide(rep, REVOKED, userid)
    return dossier


def represented(dossiers, rep):
    """The dossier an approved ``rep`` gives access to (None if there is none)."""
    return dossiers.get(rep.dossier_name) if rep.dossier_name else None


def represented_dossiers(dossiers, account):
    """The dossiers ``account`` may act for now, by title."""
    out = []
    for rep in representations_of(dossiers, account.account_id):
        dossier = represented(dossiers, rep) if rep.state == APPROVED else None
        if dossier is not None and account.userid in (dossier.representatives or {}):
            out.append(dossier)
    return sorted(out, key=lambda d: d.title)


# acting for someone -----------------------------------------------------------

def acting_dossier(request):
    """The dossier in whose name the signed-in citizen acts: their own, or the
    represented one they switched to (if they still represent it); None for
    anyone who is not a citizen.

    Requests filed online go there. A stale choice (revoked, rejected) is
    dropped from the session: the citizen acts for themselves again.
    """
    account = citizen_of(request)
    if account is None:
        return None
    dossiers = request.root['dosare']
    name = request.session.get(ACTING_KEY)
    if name and name != account.dossier_name:
        other = dossiers.get(name)
        if other is not None and account.userid in (other.representatives or {}):
            return other
        request.session.pop(ACTING_KEY, None)
    return dossiers.get(account.dossier_name)


def represented_dossier(request):
    """The dossier the citizen acts for if it is not their own, else None."""
    account = citizen_of(request)
    if account is None or not request.session.get(ACTING_KEY):
        return None
    dossier = acting_dossier(request)
    if dossier is None or dossier.__name__ == account.dossier_name:
        return None
    return dossier


# citizen views -------------------------------------------------------------------

MACROS = 'cityportal:dossiers/templates/representation_macros.pt'
RADIO = 'cityportal:dossiers/templates/representation_radio.pt'
GROUP = 'cityportal:dossiers/templates/representation_group.pt'


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text(title, max, **kw):
    return line_node(title, max=max, preparer=_strip, **kw)


class PersonSchema(colander.MappingSchema):
    cnp = colander.SchemaNode(
        colander.String(), title=_('CNP'), missing='', preparer=_strip,
        widget=deform.widget.TextInputWidget(
            attributes={'inputmode': 'numeric', 'autocomplete': 'off', 'maxlength': '13'}))
    given_name = _text(_('Prenumele'), 100)
    family_name = _text(_('Numele de familie'), 100)


class CompanySchema(colander.MappingSchema):
    cui = colander.SchemaNode(
        colander.String(), title=_('CUI (codul unic de înregistrare)'), missing='',
        preparer=_strip, widget=deform.widget.TextInputWidget(
            attributes={'autocomplete': 'off', 'maxlength': '12'}))
    company_name = _text(_('Denumirea firmei'), 200)


def _invalid(schema, problems):
    """One colander.Invalid for ``schema`` with a message at each (path, message)."""
    error = colander.Invalid(schema)
    nested = {}
    for path, message in problems:
        node, target = schema, error
        for name in path:
            pos = [c.name for c in node.children].index(name)
            child = node.children[pos]
            if name == path[-1]:
                target.add(colander.Invalid(child, message), pos)
            else:
                key = (id(target), name)
                if key not in nested:
                    nested[key] = colander.Invalid(child)
                    target.add(nested[key], pos)
                target = nested[key]
            node = child
    return error


def validate_representation(node, value):
    problems = subject_problems(
        value['kind'], value['person']['cnp'], value['person']['given_name'],
        value['person']['family_name'], value['company']['cui'],
        value['company']['company_name'])
    document = value.get('document')
    if not document:
        problems.append((DOCUMENT, REQUIRED))
    else:
        try:
            check_document(document['fp'])
        except RepresentationError as e:
            problems.append((DOCUMENT, e.message))
    if problems:
        raise _invalid(node, problems)


class RepresentationSchema(colander.MappingSchema):
    kind = colander.SchemaNode(
        colander.String(), title=_('Pe cine reprezentați'), oid='kind',
        missing_msg=_('Alegeți pe cine reprezentați.'),
        validator=colander.OneOf([k for k, _t in KINDS]),
        widget=deform.widget.RadioChoiceWidget(values=KINDS, template=RADIO,
                                               category='structural'))
    # a group is a fieldset: its legend is the title, ``help`` the hint inside it
    person = PersonSchema(
        title=_('Copilul sau persoana care v-a dat procură'),
        widget=deform.widget.MappingWidget(
            template=GROUP, category='structural',
            help=_('Completați pentru un copil minor sau pentru o procură notarială.')))
    company = CompanySchema(
        title=_('Firma'),
        widget=deform.widget.MappingWidget(template=GROUP, category='structural',
                                           help=_('Completați pentru o firmă.')))
    document = colander.SchemaNode(
        deform.FileData(), title=_('Documentul doveditor'), missing=None,
        description=_('Certificatul de naștere al copilului, procura notarială sau '
                      'împuternicirea firmei: PDF, JPEG sau PNG, cel mult 10 MB.'))


def _own_account(context, request):
    """The signed-in holder of ``context``: a representative or staff may not."""
    account = citizen_of(request)
    if account is None or context.owner != account.userid:
        raise HTTPForbidden()
    return account


def _macros():
    return get_renderer(MACROS).implementation()


def page_data(context, request, account):
    """What the dossier page and @@reprezentare show of representation."""
    dossiers = request.root['dosare']
    if account is None:
        return {'representations': [], 'acting_choices': [], 'acting': False,
                'rep_macros': _macros(), 'local_datetime': local_datetime}
    own = context.owner == account.userid
    current = acting_dossier(request)
    choices = []
    others = represented_dossiers(dossiers, account)
    if others:
        choices.append(('', _('Eu însumi / însămi'), current.__name__ == account.dossier_name))
        choices.extend((d.__name__, d.title, d is current) for d in others)
    return {
        'representations': representations_of(dossiers, account.account_id) if own else [],
        'acting_choices': choices,
        'acting': current is not None and current is context,
        'rep_macros': _macros(),
        'local_datetime': local_datetime,
    }


class RepresentationForm(FormView):
    schema = RepresentationSchema
    title = _('Reprezentare')
    buttons = (deform.Button('add', _('Adaugă')),)
    cancel = False
    renderer = 'cityportal:dossiers/templates/representation.pt'

    def __init__(self, context, request, account):
        super().__init__(context, request)
        self.account = account

    def make_schema(self):
        from .held_uploads import HeldUploads
        schema = self.schema(validator=validate_representation)
        # a form sent back with errors keeps the document (held on the account)
        self.held = HeldUploads(self.account, MAX_DOCUMENT_BYTES)
        self.request.add_finished_callback(lambda request: self.held.close())
        schema['document'].widget = deform.widget.FileUploadWidget(
            self.held, accept='.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png')
        return schema

    def before(self, form):
        form.action = self.request.resource_url(self.context, '@@reprezentare')

    def invalid(self, failure):
        # validating writes nothing but the document held for the next try
        # (see held_uploads): this transaction is committed for it
        pass

    def success(self, appstruct):
        request = self.request
        dossiers = request.root['dosare']
        person, company, document = appstruct['person'], appstruct['company'], \
            appstruct['document']
        try:
            rep = request_representation(
                dossiers, request.registry, self.account, appstruct['kind'], document['fp'],
                document.get('filename'), cnp=person['cnp'], given_name=person['given_name'],
                family_name=person['family_name'], cui=company['cui'],
                company_name=company['company_name'])
        except RepresentationError as e:
            raise _invalid(self.form.schema, [(e.field or KIND, e.message)])
        self.held.discard(document.get('uid'))
        existing = dossiers.get(dossiers.by_key.get(rep.subject_key) or '')
        audit(request, 'representation.request', target=self.context, on_behalf_of=existing,
              representation=rep.id, kind=rep.kind, subject=rep.masked)
        request.session.flash(_('Cererea de reprezentare a fost trimisă spre verificare.'),
                              'success')
        return HTTPSeeOther(request.resource_url(self.context, '@@reprezentare'))

    def render(self, form_html, status_error=False):
        from pyramid.renderers import render_to_response
        if status_error:
            self.request.response.status = 400
        values = page_data(self.context, self.request, self.account)
        values.update({'form': form_html, 'title': self.title, 'context': self.context,
                       'view': self, 'has_errors': status_error})
        return render_to_response(self.renderer, values, request=self.request,
                                  response=self.request.response)


@view_config(context=IDossier, name='reprezentare', permission=VIEW_DOSSIER)
def representation_page(context, request):
    """The holder's representation requests and the form to add one (not for a representative)."""
    return RepresentationForm(context, request, _own_account(context, request))()


@view_config(context=IDossier, name='reprezentare-revoca', permission=VIEW_DOSSIER,
             renderer='cityportal:dossiers/templates/representation_revoke.pt')
def revoke_view(context, request):
    """GET: confirm; POST (CSRF checked by the framework): revoke."""
    account = _own_account(context, request)
    dossiers = request.root['dosare']
    rep = get_representation(dossiers, request.params.get('id'))
    if rep is None or rep.requester != account.account_id:
        raise HTTPNotFound()
    back = request.resource_url(context, '@@reprezentare')
    if rep.state not in REVOCABLE:
        request.session.flash(NOT_REVOCABLE, 'error')
        return HTTPSeeOther(back)
    if request.method != 'POST':
        return {'rep': rep, 'back': back}
    if 'cancel' in request.POST:
        return HTTPSeeOther(back)
    dossier = revoke(dossiers, request.registry, rep, account.userid)
    audit(request, 'representation.revoke', target=context, on_behalf_of=dossier,
          representation=rep.id, kind=rep.kind, subject=rep.masked)
    if dossier is not None and request.session.get(ACTING_KEY) == dossier.__name__:
        request.session.pop(ACTING_KEY, None)
    request.session.flash(_('Reprezentarea a fost revocată.'), 'success')
    return HTTPSeeOther(back)


@view_config(context=IPortalRoot, name='actionez', permission=VIEW, request_method='POST')
def switch_acting(context, request):
    """The "acting as" switcher: themselves ('') or a dossier they represent."""
    account = citizen_of(request)
    if account is None:
        raise HTTPForbidden()
    dossiers = context['dosare']
    name = request.POST.get('dosar', '')
    if not name or name == account.dossier_name:
        request.session.pop(ACTING_KEY, None)
        target = dossiers[account.dossier_name]
        audit(request, 'representation.act', on_behalf_of=None)
        request.session.flash(_('Acționați acum în nume propriu.'), 'info')
    else:
        target = dossiers.get(name)
        if target is None or account.userid not in (target.representatives or {}):
            raise HTTPForbidden()
        request.session[ACTING_KEY] = name
        audit(request, 'representation.act', target=target)   # on_behalf_of: from the session
        request.session.flash(_('Acționați acum în numele: ${name}.',
                                mapping={'name': target.title}), 'info')
    return HTTPSeeOther(request.resource_url(target))


# verification (staff) ----------------------------------------------------------------

def verifying_department(request):
    return request.registry.settings.get('cityportal.representations_department',
                                         DEFAULT_DEPARTMENT)


def _check_department(context, request):
    """Only the verifying department has these pages; elsewhere they do not exist."""
    if context.__name__ != verifying_department(request):
        raise HTTPNotFound()
    return request.root['dosare']


def _representation(context, request, dossiers):
    rep = get_representation(dossiers, request.params.get('id'))
    if rep is None:
        raise HTTPNotFound()
    return rep


def _requester(dossiers, rep):
    return dossiers.accounts.get(rep.requester)


@view_config(context=IDepartment, name='imputerniciri', permission=WORK_CASE,
             renderer='cityportal:dossiers/templates/imputerniciri.pt')
def queue_view(context, request):
    """Pending representation requests, oldest first (identifiers masked)."""
    dossiers = _check_department(context, request)
    rows = [(rep, _requester(dossiers, rep)) for rep in pending_representations(dossiers)]
    return {'rows': rows, 'local_datetime': local_datetime}


class RejectSchema(colander.MappingSchema):
    reason = colander.SchemaNode(
        colander.String(), title=_('Motivul respingerii'), preparer=_strip,
        missing_msg=_('Scrieți motivul respingerii: solicitantul îl va vedea.'),
        validator=colander.Length(max=1000, max_err=at_most_characters(1000)),
        widget=deform.widget.TextAreaWidget(rows=3))


class RejectForm(FormView):
    """The detail page of one request, with the reject form (approve posts elsewhere)."""
    schema = RejectSchema
    buttons = (deform.Button('reject', _('Respinge'), css_class='secondary'),)
    cancel = False
    renderer = 'cityportal:dossiers/templates/imputerniciri_detail.pt'

    def __init__(self, context, request, dossiers, rep):
        super().__init__(context, request)
        self.dossiers = dossiers
        self.rep = rep
        self.requester = _requester(dossiers, rep)
        self.title = _('Verificarea cererii de reprezentare')

    def before(self, form):
        form.action = self.detail_url()

    def success(self, appstruct):
        request = self.request
        rep = self.rep
        try:
            reject(self.dossiers, request.registry, rep, request.identity.userid,
                   appstruct['reason'])
        except RepresentationError as e:
            if e.field:
                raise _invalid(self.form.schema, [(e.field, e.message)])
            request.session.flash(e.message, 'error')
            return HTTPSeeOther(self.detail_url())
        audit(request, 'representation.reject', target=self.context, on_behalf_of=None,
              representation=rep.id, requester=rep.requester_userid, kind=rep.kind,
              subject=rep.masked, reason=rep.reason)
        request.session.flash(_('Cererea a fost respinsă.'), 'success')
        return HTTPSeeOther(request.resource_url(self.context, '@@imputerniciri'))

    def detail_url(self):
        return self.request.resource_url(self.context, '@@imputernicire',
                                         query={'id': self.rep.id})

    def render(self, form_html, status_error=False):
        from pyramid.renderers import render_to_response
        if status_error:
            self.request.response.status = 400
        values = {'form': form_html if self.rep.state == PENDING else '', 'title': self.title,
                  'context': self.context, 'view': self, 'has_errors': status_error,
                  'rep': self.rep, 'requester': self.requester,
                  'local_datetime': local_datetime}
        return render_to_response(self.renderer, values, request=self.request,
                                  response=self.request.response)


@view_config(context=IDepartment, name='imputernicire', permission=WORK_CASE)
def detail_view(context, request):
    dossiers = _check_department(context, request)
    return RejectForm(context, request, dossiers, _representation(context, request, dossiers))()


@view_config(context=IDepartment, name='imputernicire-aproba', permission=WORK_CASE,
             request_method='POST')
def approve_view(context, request):
    dossiers = _check_department(context, request)
    rep = _representation(context, request, dossiers)
    detail = request.resource_url(context, '@@imputernicire', query={'id': rep.id})
    try:
        dossier = approve(dossiers, request.registry, rep, request.identity.userid)
    except RepresentationError as e:
        request.session.flash(e.message, 'error')
        return HTTPSeeOther(detail)
    audit(request, 'representation.approve', target=context, on_behalf_of=dossier,
          representation=rep.id, requester=rep.requester_userid, kind=rep.kind,
          subject=rep.masked)
    request.session.flash(_('Cererea a fost aprobată.'), 'success')
    return HTTPSeeOther(request.resource_url(context, '@@imputerniciri'))


def content_disposition(filename):
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266)."""
    ascii_name = filename.encode('ascii', 'replace').decode('ascii').replace('?', '_')
    return "attachment; filename=\"%s\"; filename*=UTF-8''%s" % (
        ascii_name, quote(filename, safe=''))


@view_config(context=IDepartment, name='imputernicire-document', permission=WORK_CASE)
def document_view(context, request):
    """The uploaded document, always as a download of the type its content showed."""
    dossiers = _check_department(context, request)
    rep = _representation(context, request, dossiers)
    if rep.document is None:
        raise HTTPNotFound()
    with rep.document.open('r') as f:
        body = f.read()
    response = Response(body=body, content_type=rep.mimetype)
    response.headers['Content-Disposition'] = content_disposition(rep.filename)
    response.headers['X-Content-Type-Options'] = 'nosniff'
    response.headers['Cache-Control'] = 'private, no-store'
    audit(request, 'representation.document', target=context, on_behalf_of=None,
          representation=rep.id)
    return response


def includeme(config):
    config.scan(__name__)
