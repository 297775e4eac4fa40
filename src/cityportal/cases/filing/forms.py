"""The generated form of a draft case, and the accessible deform form the case pages use.

:class:`FilingForm` renders a draft's form prefilled from its answers and, on a
POST, keeps what is valid: the answers as plain JSON-able values (strings, ISO
dates, numbers, booleans; files as attachment ids, see :func:`to_answer`) and
the accepted files as blobs (:mod:`..uploads`); a refused value or file is
reported next to its field and nothing of it is stored. :class:`CaseForm` is
deform's form with templates that need no JavaScript and an error summary
that links every message to its field.
"""
import datetime
import decimal

import colander
import deform
from pyramid.csrf import get_csrf_token

from ...i18n import _
from ...layout.dates import local_date
from ...services.formgen import build_schema
from ..uploads import CaseUploads, UploadError, human_size

DEFORM_FORM = 'cityportal:cases/templates/filing_deform_form.pt'
DEFORM_ITEM = 'cityportal:cases/templates/filing_item.pt'
#: what a @@cerere POST with errors hands to the draft's form (session key)
CARRIED = 'cityportal.filing.carried'
#: raw values longer than this are not carried to the draft's form
CARRY_MAX = 5000


# forms ---------------------------------------------------------------------------

class CaseForm(deform.Form):
    """A deform form with the portal's accessible templates and an error summary."""

    def __init__(self, schema, **kw):
        kw.setdefault('formid', 'cpform')
        kw.setdefault('css_class', 'cp-form')
        super().__init__(schema, **kw)
        self.widget.template = DEFORM_FORM
        self.widget.item_template = DEFORM_ITEM

    def error_summary(self):
        """(anchor id, field title, message) of every error, in the form's order."""
        out = []
        for child in self.children:
            if child.error is None:
                continue
            title = self.translate(child.title)
            for msg in _messages(child.error):
                out.append((child.oid, title, self.translate(msg)))
            for sub in child.children:
                if sub.error is not None:
                    for msg in _messages(sub.error):
                        out.append((sub.oid, '%s – %s' % (title, self.translate(sub.title)),
                                    self.translate(msg)))
        return out


def _messages(error):
    """The messages of one error node (a group's own node may have none)."""
    return [m for m in error.messages() if m]


def with_csrf(schema, request):
    """``schema`` with the hidden CSRF field every form posts, bound to ``request``."""
    schema.add(colander.SchemaNode(colander.String(), name='csrf_token', missing='',
                                   widget=deform.widget.HiddenWidget()))
    return schema.bind(request=request)


# answers: JSON-able values <-> colander appstructs ---------------------------------

def to_answer(field, value):
    """The stored form of a validated value (files are handled by the caller)."""
    if value is colander.null or value is None:
        return None
    kind = field['type']
    if kind == 'date':
        return value.isoformat()
    if kind == 'number':
        return int(value) if value == value.to_integral_value() else float(value)
    if kind == 'checkbox':
        return bool(value)
    return value


def from_answer(field, answer):
    """The appstruct value of a stored answer (colander.null when there is none)."""
    if answer is None or answer == '':
        return colander.null
    kind = field['type']
    try:
        if kind == 'date':
            return datetime.date.fromisoformat(answer)
        if kind == 'number':
            return decimal.Decimal(str(answer))
        if kind == 'checkbox':
            return bool(answer)
    except (ValueError, TypeError, decimal.InvalidOperation):
        return colander.null
    return answer


def _limits(field):
    limits = field['file']
    return limits['types'], int(limits['max_size_mb'] * 1024 * 1024)


def _multi(field):
    return field['file'].get('max_count', 1) > 1


def display_value(request, field, answer, case=None):
    """How the summary shows an answer."""
    translate = request.localizer.translate
    if answer in (None, '', []):
        return translate(_('— necompletat —'))
    kind = field['type']
    if kind == 'file':
        ids = answer if isinstance(answer, list) else [answer]
        names = []
        for aid in ids:
            attachment = case.attachments.get(aid) if case is not None else None
            if attachment is not None:
                names.append('%s (%s)' % (attachment.filename, human_size(attachment.size)))
        return ', '.join(names)
    if kind in ('select', 'radio'):
        return dict((o['value'], o['label']) for o in field['options']).get(answer, answer)
    if kind == 'checkbox':
        return translate(_('Da') if answer else _('Nu'))
    if kind == 'date':
        try:
            return local_date(datetime.date.fromisoformat(answer))
        except ValueError:
            return answer
    if kind == 'number':
        return str(answer).replace('.', ',')
    return answer


class FilingForm:
    """The generated form of a draft: render it, and save what a submission got right.

    ``process`` validates (every field optional with ``draft=True``), stores
    the valid answers and the accepted files, drops refused uploads (a slot
    whose file was refused shows what it held before) and returns whether
    everything was valid; the form is then ready to re-render with the
    errors and the values as they were typed.
    """

    def __init__(self, request, case):
        self.request = request
        self.case = case
        self.fields = list(case.form_fields)
        self.by_name = {f['name']: f for f in self.fields}
        self.uploads = CaseUploads(case, actor=request.identity.userid)
        self.form = None
        self.ok = True

    def action(self):
        return self.request.resource_url(self.case, '@@formular')

    def make_form(self, draft=False):
        schema = with_csrf(build_schema(self.fields, tmpstore=self.uploads, draft=draft),
                           self.request)
        buttons = (deform.Button('save', _('Salvează ciorna'), css_class='secondary'),
                   deform.Button('verify', _('Verifică cererea')))
        self.form = CaseForm(schema, buttons=buttons, action=self.action())
        return self.form

    def appstruct(self, open_files=False):
        out = {}
        for field in self.fields:
            answer = self.case.answers.get(field['name'])
            if field['type'] != 'file':
                out[field['name']] = from_answer(field, answer)
                continue
            ids = answer if isinstance(answer, list) else [answer] if answer else []
            files = []
            for aid in ids:
                if open_files:
                    data = self.uploads.for_field(field['name']).get(aid)
                else:
                    data = self.uploads.described(aid, field['name'])
                if data is not None:
                    files.append(data)
            out[field['name']] = files if _multi(field) else (files[0] if files else
                                                              colander.null)
        return out

    def render(self, status=200, note=None):
        """The form's HTML: fresh from the saved answers, or as processed with its errors."""
        form = self.form
        if form is None:
            form = self.make_form()
            values = dict(self.appstruct(), csrf_token=get_csrf_token(self.request))
            return form.render(values, note=note)
        return form.widget.serialize(form, form.cstruct, note=note)

    # validation -------------------------------------------------------------

    def process(self, controls, draft):
        form = self.make_form(draft=draft)
        values = {}
        try:
            appstruct = form.validate(controls)
        except deform.ValidationFailure:
            self.ok = False
            appstruct = None
        cstruct = form.cstruct if isinstance(form.cstruct, dict) else {}
        for child in form.children:
            field = self.by_name.get(child.name)
            if field is None or field['type'] == 'file':
                continue
            if appstruct is not None:
                values[child.name] = appstruct[child.name]
            elif child.error is None:
                try:
                    values[child.name] = child.schema.deserialize(
                        cstruct.get(child.name, colander.null))
                except colander.Invalid:      # not expected: it validated a moment ago
                    pass
        answers = dict.fromkeys(self.by_name)
        answers.update(self.case.answers)
        for name, value in values.items():
            answers[name] = to_answer(self.by_name[name], value)
        for field in self.fields:
            if field['type'] == 'file':
                answers[field['name']] = self._files(field, form[field['name']], cstruct)
        self.case.answers = answers
        self._forget_unused()
        form.cstruct = cstruct            # the slots reset above show as they are now
        if not self.ok and form.error is None:
            form.error = colander.Invalid(form.schema)
        return self.ok

    def _files(self, field, child, cstruct):
        """Keep the accepted files of ``field``; return its answer (id, ids or None)."""
        name = field['name']
        if _multi(field):
            slots = cstruct.get(name)
            if not isinstance(slots, dict):
                slots = cstruct[name] = {}
            ids = []
            for sub in child.children:
                value = self._slot(field, sub, slots.get(sub.name, colander.null))
                slots[sub.name] = value
                if value is not colander.null:
                    ids.append(value['uid'])
            return ids
        value = self._slot(field, child, cstruct.get(name, colander.null))
        cstruct[name] = value
        return value['uid'] if value is not colander.null else None

    def _slot(self, field, slot, value):
        if not isinstance(value, dict) or not value.get('uid'):
            return colander.null
        name = field['name']
        uid = value['uid']
        if slot.error is not None:
            # refused: nothing of it is kept; the slot shows what it held before
            self.uploads.forget(uid)
            self.ok = False
            return self.uploads.described(uid, name) or colander.null
        types, max_bytes = _limits(field)
        try:
            self.uploads.keep(name, value, types, max_bytes, document=field.get('document'))
        except UploadError as e:
            self.uploads.forget(uid)
            slot.error = colander.Invalid(slot.schema, e.message)
            self.ok = False
            return self.uploads.described(uid, name) or colander.null
        return value

    def _forget_unused(self):
        """Drop the draft's form files no answer refers to any more (replaced, removed)."""
        used = set()
        names = set()
        for field in self.fields:
            if field['type'] == 'file':
                names.add(field['name'])
                answer = self.case.answers.get(field['name'])
                used.update(answer if isinstance(answer, list) else [answer] if answer else [])
        for aid, attachment in list(self.case.attachments.items()):
            if attachment.field in names and aid not in used:
                del self.case.attachments[aid]

    def validate_saved(self):
        """Check the saved answers against the full form; set the errors on ``self.form``."""
        form = self.make_form()
        appstruct = self.appstruct(open_files=True)
        cstruct = form.schema.serialize(dict(appstruct, csrf_token=''))
        form.cstruct = cstruct
        try:
            form.schema.deserialize(cstruct)
        except colander.Invalid as e:
            form.widget.handle_error(form, e)
            # the files as they are stored, without the open blob files
            form.cstruct = form.schema.serialize(dict(self.appstruct(), csrf_token=''))
            return False
        return True

    # errors carried from @@cerere ------------------------------------------------

    def carry(self, session):
        """Hand the errors of this submission to the draft's form (after the redirect)."""
        form = self.form
        translate = self.request.localizer.translate
        errors, raw = [], {}
        for child in form.children:
            if child.name not in self.by_name:
                continue
            if child.error is not None:
                for msg in _messages(child.error):
                    errors.append((child.name, None, translate(msg)))
                value = form.cstruct.get(child.name) if isinstance(form.cstruct, dict) else None
                if isinstance(value, str) and len(value) <= CARRY_MAX:
                    raw[child.name] = value
            for sub in child.children:
                if sub.error is not None:
                    for msg in _messages(sub.error):
                        errors.append((child.name, sub.name, translate(msg)))
        session[CARRIED] = {'case': self.case.__name__, 'errors': errors, 'raw': raw}

    def take_carried(self, session):
        """Show the errors a @@cerere POST carried here; True if there were any."""
        carried = session.get(CARRIED)
        if not carried or carried.get('case') != self.case.__name__:
            return False
        del session[CARRIED]
        form = self.make_form()
        cstruct = form.schema.serialize(dict(self.appstruct(),
                                             csrf_token=get_csrf_token(self.request)))
        for name, value in carried.get('raw', {}).items():
            if name in self.by_name and self.by_name[name]['type'] not in ('file', 'checkbox'):
                cstruct[name] = value
        form.cstruct = cstruct
        for name, slot, msg in carried.get('errors', ()):
            if name not in self.by_name:
                continue
            target = form[name]
            if slot:
                try:
                    target = target[slot]
                except KeyError:
                    pass
            target.error = colander.Invalid(target.schema, msg)
            if form[name].error is None:
                form[name].error = colander.Invalid(form[name].schema)
        form.error = colander.Invalid(form.schema)
        self.ok = False
        return True
