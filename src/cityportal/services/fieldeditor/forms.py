"""The form of one field: colander nodes for its type, limits from service.schema.json."""
import re
from decimal import Decimal, InvalidOperation

import colander
import deform
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther

from ...i18n import _, at_most_characters
from ...layout.forms import FormView
from ...schemas import line_node
from ..formgen import FILE_TYPES
from .fields import (
    CHOICE_TYPES, LENGTH_TYPES, NAME_MAX, NAME_PATTERN, comment_text, field_appstruct,
    field_rules, field_value, max_fields, option_rules, parse_options, same_field,
    save_fields, schema_errors, type_choices, type_title, with_field, with_replaced)

FORM = 'cityportal:services/templates/fieldeditor_form.pt'
#: a group of checkboxes as a fieldset whose legend is the title (deform's has a dangling label)
CHOICES = 'cityportal:services/templates/fieldeditor_choices.pt'


class Number(colander.SchemaType):
    """A number written either way, 2.5 or 2,5 (a Decimal; empty: None)."""

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        return str(appstruct).replace('.', ',')

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None) or not str(cstruct).strip():
            return colander.null
        text = str(cstruct).strip().replace(' ', '').replace(',', '.')
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise colander.Invalid(node, _('„${value}” nu este un număr.',
                                           mapping={'value': cstruct}))
        return value


def _range(lo, hi):
    return colander.Range(min=lo, max=hi, min_err=_('Valoarea minimă este ${min}.'),
                          max_err=_('Valoarea maximă este ${max}.'))


def _name_validator(taken):
    def validate(node, value):
        if len(value) > NAME_MAX:
            raise colander.Invalid(node, at_most_characters(NAME_MAX))
        if not NAME_PATTERN.match(value):
            raise colander.Invalid(node, _(
                'Numele începe cu o literă mică și conține doar litere mici fără diacritice, '
                'cifre și „_”.'))
        if value in taken:
            raise colander.Invalid(node, _('Formularul are deja un câmp cu numele „${name}”.',
                                           mapping={'name': value}))
    return validate


def _options_validator(node, value):
    rules = field_rules()
    option = option_rules()
    value_pattern = re.compile(option['value']['pattern'])
    label_max = option['label']['maxLength']
    options = parse_options(value)
    seen = set()
    for number, (key, label) in enumerate(options, 1):
        if label is None:
            raise colander.Invalid(node, _('Rândul ${n}: scrieți „valoare | Etichetă”.',
                                           mapping={'n': number}))
        if not value_pattern.match(key):
            raise colander.Invalid(node, _(
                'Rândul ${n}: valoarea „${value}” poate avea doar litere mici fără diacritice, '
                'cifre, „_” și „-” (începe cu o literă sau o cifră, cel mult 60 de caractere).',
                mapping={'n': number, 'value': key}))
        if not label:
            raise colander.Invalid(node, _('Rândul ${n}: lipsește eticheta.',
                                           mapping={'n': number}))
        if len(label) > label_max:
            raise colander.Invalid(node, _('Rândul ${n}: eticheta are cel mult ${max} de '
                                           'caractere.', mapping={'n': number, 'max': label_max}))
        if key in seen:
            raise colander.Invalid(node, _('Rândul ${n}: valoarea „${value}” se repetă.',
                                           mapping={'n': number, 'value': key}))
        seen.add(key)
    low, high = rules['options']['minItems'], rules['options']['maxItems']
    if len(options) < low:
        raise colander.Invalid(node, _('Scrieți cel puțin ${n} variante.', mapping={'n': low}))
    if len(options) > high:
        raise colander.Invalid(node, _('Cel mult ${n} de variante.', mapping={'n': high}))


def _min_max(node, value):
    low, high = value.get('min'), value.get('max')
    if low is not None and high is not None and low > high:
        error = colander.Invalid(node, '')
        error['max'] = _('Valoarea maximă este mai mică decât cea minimă.')
        raise error


def _positive(node, value):
    if value <= 0:
        raise colander.Invalid(node, _('Dimensiunea trebuie să fie mai mare decât 0.'))


def field_schema(kind, taken, documents, current_document=''):
    """The colander schema of the form for one field of type ``kind``.

    ``taken``: the other fields' names; ``documents``: the service's required
    documents a file field may provide. Limits come from service.schema.json.
    """
    rules = field_rules()
    schema = colander.SchemaNode(colander.Mapping(), name='')
    schema.add(colander.SchemaNode(
        colander.String(), name='name', title=_('Nume tehnic'), validator=_name_validator(taken),
        description=_('Cheia câmpului în datele cererii: litere mici fără diacritice, cifre '
                      'și „_”, de exemplu „suprafata_teren” (cel mult ${n} de caractere).',
                      mapping={'n': NAME_MAX}),
        missing_msg=_('Câmp obligatoriu.')))
    label = rules['label']
    schema.add(colander.SchemaNode(
        colander.String(), name='label', title=_('Eticheta (ce citește cetățeanul)'),
        validator=colander.Length(
            min=label['minLength'], max=label['maxLength'],
            min_err=_('Cel puțin ${min} caractere.'),
            max_err=at_most_characters(label['maxLength'])),
        missing_msg=_('Câmp obligatoriu.')))
    schema.add(colander.SchemaNode(
        colander.String(), name='help', title=_('Text de ajutor (opțional)'), missing='',
        validator=colander.Length(max=rules['help']['maxLength'],
                                  max_err=at_most_characters(rules['help']['maxLength'])),
        widget=deform.widget.TextAreaWidget(rows=2),
        description=_('Apare sub câmp: un exemplu, un format, de unde se află informația.')))
    schema.add(colander.SchemaNode(
        colander.Boolean(), name='required', title=_('Completarea este obligatorie'),
        missing=False, default=True))
    if kind in LENGTH_TYPES:
        limit = rules['max_length']
        schema.add(colander.SchemaNode(
            colander.Integer(), name='max_length', title=_('Lungimea maximă (caractere)'),
            missing=None, validator=_range(limit['minimum'], limit['maximum']),
            description=_('Opțional; fără ea: 300 de caractere pentru un text scurt, '
                          '5000 pentru unul lung.')))
    if kind == 'number':
        schema.add(colander.SchemaNode(Number(), name='min', title=_('Valoarea minimă'),
                                       missing=None, description=_('Opțional.')))
        schema.add(colander.SchemaNode(Number(), name='max', title=_('Valoarea maximă'),
                                       missing=None, description=_('Opțional.')))
        schema.validator = _min_max
    if kind in CHOICE_TYPES:
        schema.add(colander.SchemaNode(
            colander.String(), name='options', title=_('Variantele'),
            validator=_options_validator, missing_msg=_('Câmp obligatoriu.'),
            widget=deform.widget.TextAreaWidget(rows=6),
            description=_('Câte una pe rând, „valoare | Etichetă”, de exemplu '
                          '„construire | Construire”. Valoarea: litere mici fără diacritice, '
                          'cifre, „_” și „-”; cel puțin două variante.')))
    if kind == 'file':
        limits = rules['file']['properties']
        schema.add(colander.SchemaNode(
            colander.Set(), name='types', title=_('Tipuri de fișiere acceptate'),
            validator=colander.Length(min=1, min_err=_('Alegeți cel puțin un tip de fișier.')),
            missing_msg=_('Alegeți cel puțin un tip de fișier.'),
            widget=deform.widget.CheckboxChoiceWidget(
                values=[(t, t.upper()) for t in FILE_TYPES
                        if t in limits['types']['items']['enum']],
                template=CHOICES, category='structural', inline=True)))
        size = limits['max_size_mb']
        schema.add(colander.SchemaNode(
            Number(), name='max_size_mb', title=_('Dimensiunea maximă a unui fișier (MB)'),
            validator=colander.All(_positive, _range(None, size['maximum'])),
            missing_msg=_('Câmp obligatoriu.')))
        count = limits['max_count']
        schema.add(colander.SchemaNode(
            colander.Integer(), name='max_count', title=_('Numărul maxim de fișiere'),
            validator=_range(count['minimum'], count['maximum']), missing=1, default=1))
        names = [d['name'] for d in documents]
        values = [('', _('— niciunul —'))] + [(n, n) for n in names]
        if current_document and current_document not in names:
            values.append((current_document, current_document))
        schema.add(colander.SchemaNode(
            colander.String(), name='document', title=_('Documentul necesar pe care îl aduce'),
            missing='', widget=deform.widget.SelectWidget(values=values),
            validator=colander.OneOf(
                [''] + names, msg_err=_('Documentul nu mai figurează printre documentele '
                                        'necesare ale serviciului; alegeți altul.')),
            description=_('Din lista „Documente necesare” a serviciului.')))
    schema.add(line_node(_('Comentariu pentru istoric (opțional)'), name='comment'))
    return schema


class _FieldForm(FormView):
    """The form of one field; subclasses say which field and how it is stored."""

    renderer = FORM
    kind = None
    field = None          # the stored field being changed (None: a new one)

    def taken(self):
        return {f['name'] for f in self.context.form_fields if f is not self.field}

    def make_schema(self):
        schema = field_schema(self.kind, self.taken(), self.context.documents or (),
                              (self.field or {}).get('document', ''))
        self.form_nodes = {node.name for node in schema.children}
        return schema

    def cancel_url(self):
        return self.request.resource_url(self.context, '@@formular')

    def values(self, appstruct):
        appstruct = dict(appstruct)
        comment = appstruct.pop('comment', '')
        field = field_value(self.kind, appstruct)
        problems = schema_errors(field)
        if problems:
            raise colander.Invalid(self.form.schema, _(
                'Câmpul nu respectă formatul definițiilor de servicii (${problem}).',
                mapping={'problem': problems[0]}))
        return field, comment

    def done(self, message, name):
        self.request.session.flash(message, 'success')
        return HTTPSeeOther(self.request.resource_url(self.context, '@@formular',
                                                      anchor='camp-' + name))

    @property
    def type_title(self):
        return type_title(self.kind)

    def type_choices(self):
        return type_choices()


class AddFieldForm(_FieldForm):
    def __init__(self, context, request):
        super().__init__(context, request)
        self.kind = request.params.get('tip', '')
        self.title = _('Câmp nou în formularul „${title}”', mapping={'title': context.title})
        self.buttons = (deform.Button('save', _('Adaugă câmpul')),)

    def before(self, form):
        form.action = self.request.resource_url(self.context, '@@formular-adauga',
                                                query={'tip': self.kind})

    def appstruct(self):
        values = field_appstruct({'name': '', 'label': '', 'type': self.kind})
        return {k: v for k, v in values.items() if k in self.form_nodes}

    def success(self, appstruct):
        if len(self.context.form_fields) >= max_fields():
            raise colander.Invalid(self.form.schema, _(
                'Formularul are deja numărul maxim de câmpuri (${n}).',
                mapping={'n': max_fields()}))
        field, comment = self.values(appstruct)
        save_fields(self.context, with_field(self.context.form_fields, field),
                    self.request.identity.userid,
                    comment_text('câmpul „%s” adăugat' % field['label'], comment),
                    registry=self.request.registry, request=self.request)
        return self.done(_('Câmpul „${label}” a fost adăugat.',
                           mapping={'label': field['label']}), field['name'])


class EditFieldForm(_FieldForm):
    def __init__(self, context, request):
        super().__init__(context, request)
        name = request.params.get('camp', '')
        self.field = next((f for f in context.form_fields if f['name'] == name), None)
        if self.field is None:
            raise HTTPNotFound()
        self.kind = request.params.get('tip') or self.field['type']
        self.title = _('Modifică câmpul „${label}”', mapping={'label': self.field['label']})

    def before(self, form):
        form.action = self.request.resource_url(
            self.context, '@@formular-modifica',
            query={'camp': self.field['name'], 'tip': self.kind})

    def appstruct(self):
        values = field_appstruct(self.field)
        return {k: v for k, v in values.items() if k in self.form_nodes}

    def success(self, appstruct):
        field, comment = self.values(appstruct)
        old = self.field
        if same_field(field, old):
            self.request.session.flash(_('Nimic de salvat: câmpul a rămas la fel.'), 'info')
            return HTTPSeeOther(self.cancel_url())
        what = 'câmpul „%s” modificat' % field['label']
        if field['label'] != old['label']:
            what += ', fost „%s”' % old['label']
        if field['type'] != old['type']:
            what += ', tipul %s în loc de %s' % (field['type'], old['type'])
        save_fields(self.context, with_replaced(self.context.form_fields, old['name'], field),
                    self.request.identity.userid, comment_text(what, comment),
                    registry=self.request.registry, request=self.request)
        return self.done(_('Câmpul „${label}” a fost modificat.',
                           mapping={'label': field['label']}), field['name'])
