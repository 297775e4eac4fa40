"""Every field of a generated form, fuzzed: never a server error.

A service gets a form with every field type; hypothesis posts arbitrary text (NUL and
other control characters, right-to-left marks, 10,000 characters, SQL and HTML
fragments, placeholders) into one field at a time of the draft's form, with the others
valid, and into the file controls' names and ids. The answer is always a 303 (accepted)
or a 400 with the errors listed; whatever was accepted reads back as a plain JSON value.
"""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyramid.traversal import find_resource

from tests.functional.filing_support import (  # noqa: F401  (fixtures)
    PDF, SERVICE, citizens, controls, csrf, outbox, post, sign_in, upload)

FIELDS = (
    {'name': 'nume', 'type': 'text', 'label': 'Nume', 'max_length': 50},
    {'name': 'descriere', 'type': 'textarea', 'label': 'Descriere'},
    {'name': 'suprafata', 'type': 'number', 'label': 'Suprafața', 'min': 1, 'max': 1000},
    {'name': 'valoare', 'type': 'number', 'label': 'Valoarea', 'required': False},
    {'name': 'data', 'type': 'date', 'label': 'Data'},
    {'name': 'scop', 'type': 'select', 'label': 'Scopul',
     'options': [{'value': 'a', 'label': 'A'}, {'value': 'b', 'label': 'B'}]},
    {'name': 'mod', 'type': 'radio', 'label': 'Modul',
     'options': [{'value': 'email', 'label': 'E-mail'}, {'value': 'posta', 'label': 'Poștă'}]},
    {'name': 'acord', 'type': 'checkbox', 'label': 'Acord'},
    {'name': 'email', 'type': 'email', 'label': 'E-mail'},
    {'name': 'telefon', 'type': 'phone', 'label': 'Telefon'},
    {'name': 'cnp', 'type': 'cnp', 'label': 'CNP'},
    {'name': 'cui', 'type': 'cui', 'label': 'CUI'},
    {'name': 'iban', 'type': 'iban', 'label': 'IBAN'},
    {'name': 'cadastral', 'type': 'cadastral', 'label': 'Nr. cadastral'},
    {'name': 'adresa', 'type': 'address', 'label': 'Adresa'},
    {'name': 'plan', 'type': 'file', 'label': 'Plan',
     'file': {'types': ['pdf', 'png'], 'max_size_mb': 1}},
    {'name': 'anexe', 'type': 'file', 'label': 'Anexe', 'required': False,
     'file': {'types': ['pdf', 'docx', 'xml'], 'max_size_mb': 1, 'max_count': 2}},
)
GOOD = {
    'nume': 'Ana', 'descriere': 'Text.', 'suprafata': '12', 'valoare': '3.5',
    'data': '2026-12-20', 'scop': 'a', 'mod': 'email', 'acord': 'true',
    'email': 'ana@example.ro', 'telefon': '0722 123 456', 'cnp': '6050120350090',
    'cui': 'RO14756536', 'iban': 'RO49 AAAA 1B31 0075 9384 0000',
    'cadastral': '401234-C1', 'adresa': 'Str. Exemplu nr. 1, Timișoara',
}
TEXT_FIELDS = [f['name'] for f in FIELDS if f['type'] != 'file']

NASTY = [
    '', ' ', '\x00', 'a\x00b', '\x1b[31m', '\r\n\r\n', '\u202e\u202dtext', '\u200f\u200e',
    'עברית ערבית', 'x' * 10000, '9' * 10000, "'; DROP TABLE cases; --", '" OR 1=1 --',
    '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '${mb}', '%s%s%n',
    '{{7*7}}', '../../etc/passwd', 'NaN', 'Infinity', '-0', '1e999999', '0x10', '١٢٣',
    '2026-02-30', '9999-12-31T23:59:59', 'true', 'null', '[]', '{"a": 1}',
    'ȘȚșț ŞŢşţ', '\ufeff', '\U0001F600' * 100,
]
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(blacklist_categories=('Cs',)), max_size=300),
    st.builds(lambda s, n: s * n, st.sampled_from(['ș', '<', '\x00', 'a ']),
              st.integers(1, 6000)),
)


@pytest.fixture
def fuzz_draft(testapp, root, citizens, outbox):
    """A draft of the all-fields service, with a plan; returns its form's URL."""
    service = find_resource(root._root, SERVICE)
    service.form_fields = FIELDS
    root.commit()
    sign_in(testapp, root, citizens['a'][0])
    res = post(testapp, SERVICE + '/@@cerere',
               controls(GOOD, {'plan': upload('plan.pdf', PDF)}, csrf=csrf(testapp),
                        fields=FIELDS), status=303)
    return res.location


def _check(res):
    assert res.status_int in (303, 400), (res.status, res.text[-2000:])
    if res.status_int == 400:
        assert 'Unele date nu au fost acceptate' in res.text


FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def test_every_field_fuzzed_never_gives_a_server_error(testapp, root, citizens, fuzz_draft):
    token = csrf(testapp)

    @FUZZ
    @given(name=st.sampled_from(TEXT_FIELDS), value=TEXT,
           button=st.sampled_from(['save', 'verify']))
    def run(name, value, button):
        res = post(testapp, fuzz_draft,
                   controls(dict(GOOD, **{name: value}), button=button, csrf=token,
                            fields=FIELDS), status=None, expect_errors=True)
        _check(res)

    run()
    draft = find_resource(root.refresh(), fuzz_draft.replace('http://localhost', '')
                          .replace('@@formular', ''))
    json.dumps(draft.answers)                     # what was kept is plain JSON
    assert all('\x00' not in v for v in draft.answers.values() if isinstance(v, str))


def test_file_controls_fuzzed_never_give_a_server_error(testapp, root, citizens, fuzz_draft):
    token = csrf(testapp)

    @FUZZ
    @given(filename=TEXT, data=st.one_of(st.binary(max_size=64), st.just(PDF),
                                         st.just(b'')),
           uid=st.one_of(st.none(), TEXT), slot=st.sampled_from(['plan', 'anexe']))
    def run(filename, data, uid, slot):
        file = upload(filename or 'x', data)
        value = (uid, file) if uid is not None else file
        files = {'plan': value} if slot == 'plan' else {'anexe': [None, value]}
        try:
            res = post(testapp, fuzz_draft, controls(GOOD, files, button='verify', csrf=token,
                                                     fields=FIELDS),
                       status=None, expect_errors=True)
        except UnicodeEncodeError:
            return                     # a name the browser could not send
        _check(res)

    run()


def test_the_first_post_of_a_form_fuzzed_never_gives_a_server_error(testapp, root, citizens,
                                                                    fuzz_draft):
    token = csrf(testapp)

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(name=st.sampled_from(TEXT_FIELDS), value=TEXT)
    def run(name, value):
        res = post(testapp, SERVICE + '/@@cerere',
                   controls(dict(GOOD, **{name: value}), button='verify', csrf=token,
                            fields=FIELDS), status=None, expect_errors=True)
        assert res.status_int == 303, res.status
        page = testapp.get(res.location, expect_errors=True)
        assert page.status_int in (200, 303), page.status

    run()


def test_messages_and_reasons_fuzzed_never_give_a_server_error(testapp, root, registry,
                                                               citizens, fuzz_draft):
    res = testapp.post(fuzz_draft.replace('@@formular', '@@verificare'),
                       {'csrf_token': csrf(testapp), 'submit': 'submit'}, status=303)
    case_url = res.location.replace('@@confirmare', '')
    token = csrf(testapp)

    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(text=TEXT)
    def run(text):
        res = testapp.post(case_url + '@@mesaje', {'mesaj': text, 'csrf_token': token,
                                                   'send': 'send'}, expect_errors=True)
        assert res.status_int in (303, 400), res.status
        res = testapp.post(case_url + '@@retrage', {'reason': text, 'csrf_token': token},
                           expect_errors=True)     # no "confirm": nothing happens
        assert res.status_int in (303, 400), res.status

    run()


MALFORMED = [
    [('plan', 'x'), ('anexe', 'y')],                              # groups sent as values
    [('__start__', 'plan:sequence'), ('upload', 'x'), ('__end__', 'plan:sequence')],
    [('__start__', 'anexe:sequence'), ('upload', 'x'), ('__end__', 'anexe:sequence')],
    [('__start__', 'anexe:mapping'), ('fisier_1', 'x'), ('__end__', 'anexe:mapping')],
    [('__start__', 'anexe:mapping')],                             # unbalanced markers
    [('__end__', 'anexe:mapping')],
    [('__start__', 'scop:mapping'), ('a', 'b'), ('__end__', 'scop:mapping')],
    [('__start__', 'descriere:sequence'), ('a', 'b'), ('__end__', 'descriere:sequence')],
    [('__start__', 'plan:mapping'), ('uid', 'a'), ('uid', 'b'), ('remove', '1'),
     ('__end__', 'plan:mapping')],
    [('scop', 'a'), ('scop', 'b'), ('acord', 'x'), ('acord', 'y')],   # repeated values
]


@pytest.mark.parametrize('params', MALFORMED)
@pytest.mark.parametrize('button', ['save', 'verify'])
def test_malformed_posts_never_give_a_server_error(testapp, root, citizens, fuzz_draft,
                                                   params, button):
    token = csrf(testapp)
    for url in (fuzz_draft, SERVICE + '/@@cerere'):
        res = post(testapp, url, params + [('csrf_token', token), (button, button)],
                   expect_errors=True)
        assert res.status_int in (303, 400), res.status
        if res.status_int == 303:
            assert testapp.get(res.location, expect_errors=True).status_int in (200, 303)
