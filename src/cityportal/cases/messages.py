"""The thread of a case: messages between the citizen and the clerks, with files.

- ``@@mesaje`` (VIEW): the thread, oldest first; the citizen (and whoever acts
  for them: SUBMIT) and the department's staff (WORK_CASE) write in it. Each
  message records its author, for whom they acted and when; it is an event of
  the case and a line of the audit log. When staff write, the citizen gets an
  e-mail (if they gave an address and want e-mail notifications); the e-mail
  only says there is a message: its text stays in the portal.
- ``@@completare`` (SUBMIT, while the case awaits the citizen): the clerk's
  request, and the citizen's answer: the missing documents and a message.
  The answer resumes the legal clock (transition ``complete``).

Internal notes (``case.notes``) are not messages and never appear here.
"""
import logging
import secrets

import colander
import deform
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.traversal import find_resource
from pyramid.view import view_config

from ..audit import audit, client_address
from ..connectors.mail import get_mailer
from ..folder import utcnow
from ..i18n import _
from ..interfaces import ICase
from ..layout.dates import local_datetime
from ..layout.forms import FormView
from ..security import SUBMIT, VIEW, WORK_CASE
from ..services.formgen import build_schema
from . import workflow
from .filing.forms import CaseForm, with_csrf
from .filing.views import actor_of, case_acting_for
from .uploads import CaseUploads, UploadError, human_size

log = logging.getLogger(__name__)

MAX_TEXT = 5000
#: what a message may carry
MESSAGE_FILES = {'types': ['pdf', 'jpg', 'png'], 'max_size_mb': 10, 'max_count': 3}
#: attachments of messages and of completions (``Attachment.field``)
MESSAGE_FIELD = 'mesaje'
COMPLETION_FIELD = 'completare'
COMPLETION_COUNT = 5
DEFAULT_TYPES = ['pdf', 'jpg', 'png']
DEFAULT_MAX_MB = 10


class Message(dict):
    """One message of a thread (a plain dict, like the trail's events)."""


def post_message(case, author, text, author_title='', staff=False, on_behalf_of=None,
                 attachments=(), kind='message', ip=None):
    """Append a message to the thread of ``case`` and record it; return it."""
    message = Message(id=secrets.token_hex(6), when=utcnow(), author=author,
                      author_title=author_title, staff=bool(staff),
                      on_behalf_of=on_behalf_of, text=text, attachments=tuple(attachments),
                      kind=kind)
    case.messages.append(message)
    case.record('message', author, on_behalf_of=on_behalf_of, ip=ip, message=message['id'],
                kind=kind, attachments=len(message['attachments']) or None)
    return message


def completion_request(case):
    """The last completion request of a clerk: the event (reason, when, actor) or None."""
    for event in reversed(case.events):
        if event.get('action') == 'request_completion':
            return event
    return None


# notifications ----------------------------------------------------------------------

def notify_citizen(request, account, subject, text):
    """E-mail ``account`` (after the commit) if it has an address and wants e-mail.

    Returns the Message-ID, or None when nothing was queued.
    """
    if account is None or not getattr(account, 'email', '') or \
            not getattr(account, 'notify_email', False):
        return None
    try:
        return get_mailer(request).send(request.tm, account.email, subject, text)
    except ValueError:
        log.warning('notification not sent: the account has an unusable e-mail address')
        return None


def citizens_of(request, case):
    """The citizen accounts a case concerns: whoever filed it and the dossier's holder."""
    from ..dossiers.resources import account_for_userid
    dossiers = request.root['dosare']
    out = []
    for userid in (case.actor, getattr(case.__parent__, 'owner', None)):
        account = account_for_userid(dossiers, userid) if userid else None
        if account is not None and account not in out:
            out.append(account)
    return out


def message_mail(request, case):
    translate = request.localizer.translate
    number = case.number or case.title
    subject = translate(_('Mesaj nou despre cererea ${number}', mapping={'number': number}))
    text = '\n'.join([
        translate(_('Bună ziua,')), '',
        translate(_('Aveți un mesaj nou de la primărie despre cererea ${number} (${service}).',
                    mapping={'number': number, 'service': case.title})),
        translate(_('Din motive de confidențialitate, mesajul se citește doar în portal: '
                    '${url}', mapping={'url': request.resource_url(case, '@@mesaje')})),
        '', translate(_('Acest mesaj a fost trimis automat; nu răspundeți la el.')),
    ]) + '\n'
    return subject, text


# forms --------------------------------------------------------------------------------

def _text_field(label, required):
    return {'name': 'mesaj', 'type': 'textarea', 'label': label, 'required': required,
            'max_length': MAX_TEXT}


def completion_files(case):
    """The "Documente" field of a completion: the case's file types, or PDF/JPEG/PNG."""
    types, size = [], 0
    for field in case.form_fields:
        if field['type'] == 'file':
            for kind in field['file']['types']:
                if kind not in types:
                    types.append(kind)
            size = max(size, field['file']['max_size_mb'])
    return {'name': 'documente', 'type': 'file', 'label': _('Documente'), 'required': False,
            'help': _('Documentele cerute de funcționar. Câmpurile goale se ignoră.'),
            'file': {'types': types or DEFAULT_TYPES, 'max_size_mb': size or DEFAULT_MAX_MB,
                     'max_count': COMPLETION_COUNT}}


class CaseFilesForm(FormView):
    """A form that adds a text and files to a filed case (a message, a completion).

    Files are checked like the request's own (:mod:`.uploads`) and stored only
    when the whole form is valid; on errors nothing is written.
    """
    cancel = False
    attachment_field = None
    fields = ()

    def __init__(self, context, request):
        super().__init__(context, request)
        self.uploads = CaseUploads(context, actor=actor_of(request), stored=False)

    def make_schema(self):
        return build_schema(self.fields, tmpstore=self.uploads)

    def build_form(self):
        schema = with_csrf(self.make_schema(), self.request)
        form = CaseForm(schema, buttons=self.buttons, action=self.action())
        self.before(form)
        return form

    def __call__(self):
        try:
            return super().__call__()
        finally:
            self.uploads.close()

    def keep_files(self, appstruct):
        """Store the uploaded files; return their ids (raises Invalid on a late refusal)."""
        field = next(f for f in self.fields if f['type'] == 'file')
        files = appstruct.get(field['name']) or []
        limits = field['file']
        ids = []
        for data in files:
            try:
                ids.append(self.uploads.keep(
                    field['name'], data, limits['types'],
                    int(limits['max_size_mb'] * 1024 * 1024), purpose=self.attachment_field))
            except UploadError as e:
                raise self.field_error(field['name'], e.message)
        return ids

    def render(self, form_html, status_error=False):
        if status_error:
            self.request.response.status = 400
        values = self.page_values()
        values.update({'form': form_html, 'title': self.title, 'context': self.context,
                       'view': self, 'has_errors': status_error})
        return render_to_response(self.renderer, values, request=self.request,
                                  response=self.request.response)

    def page_values(self):
        return {}


def can_write(request, case):
    return request.has_permission(SUBMIT, case) or request.has_permission(WORK_CASE, case)


def is_staff_author(request, case):
    return bool(getattr(request.identity, 'is_staff', False)) and \
        request.has_permission(WORK_CASE, case)


def thread_items(request, case):
    """The messages as the page shows them (author, for whom, when, text, files)."""
    items = []
    for message in case.messages:
        behalf = None
        if message.get('on_behalf_of'):
            try:
                behalf = find_resource(request.root, message['on_behalf_of']).title
            except KeyError:
                behalf = None
        files = [(request.resource_url(case, '@@fisier', query={'id': aid}), a.filename,
                  human_size(a.size))
                 for aid, a in ((aid, case.attachments.get(aid))
                                for aid in message.get('attachments', ()))
                 if a is not None]
        items.append({'id': message['id'], 'author': message.get('author_title') or
                      message.get('author'), 'staff': message.get('staff'),
                      'behalf': behalf, 'when': local_datetime(message['when']),
                      'lines': (message.get('text') or '').splitlines(), 'files': files,
                      'completion': message.get('kind') == 'completion'})
    return items


class MessageForm(CaseFilesForm):
    renderer = 'cityportal:cases/templates/messages_thread.pt'
    attachment_field = MESSAGE_FIELD

    def __init__(self, context, request):
        super().__init__(context, request)
        self.title = _('Mesaje: ${title}', mapping={'title': context.title})
        self.fields = (_text_field(_('Mesajul'), True),
                       {'name': 'atasamente', 'type': 'file', 'label': _('Atașamente'),
                        'required': False, 'help': _('Opțional. Câmpurile goale se ignoră.'),
                        'file': dict(MESSAGE_FILES)})
        self.buttons = (deform.Button('send', _('Trimite mesajul')),)

    def action(self):
        return self.request.resource_url(self.context, '@@mesaje')

    def page_values(self):
        return {'messages': thread_items(self.request, self.context),
                'can_write': can_write(self.request, self.context),
                'case_url': self.request.resource_url(self.context)}

    def success(self, appstruct):
        request, case = self.request, self.context
        text = (appstruct.get('mesaj') or '').strip()
        if not text:
            raise self.field_error('mesaj', _('Câmp obligatoriu.'))
        staff = is_staff_author(request, case)
        behalf = None if staff else case_acting_for(request, case)
        ids = self.keep_files(appstruct)
        message = post_message(case, actor_of(request), text,
                               author_title=request.identity.title, staff=staff,
                               on_behalf_of=behalf, attachments=ids,
                               ip=client_address(request))
        audit(request, 'case.message', target=case, on_behalf_of=behalf,
              message=message['id'], staff=staff, attachments=len(ids))
        if staff:
            subject, text = message_mail(request, case)
            for account in citizens_of(request, case):
                notify_citizen(request, account, subject, text)
        request.session.flash(_('Mesajul a fost trimis.'), 'success')
        return HTTPSeeOther(request.resource_url(case, '@@mesaje') + '#mesaj-' + message['id'])


@view_config(context=ICase, name='mesaje', permission=VIEW)
def thread(context, request):
    """The thread: read (VIEW); write (the citizen's side: SUBMIT; staff: WORK_CASE)."""
    if context.state == workflow.DRAFT:
        if request.has_permission(SUBMIT, context):
            return HTTPSeeOther(request.resource_url(context, '@@formular'))
        raise HTTPNotFound()
    if request.method == 'POST' and not can_write(request, context):
        raise HTTPForbidden()
    return MessageForm(context, request)()


# completion ---------------------------------------------------------------------------

def _one_of(node, value):
    if not value.get('documente') and not (value.get('mesaj') or '').strip():
        error = colander.Invalid(node)
        error['documente'] = _('Încărcați cel puțin un document sau scrieți un mesaj.')
        raise error


class CompletionForm(CaseFilesForm):
    renderer = 'cityportal:cases/templates/completion_form.pt'
    attachment_field = COMPLETION_FIELD

    def __init__(self, context, request):
        super().__init__(context, request)
        self.title = _('Completarea cererii ${number}', mapping={'number': context.number})
        self.fields = (completion_files(context),
                       _text_field(_('Mesaj pentru funcționar (opțional)'), False))
        self.buttons = (deform.Button('send', _('Trimite completările')),)

    def make_schema(self):
        schema = super().make_schema()
        schema.validator = _one_of
        return schema

    def action(self):
        return self.request.resource_url(self.context, '@@completare')

    def page_values(self):
        event = completion_request(self.context)
        return {'request_event': event,
                'requested_at': local_datetime(event['when']) if event else None,
                'reason_lines': ((event or {}).get('reason') or '').splitlines(),
                'case_url': self.request.resource_url(self.context)}

    def success(self, appstruct):
        request, case = self.request, self.context
        behalf = case_acting_for(request, case)
        text = (appstruct.get('mesaj') or '').strip()
        ids = self.keep_files(appstruct)
        actor = actor_of(request)
        ip = client_address(request)
        try:
            workflow.transition(case, 'complete', actor, on_behalf_of=behalf, ip=ip,
                                registry=request.registry)
        except workflow.CaseWorkflowError as e:
            request.tm.doom()
            request.session.flash(e.args[0], 'error')
            return HTTPSeeOther(request.resource_url(case))
        post_message(case, actor, text or request.localizer.translate(
            _('Am trimis documentele cerute.')), author_title=request.identity.title,
            on_behalf_of=behalf, attachments=ids, kind='completion', ip=ip)
        audit(request, 'case.complete', target=case, on_behalf_of=behalf,
              number=case.number, attachments=len(ids))
        request.session.flash(_('Completările au fost trimise. Termenul de răspuns curge '
                                'din nou.'), 'success')
        return HTTPSeeOther(request.resource_url(case))


@view_config(context=ICase, name='completare', permission=SUBMIT)
def completion(context, request):
    """The clerk's request for completion and the citizen's answer (files and a message)."""
    if context.state != workflow.AWAITING:
        request.session.flash(_('Primăria nu a cerut completări pentru această cerere.'),
                              'info')
        return HTTPSeeOther(request.resource_url(context))
    return CompletionForm(context, request)()


def includeme(config):
    config.scan(__name__)
