"""The online form of a service, generated from its field list.

``build_schema(fields)`` turns the ``form.fields`` of a service definition
(see schemas/services/service.schema.json) into a colander schema whose
nodes carry deform widgets, Romanian labels, help texts and error messages.
Validation of identifiers (CNP, CUI, IBAN, cadastral number, phone) uses
:mod:`cityportal.validators`; file fields check name, type, size and content
(:mod:`cityportal.cases.uploads`).

Nothing here needs JavaScript: a file field that takes several files gets one
upload control per allowed file (empty ones are ignored), and a file already
uploaded is shown by name with a box to remove it. ``draft=True`` builds the
schema a draft is saved with: every field optional, each value still checked.
"""
import secrets

import colander
import deform
from deform.widget import filedict

from ..i18n import _, at_most_characters, plural
from .. import validators as v

#: extensions -> MIME types a file field may declare
FILE_TYPES = {
    'pdf': ('application/pdf',),
    'jpg': ('image/jpeg',),
    'png': ('image/png',),
    'tiff': ('image/tiff',),
    'docx': ('application/vnd.openxmlformats-officedocument.wordprocessingml.document',),
    'xlsx': ('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',),
    'dwg': ('image/vnd.dwg', 'application/acad', 'application/octet-stream'),
    'dxf': ('image/vnd.dxf', 'application/dxf', 'application/octet-stream'),
    'zip': ('application/zip',),
    'xml': ('application/xml', 'text/xml'),
    'p7s': ('application/pkcs7-signature',),
}
EXTENSIONS = {'jpg': ('.jpg', '.jpeg'), 'tiff': ('.tif', '.tiff')}

REQUIRED = _('Câmp obligatoriu.')
TEXT_MAX = 300
TEXTAREA_MAX = 5000
#: numbers beyond this are refused (they would not survive a JSON or SQL round trip)
NUMBER_LIMIT = 10 ** 15
MAX_DECIMALS = 6
CONTROL = frozenset(chr(c) for c in range(0x20) if c not in (0x09, 0x0a, 0x0d)) | {'\x7f'}


class MemoryTmpStore(dict):
    """deform's upload temp store for one form rendering (a draft case has its own, in ZODB:
    :class:`cityportal.cases.uploads.CaseUploads`)."""

    def preview_url(self, uid):
        return None


def _extensions(types):
    out = []
    for t in types:
        out.extend(EXTENSIONS.get(t, ('.' + t,)))
    return tuple(out)


class FileLimits:
    """A colander validator for one uploaded file: its name, type, size and content."""

    def __init__(self, types, max_size_mb):
        self.types = tuple(types)
        self.max_bytes = int(max_size_mb * 1024 * 1024)
        self.max_size_mb = max_size_mb

    def __call__(self, node, value):
        from ..cases.uploads import UploadError, check_upload
        try:
            check_upload(value.get('fp'), value.get('filename'), self.types, self.max_bytes)
        except UploadError as e:
            raise colander.Invalid(node, e.message)


FILE_TEMPLATE = 'cityportal:cases/templates/filing_upload.pt'
SLOTS_TEMPLATE = 'cityportal:cases/templates/filing_upload_slots.pt'


class FileWidget(deform.widget.FileUploadWidget):
    """deform's upload control, usable without JavaScript.

    The file already uploaded is shown by name and size, with a box to remove
    it; uids are attachment-id shaped (the ZODB temp store keeps them as
    attachment ids); the file name is passed on as sent: the validator, not
    the widget, decides whether it is acceptable.
    """
    template = FILE_TEMPLATE
    hint = ''

    def random_id(self):
        return secrets.token_hex(8)

    @staticmethod
    def human_size(size):
        from ..cases.uploads import human_size
        return human_size(size) if isinstance(size, int) and size >= 0 else ''

    def deserialize(self, field, pstruct):
        if not isinstance(pstruct, dict):
            return colander.null
        upload, uid = pstruct.get('upload'), pstruct.get('uid')
        uid = uid if isinstance(uid, str) and 0 < len(uid) <= 64 else None
        if hasattr(upload, 'file'):
            data = filedict(fp=upload.file, filename=upload.filename or '',
                            mimetype=upload.type, size=None, preview_url=None)
            if uid is None:
                uid = self.random_id()
                while self.tmpstore.get(uid) is not None:
                    uid = self.random_id()
            data['uid'] = uid
            self.tmpstore[uid] = data
            return data
        if uid is None or pstruct.get('remove'):
            return colander.null
        data = self.tmpstore.get(uid)
        return colander.null if data is None else data


class FileSlots(colander.Mapping):
    """Several upload controls (``fisier_1`` ... ``fisier_N``) as one list of files.

    Serializes a list into the slots, deserializes the filled slots into a
    list (empty slots are dropped).
    """

    def __init__(self):
        super().__init__(unknown='ignore')

    def serialize(self, node, appstruct):
        if appstruct is colander.null or appstruct is None:
            appstruct = []
        if not isinstance(appstruct, dict):
            values = list(appstruct)
            appstruct = {child.name: values[i] if i < len(values) else colander.null
                         for i, child in enumerate(node.children)}
        return super().serialize(node, appstruct)

    def deserialize(self, node, cstruct):
        if cstruct is not colander.null and not isinstance(cstruct, dict):
            cstruct = {}
        result = super().deserialize(node, cstruct)
        if result is colander.null:
            return colander.null
        return [result[child.name] for child in node.children
                if result.get(child.name) not in (colander.null, None)]

    def cstruct_children(self, node, cstruct):
        return super().cstruct_children(node, cstruct if isinstance(cstruct, dict)
                                        else colander.null)


class SlotsWidget(deform.widget.MappingWidget):
    template = SLOTS_TEMPLATE
    category = 'structural'
    hint = ''

    def deserialize(self, field, pstruct):
        # a crafted post may send the group as one value: it holds no file then
        return super().deserialize(field, pstruct if isinstance(pstruct, dict)
                                   else colander.null)


def file_hint(types, max_size_mb, count):
    """The hint under a file field: the types, the size and (several files) the count."""
    parts = [_('Se acceptă: ${types}.', mapping={'types': ', '.join(t.upper() for t in types)}),
             _('Cel mult ${mb} MB pentru un fișier.', mapping={'mb': _mb(max_size_mb)})]
    if count > 1:
        parts.append(plural(count, _('Cel mult un fișier.'), _('Cel mult ${n} fișiere.'),
                            _('Cel mult ${n} de fișiere.')))
    return parts


def _mb(value):
    return ('%g' % value).replace('.', ',')


def _length(max_length):
    return colander.Length(max=max_length, max_err=at_most_characters(max_length))


def _number_validator(field):
    """Finite, of a sane size, and within the field's range (a NaN never reaches Range)."""
    in_range = _number_range(field)

    def validate(node, value):
        if not value.is_finite():
            raise colander.Invalid(node, _('Introduceți un număr.'))
        if abs(value) >= NUMBER_LIMIT or value.as_tuple().exponent < -MAX_DECIMALS:
            raise colander.Invalid(node, _('Numărul nu poate fi folosit: este prea mare '
                                           'sau are prea multe zecimale.'))
        if in_range is not None:
            in_range(node, value)
    return validate


def _number_range(field):
    lo, hi = field.get('min'), field.get('max')
    if lo is None and hi is None:
        return None
    return colander.Range(
        min=lo, max=hi,
        min_err=_('Valoarea minimă este ${min}.'), max_err=_('Valoarea maximă este ${max}.'))


def plain_text(node, value):
    """No control characters in a text answer (tabs and line breaks are fine)."""
    if any(c in CONTROL for c in value):
        raise colander.Invalid(node, _('Textul conține caractere nepermise '
                                       '(caractere de control).'))


def _text_validator(limit):
    return colander.All(_length(limit), plain_text)


def field_oid(name):
    """The HTML id of a field's control (stable: the error summary links to it)."""
    return 'camp-' + name


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _file_node(field, tmpstore, required, missing, kw):
    limits = field['file']
    types = limits['types']
    count = limits.get('max_count', 1)
    store = tmpstore.for_field(field['name']) if hasattr(tmpstore, 'for_field') else tmpstore
    accept = ','.join(_extensions(types))
    one = FileLimits(types, limits['max_size_mb'])
    hint = file_hint(types, limits['max_size_mb'], count)
    if count == 1:
        widget = FileWidget(store, accept=accept)
        widget.hint = hint
        return colander.SchemaNode(deform.FileData(), widget=widget, validator=one,
                                   missing=missing, **kw)
    # one upload control per allowed file: no JavaScript needed to add more
    node = colander.SchemaNode(
        FileSlots(), missing=missing,
        validator=colander.Length(
            min=1 if required else 0, max=count, min_err=REQUIRED,
            max_err=plural(count, _('Cel mult un fișier.'), _('Cel mult ${n} fișiere.'),
                           _('Cel mult ${n} de fișiere.'))),
        widget=SlotsWidget(), **kw)
    node.widget.hint = hint
    for i in range(1, count + 1):
        node.add(colander.SchemaNode(
            deform.FileData(), widget=FileWidget(store, accept=accept), validator=one,
            missing=colander.null, name='fisier_%d' % i, oid='%s-%d' % (kw['oid'], i),
            title=_('Fișierul ${n}', mapping={'n': i})))
    return node


def _node_for(field, tmpstore, draft=False):
    kind = field['type']
    required = field.get('required', True) and not draft
    kw = {'name': field['name'], 'title': field['label'],
          'description': field.get('help', ''), 'oid': field_oid(field['name'])}
    missing = colander.required if required else colander.null
    if kind in ('text', 'address', 'textarea'):
        limit = field.get('max_length') or (TEXTAREA_MAX if kind != 'text' else TEXT_MAX)
        widget = deform.widget.TextAreaWidget(rows=5 if kind == 'textarea' else 3) \
            if kind != 'text' else deform.widget.TextInputWidget()
        node = colander.SchemaNode(colander.String(), validator=_text_validator(limit),
                                   widget=widget, missing=missing, **kw)
    elif kind == 'number':
        node = colander.SchemaNode(colander.Decimal(), validator=_number_validator(field),
                                   missing=missing, widget=deform.widget.TextInputWidget(
                                       attributes={'inputmode': 'decimal'}), **kw)
    elif kind == 'date':
        node = colander.SchemaNode(colander.Date(), missing=missing,
                                   widget=deform.widget.TextInputWidget(
                                       attributes={'type': 'date'}), **kw)
    elif kind in ('select', 'radio'):
        values = [(o['value'], o['label']) for o in field['options']]
        if kind == 'select':
            widget = deform.widget.SelectWidget(values=[('', _('— alegeți —'))] + values)
        else:
            widget = deform.widget.RadioChoiceWidget(values=values)
        node = colander.SchemaNode(
            colander.String(), widget=widget, missing=missing,
            validator=colander.OneOf([o['value'] for o in field['options']],
                                     msg_err=_('Alegeți una dintre variantele din listă.')),
            **kw)
    elif kind == 'checkbox':
        node = colander.SchemaNode(colander.Boolean(), widget=deform.widget.CheckboxWidget(),
                                   missing=False if not required else colander.required,
                                   validator=(colander.Function(
                                       lambda value: bool(value), REQUIRED)
                                       if required else None), **kw)
    elif kind == 'email':
        node = colander.SchemaNode(colander.String(), missing=missing, preparer=_strip,
                                   validator=colander.All(
                                       _length(254), plain_text, colander.Email(
                                           _('Adresa de e-mail nu este validă.'))),
                                   widget=deform.widget.TextInputWidget(
                                       attributes={'type': 'email', 'autocomplete': 'email'}),
                                   **kw)
    elif kind in ('phone', 'cnp', 'cui', 'iban', 'cadastral'):
        validator = {'phone': v.phone_validator, 'cnp': v.cnp_validator,
                     'cui': v.cui_validator, 'iban': v.iban_validator,
                     'cadastral': v.cadastral_validator}[kind]
        attrs = {'phone': {'type': 'tel', 'autocomplete': 'tel'},
                 'cnp': {'inputmode': 'numeric', 'maxlength': '13'},
                 'cui': {'maxlength': '12'}, 'iban': {'maxlength': '42'},
                 'cadastral': {'maxlength': '40'}}[kind]
        node = colander.SchemaNode(colander.String(), missing=missing, preparer=_strip,
                                   validator=colander.All(_length(64), validator),
                                   widget=deform.widget.TextInputWidget(attributes=attrs),
                                   **kw)
    elif kind == 'file':
        node = _file_node(field, tmpstore, required, missing, kw)
    else:
        raise ValueError('unknown field type %r' % kind)
    if required and kind not in ('checkbox',):
        node.missing_msg = REQUIRED
    return node


def build_schema(fields, tmpstore=None, draft=False):
    """A colander mapping schema for a service's ``form.fields``.

    ``tmpstore``: deform's upload temp store, or an object whose
    ``for_field(name)`` gives one per file field (a draft's ZODB store);
    by default one in memory for this rendering. ``draft``: every field
    optional (a draft may be incomplete), every value still checked.
    """
    tmpstore = tmpstore if tmpstore is not None else MemoryTmpStore()
    schema = colander.SchemaNode(colander.Mapping(), name='')
    for field in fields:
        schema.add(_node_for(field, tmpstore, draft=draft))
    return schema
