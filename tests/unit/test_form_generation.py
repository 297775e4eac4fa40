"""The form generator: every field type renders, validates, and errs in Romanian."""
import io

import colander
import deform
import pytest

from cityportal.services.formgen import build_schema
from cityportal.services.definitions import default_directory, load_directory

ALL_TYPES = [
    {'name': 'nume_firma', 'type': 'text', 'label': 'Denumirea firmei', 'max_length': 20},
    {'name': 'descriere', 'type': 'textarea', 'label': 'Descriere', 'required': False},
    {'name': 'suprafata', 'type': 'number', 'label': 'Suprafața (m²)', 'min': 1, 'max': 1000},
    {'name': 'data_eveniment', 'type': 'date', 'label': 'Data evenimentului'},
    {'name': 'scop', 'type': 'select', 'label': 'Scopul',
     'options': [{'value': 'a', 'label': 'Construire'}, {'value': 'b', 'label': 'Desființare'}]},
    {'name': 'mod', 'type': 'radio', 'label': 'Modul de primire',
     'options': [{'value': 'email', 'label': 'E-mail'}, {'value': 'posta', 'label': 'Poștă'}]},
    {'name': 'acord', 'type': 'checkbox', 'label': 'Sunt de acord'},
    {'name': 'email', 'type': 'email', 'label': 'E-mail'},
    {'name': 'telefon', 'type': 'phone', 'label': 'Telefon'},
    {'name': 'cnp_copil', 'type': 'cnp', 'label': 'CNP-ul copilului'},
    {'name': 'cui', 'type': 'cui', 'label': 'CUI'},
    {'name': 'iban', 'type': 'iban', 'label': 'IBAN'},
    {'name': 'nr_cadastral', 'type': 'cadastral', 'label': 'Număr cadastral'},
    {'name': 'adresa', 'type': 'address', 'label': 'Adresa imobilului'},
    {'name': 'plan', 'type': 'file', 'label': 'Plan de situație',
     'file': {'types': ['pdf'], 'max_size_mb': 1}},
]

GOOD = {
    'nume_firma': 'Exemplu SRL', 'descriere': '', 'suprafata': '120', 'data_eveniment':
    '2026-12-20', 'scop': 'a', 'mod': 'email', 'acord': 'true', 'email': 'ana@example.ro',
    'telefon': '0722 123 456', 'cnp_copil': '6050120350090', 'cui': 'RO14756536',
    'iban': 'RO49 AAAA 1B31 0075 9384 0000', 'nr_cadastral': '401234-C1',
    'adresa': 'Str. Exemplu nr. 1, Timișoara',
}


def upload(name, data):
    return {'fp': io.BytesIO(data), 'filename': name, 'mimetype': 'application/pdf',
            'size': len(data), 'uid': 'u1'}


def test_every_field_type_renders_with_labels():
    html = deform.Form(build_schema(ALL_TYPES)).render()
    for field in ALL_TYPES:
        assert field['label'] in html
    assert 'type="date"' in html and 'type="email"' in html and 'type="file"' in html


def test_valid_values_deserialize():
    schema = build_schema(ALL_TYPES)
    cstruct = dict(GOOD, plan=upload('plan.pdf', b'%PDF-1.4 x'))
    result = schema.deserialize(cstruct)
    assert result['cnp_copil'] == '6050120350090' and str(result['suprafata']) == '120'


@pytest.mark.parametrize('name, value, message', [
    ('cnp_copil', '6050120350091', 'cifra de control'),
    ('cnp_copil', '123', '13 cifre'),
    ('cui', '14756535', 'cifra de control'),
    ('iban', 'RO49AAAA1B31007593840001', 'cifrele de control'),
    ('nr_cadastral', 'lot 5', 'Numărul cadastral'),
    ('telefon', '12', 'telefon nu este valid'),
    ('email', 'nu-e-email', 'e-mail nu este validă'),
    ('nume_firma', 'x' * 21, 'Cel mult 20 de caractere'),
    ('suprafata', '5000', 'Valoarea maximă este 1000'),
    ('scop', 'z', ''),
    ('nume_firma', colander.null, 'Câmp obligatoriu'),
])
def test_bad_values_get_romanian_errors(name, value, message):
    schema = build_schema(ALL_TYPES)
    cstruct = dict(GOOD, plan=upload('plan.pdf', b'%PDF-1.4 x'))
    cstruct[name] = value
    with pytest.raises(colander.Invalid) as e:
        schema.deserialize(cstruct)
    errors = e.value.asdict()
    assert name in errors and message in errors[name]


@pytest.mark.parametrize('filename, data, message', [
    ('plan.exe', b'MZ', 'Tip de fișier nepermis'),
    ('plan.pdf', b'x' * (1024 * 1024 + 1), 'depășește 1 MB'),
    ('plan.pdf', b'', 'Fișierul este gol'),
])
def test_file_limits(filename, data, message):
    schema = build_schema(ALL_TYPES)
    with pytest.raises(colander.Invalid) as e:
        schema.deserialize(dict(GOOD, plan=upload(filename, data)))
    assert message in e.value.asdict()['plan']


def test_every_shipped_service_form_builds_and_renders():
    catalog = load_directory(default_directory())
    for sid, definition in catalog.services.items():
        schema = build_schema(definition['form']['fields'])
        assert len(schema.children) == len(definition['form']['fields']), sid
        deform.Form(schema).render()
