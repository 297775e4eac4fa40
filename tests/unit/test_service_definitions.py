"""Service definitions: the shipped catalog validates; broken files are reported
with their file name, line and reason, and the others still load."""
import os
import shutil

import pytest

from cityportal.services.definitions import default_directory, load_directory

SHIPPED = default_directory()
EXAMPLE = 'certificat-urbanism-construire.yaml'


@pytest.fixture
def workdir(tmp_path):
    for name in ('service.schema.json', '_categories.yaml', '_departments.yaml', EXAMPLE):
        shutil.copy(os.path.join(SHIPPED, name), tmp_path / name)
    return tmp_path


def example_text():
    with open(os.path.join(SHIPPED, EXAMPLE), encoding='utf-8') as f:
        return f.read()


def test_every_shipped_definition_validates():
    catalog = load_directory(SHIPPED)
    assert catalog.problems == []
    assert EXAMPLE[:-5] in catalog.services


def test_broken_yaml_is_reported_with_line_and_the_rest_loads(workdir):
    (workdir / 'stricat.yaml').write_text('id: stricat\ntitle: [neînchis\n', encoding='utf-8')
    catalog = load_directory(str(workdir))
    assert EXAMPLE[:-5] in catalog.services
    [problem] = catalog.problems
    assert problem.path.endswith('stricat.yaml') and problem.line == 3
    assert 'YAML' in problem.message


def test_schema_and_catalog_rules_report_lines(workdir):
    text = example_text().replace('id: certificat-urbanism-construire', 'id: altul')
    text = text.replace('department: urbanism-certificari', 'department: inexistent')
    text = text.replace('kind: computed', 'kind: fixed')
    text = text.replace('Suprafața terenului', 'Suprafaţa terenului')      # cedilla ţ
    (workdir / 'altul.yaml').write_text(text, encoding='utf-8')
    catalog = load_directory(str(workdir))
    messages = {p.message.split(':')[0]: p for p in catalog.problems}
    assert 'altul' not in catalog.services
    fee = next(p for p in catalog.problems if "'amount_lei' is a required" in p.message)
    assert text.splitlines()[fee.line - 1].startswith('fee:')
    dep = next(p for p in catalog.problems if 'unknown department' in p.message)
    assert text.splitlines()[dep.line - 1].startswith('department:')
    ced = next(p for p in catalog.problems if 'cedilla' in p.message)
    assert 'Suprafaţa' in text.splitlines()[ced.line - 1]
    assert messages


def test_id_must_match_file_name_and_fields_be_unique(workdir):
    text = example_text().replace(
        '    - {name: telefon, type: phone', '    - {name: email_contact, type: phone')
    (workdir / 'alt-nume.yaml').write_text(text, encoding='utf-8')
    catalog = load_directory(str(workdir))
    reasons = ' | '.join(p.message for p in catalog.problems)
    assert 'differs from the file name' in reasons
    assert "field name 'email_contact' used twice" in reasons


def test_select_without_options_and_file_without_limits_are_refused(workdir):
    text = example_text().replace(
        '    - {name: telefon, type: phone, label: Telefon, required: false}',
        '    - {name: telefon, type: select, label: Telefon}\n'
        '    - {name: act, type: file, label: Act}')
    (workdir / EXAMPLE).write_text(text, encoding='utf-8')
    catalog = load_directory(str(workdir))
    reasons = ' | '.join(p.message for p in catalog.problems)
    assert "'options' is a required property" in reasons
    assert "'file' is a required property" in reasons
