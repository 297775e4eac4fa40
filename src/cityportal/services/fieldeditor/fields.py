"""Field dicts and field lists: what the editor stores, as plain functions.

Every change stores a *new* tuple in ``Service.form_fields`` and never touches
the stored dicts: the history snapshots and the importer's ``imported`` record
share them, and a change in place would rewrite the past (and hide an
editor's change from the importer, which must report it as a conflict).
"""
import re
from functools import lru_cache

import colander

from ... import api
from ...i18n import _
from .. import workflow
from ..formgen import FILE_TYPES

#: the field types, in the order the type list offers them
TYPE_TITLES = (
    ('text', _('Text scurt')),
    ('textarea', _('Text lung (mai multe rânduri)')),
    ('number', _('Număr')),
    ('date', _('Dată calendaristică')),
    ('select', _('Listă de variante (derulantă)')),
    ('radio', _('Alegere dintre variante (butoane)')),
    ('checkbox', _('Casetă de bifat (da/nu)')),
    ('email', _('Adresă de e-mail')),
    ('phone', _('Număr de telefon')),
    ('cnp', _('CNP')),
    ('cui', _('CUI (cod de identificare fiscală)')),
    ('iban', _('IBAN (cont bancar)')),
    ('cadastral', _('Număr cadastral')),
    ('address', _('Adresă poștală')),
    ('file', _('Fișiere încărcate')),
)
LENGTH_TYPES = ('text', 'textarea', 'address')     # formgen honours max_length there
CHOICE_TYPES = ('select', 'radio')
NAME_MAX = 40
NAME_PATTERN = re.compile(r'^[a-z][a-z0-9_]*$')
#: what a new file field (or one changed into a file field) starts with
NEW_FILE_LIMITS = {'types': ('pdf', 'jpg', 'png'), 'max_size_mb': 10, 'max_count': 1}


# the definition schema ----------------------------------------------------------

@lru_cache(maxsize=1)
def _definition_schema():
    """(service.schema.json as loaded by definitions.py, a validator of one field)."""
    from jsonschema import Draft202012Validator
    from ..definitions import _validator, default_directory
    whole = _validator(default_directory()).schema
    one_field = {'$schema': whole['$schema'], '$defs': whole['$defs'],
                 '$ref': '#/$defs/field'}
    return whole, Draft202012Validator(one_field)


def field_rules():
    """The ``properties`` of ``$defs/field``: the limits the form enforces."""
    return _definition_schema()[0]['$defs']['field']['properties']


def option_rules():
    return _definition_schema()[0]['$defs']['option']['properties']


def max_fields():
    return _definition_schema()[0]['properties']['form']['properties']['fields']['maxItems']


def schema_errors(field):
    """The JSON-schema errors of one field dict, as 'path: message' strings."""
    validator = _definition_schema()[1]
    return ['%s: %s' % ('.'.join(str(p) for p in e.path) or '(field)', e.message)
            for e in validator.iter_errors(field)]


# field dicts ----------------------------------------------------------------------

def type_title(kind):
    return dict(TYPE_TITLES).get(kind, kind)


def type_choices():
    """(type, title) of the types the definition schema knows, in the offered order."""
    known = field_rules()['type']['enum']
    return [(kind, title) for kind, title in TYPE_TITLES if kind in known]


def _canonical(field):
    """``field`` with the schema's defaults filled in, to compare meanings."""
    out = dict(field)
    out.setdefault('required', True)
    if not out.get('help'):
        out.pop('help', None)
    if 'options' in out:
        out['options'] = [dict(o) for o in out['options']]
    if 'file' in out:
        limits = dict(out['file'])
        limits.setdefault('max_count', 1)
        limits['types'] = list(limits['types'])
        out['file'] = limits
    return out


def same_field(a, b):
    return _canonical(a) == _canonical(b)


def _number(value):
    """A Decimal as the int or float a definition file would hold."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def field_value(kind, values):
    """The field dict (definition format) from the field form's ``values``."""
    field = {'name': values['name'], 'type': kind, 'label': values['label']}
    if values.get('help'):
        field['help'] = values['help']
    if not values.get('required', True):
        field['required'] = False
    if kind in LENGTH_TYPES and values.get('max_length'):
        field['max_length'] = values['max_length']
    if kind == 'number':
        for key in ('min', 'max'):
            if values.get(key) is not None:
                field[key] = _number(values[key])
    if kind in CHOICE_TYPES:
        field['options'] = [{'value': v, 'label': t} for v, t in parse_options(values['options'])]
    if kind == 'file':
        if values.get('document'):
            field['document'] = values['document']
        field['file'] = {'types': [t for t in FILE_TYPES if t in values['types']],
                         'max_size_mb': _number(values['max_size_mb']),
                         'max_count': values['max_count']}
    return field


def field_appstruct(field):
    """The field form's values for a stored ``field`` (the inverse of field_value)."""
    limits = field.get('file', NEW_FILE_LIMITS)

    def n(value):
        return colander.null if value is None else value
    return {
        'name': field['name'], 'label': field['label'], 'help': field.get('help', ''),
        'required': field.get('required', True), 'max_length': n(field.get('max_length')),
        'min': n(field.get('min')), 'max': n(field.get('max')),
        'options': '\n'.join('%s | %s' % (o['value'], o['label'])
                             for o in field.get('options', ())),
        'types': set(limits['types']), 'max_size_mb': limits['max_size_mb'],
        'max_count': limits.get('max_count', 1),
        'document': field.get('document', ''),
    }


def parse_options(text):
    """[(value, label)] from lines ``valoare | Etichetă`` (blank lines skipped)."""
    out = []
    for line in (text or '').splitlines():
        if not line.strip():
            continue
        value, _bar, label = line.partition('|')
        out.append((value.strip(), label.strip() if _bar else None))
    return out


# new field lists (never changing the old one) -----------------------------------

def index_of(fields, name):
    for i, field in enumerate(fields):
        if field['name'] == name:
            return i
    raise KeyError(name)


def with_field(fields, field):
    return tuple(fields) + (field,)


def with_replaced(fields, name, field):
    i = index_of(fields, name)
    return tuple(fields[:i]) + (field,) + tuple(fields[i + 1:])


def with_moved(fields, name, step):
    """The list with field ``name`` moved by ``step`` (-1 up, +1 down); None: it can't."""
    i = index_of(fields, name)
    j = i + step
    if not 0 <= j < len(fields):
        return None
    out = list(fields)
    out[i], out[j] = out[j], out[i]
    return tuple(out)


def without(fields, name):
    i = index_of(fields, name)
    return tuple(fields[:i]) + tuple(fields[i + 1:])


def save_fields(service, fields, actor, comment, registry=None, request=None):
    """Store the new field list: stamp, reindex, audit (api.content.edit), one version.

    Returns False (and records nothing) when ``fields`` equals the stored list.
    """
    changed = api.content.edit(service, registry=registry, request=request,
                               form_fields=tuple(fields))
    if changed:
        workflow.record(service, 'edit', actor, comment)
    return bool(changed)


def comment_text(text, extra=''):
    # stored in the page's history (data, not interface): in the site's language
    return 'Formular: %s' % text + (' (%s)' % extra if extra else '')
