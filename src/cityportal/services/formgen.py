"""The online form of a service, generated from its field list.

``build_schema(fields)`` turns the ``form.fields`` of a service definition
(see schemas/services/service.schema.json) into a colander schema whose
nodes carry deform widgets, Romanian labels, help texts and error messages.
Validation of identifiers (CNP, CUI, IBAN, cadastral number, phone) uses
:mod:`cityportal.validators`; file fields check type and size.
"""
import os

import colander
import deform

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


class MemoryTmpStore(dict):
    """deform's upload temp store for one form rendering (persistence: cases issue)."""

    def preview_url(self, uid):
        return None


def _extensions(types):
    out = []
    for t in types:
        out.extend(EXTENSIONS.get(t, ('.' + t,)))
    return tuple(out)


class FileLimits:
    """A colander validator for one uploaded file: declared types and size."""

    def __init__(self, types, max_size_mb):
        self.types = tuple(types)
        self.max_bytes = int(max_size_mb * 1024 * 1024)
        self.max_size_mb = max_size_mb

    def __call__(self, node, value):
        filename = (value.get('filename') or '').lower()
        if not filename.endswith(_extensions(self.types)):
            raise colander.Invalid(node, _(
                'Tip de fișier nepermis. Se acceptă: ${types}.',
                mapping={'types': ', '.join(t.upper() for t in self.types)}))
        size = value.get('size')
        if size is None and value.get('fp') is not None:
            fp = value['fp']
            pos = fp.tell()
            fp.seek(0, os.SEEK_END)
            size = fp.tell()
            fp.seek(pos)
        if size is not None and size > self.max_bytes:
            raise colander.Invalid(node, _(
                'Fișierul depășește ${mb} MB.', mapping={'mb': _mb(self.max_size_mb)}))
        if size == 0:
            raise colander.Invalid(node, _('Fișierul este gol.'))


def _mb(value):
    return ('%g' % value).replace('.', ',')


def _length(max_length):
    return colander.Length(max=max_length, max_err=at_most_characters(max_length))


def _number_range(field):
    lo, hi = field.get('min'), field.get('max')
    if lo is None and hi is None:
        return None
    return colander.Range(
        min=lo, max=hi,
        min_err=_('Valoarea minimă este ${min}.'), max_err=_('Valoarea maximă este ${max}.'))


def _node_for(field, tmpstore):
    kind = field['type']
    required = field.get('required', True)
    kw = {'name': field['name'], 'title': field['label'],
          'description': field.get('help', '')}
    missing = colander.required if required else colander.null
    if kind in ('text', 'address', 'textarea'):
        limit = field.get('max_length') or (TEXTAREA_MAX if kind != 'text' else TEXT_MAX)
        widget = deform.widget.TextAreaWidget(rows=5 if kind == 'textarea' else 3) \
            if kind != 'text' else deform.widget.TextInputWidget()
        node = colander.SchemaNode(colander.String(), validator=_length(limit),
                                   widget=widget, missing=missing, **kw)
    elif kind == 'number':
        node = colander.SchemaNode(colander.Decimal(), validator=_number_range(field),
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
        node = colander.SchemaNode(colander.String(), missing=missing,
                                   validator=colander.All(
                                       _length(254), colander.Email(
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
        node = colander.SchemaNode(colander.String(), missing=missing,
                                   preparer=lambda value: value.strip() if isinstance(
                                       value, str) else value,
                                   validator=colander.All(_length(64), validator),
                                   widget=deform.widget.TextInputWidget(attributes=attrs),
                                   **kw)
    elif kind == 'file':
        limits = field['file']
        widget = deform.widget.FileUploadWidget(
            tmpstore, accept=','.join(_extensions(limits['types'])))
        one = FileLimits(limits['types'], limits['max_size_mb'])
        count = limits.get('max_count', 1)
        if count == 1:
            node = colander.SchemaNode(deform.FileData(), widget=widget, validator=one,
                                       missing=missing, **kw)
        else:
            item = colander.SchemaNode(deform.FileData(), widget=widget, validator=one,
                                       name='fisier', title=_('Fișier'))
            node = colander.SchemaNode(
                colander.Sequence(), item, missing=missing if required else [],
                validator=colander.Length(
                    min=1 if required else 0, max=count,
                    min_err=REQUIRED,
                    max_err=plural(count, _('Cel mult un fișier.'),
                                   _('Cel mult ${n} fișiere.'),
                                   _('Cel mult ${n} de fișiere.'))),
                widget=deform.widget.SequenceWidget(min_len=1 if required else 0,
                                                    max_len=count),
                **kw)
    else:
        raise ValueError('unknown field type %r' % kind)
    if required and kind not in ('checkbox',):
        node.missing_msg = REQUIRED
    return node


def build_schema(fields, tmpstore=None):
    """A colander mapping schema for a service's ``form.fields``."""
    tmpstore = tmpstore if tmpstore is not None else MemoryTmpStore()
    schema = colander.SchemaNode(colander.Mapping(), name='')
    for field in fields:
        schema.add(_node_for(field, tmpstore))
    return schema
