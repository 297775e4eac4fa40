"""cityportal-import-services semantics: idempotent, conflicts reported, never overwritten."""
import os
import shutil

import pytest

from cityportal.services.definitions import default_directory, load_directory
from cityportal.services.importer import import_catalog

SHIPPED = default_directory()
EXAMPLE = 'certificat-urbanism-construire'


@pytest.fixture
def defs(tmp_path):
    for name in ('service.schema.json', '_categories.yaml', '_departments.yaml',
                 EXAMPLE + '.yaml'):
        shutil.copy(os.path.join(SHIPPED, name), tmp_path / name)
    return tmp_path


def edit_file(defs, old, new):
    path = defs / (EXAMPLE + '.yaml')
    text = path.read_text(encoding='utf-8')
    assert old in text
    path.write_text(text.replace(old, new), encoding='utf-8')


def service(root):
    return root.refresh()['servicii']['urbanism-si-constructii'][EXAMPLE]


def test_import_is_idempotent(root, registry, defs):
    first = import_catalog(root.refresh(), load_directory(str(defs)), registry)
    root.commit()
    assert first.created == [EXAMPLE] and 'urbanism-certificari' in first.departments_created
    again = import_catalog(root.refresh(), load_directory(str(defs)), registry)
    assert again.created == [] and again.updated == [] and again.unchanged == [EXAMPLE]
    assert again.conflicts == []


def test_file_change_updates_untouched_fields(root, registry, defs):
    import_catalog(root.refresh(), load_directory(str(defs)), registry)
    root.commit()
    edit_file(defs, 'output_document: Certificat de urbanism',
              'output_document: Certificat de urbanism (original)')
    summary = import_catalog(root.refresh(), load_directory(str(defs)), registry)
    root.commit()
    assert summary.updated == [EXAMPLE]
    assert service(root).output_document == 'Certificat de urbanism (original)'


def test_editor_change_is_kept_and_reported(testapp, root, registry, defs):
    import_catalog(root.refresh(), load_directory(str(defs)), registry)
    root.commit()
    testapp.login('publicator')      # a published page: publishers edit it
    form = testapp.get('/servicii/urbanism-si-constructii/%s/@@edit' % EXAMPLE).forms['cpform']
    form['title'] = 'Certificat de urbanism (titlu scris de editor)'
    form.submit('save', status=303)
    edit_file(defs, 'title: Certificat de urbanism pentru lucrări de construire sau desființare',
              'title: Certificat de urbanism (titlu nou din fișier)')
    edit_file(defs, 'output_document: Certificat de urbanism',
              'output_document: Certificat de urbanism (nou)')
    summary = import_catalog(root.refresh(), load_directory(str(defs)), registry)
    root.commit()
    assert summary.conflicts == [(EXAMPLE, 'title')]
    s = service(root)
    assert s.title == 'Certificat de urbanism (titlu scris de editor)'
    assert s.output_document == 'Certificat de urbanism (nou)'      # other fields still update


def test_broken_file_is_reported_and_the_others_import(root, registry, defs):
    (defs / 'stricat.yaml').write_text('id: stricat\ntitle: [\n', encoding='utf-8')
    catalog = load_directory(str(defs))
    assert [p.path.endswith('stricat.yaml') for p in catalog.problems] == [True]
    summary = import_catalog(root.refresh(), catalog, registry)
    assert summary.created == [EXAMPLE]


def test_moving_a_service_to_another_category(root, registry, defs):
    import_catalog(root.refresh(), load_directory(str(defs)), registry)
    root.commit()
    edit_file(defs, 'category: urbanism-si-constructii', 'category: informatii-publice')
    summary = import_catalog(root.refresh(), load_directory(str(defs)), registry)
    root.commit()
    assert summary.moved == [(EXAMPLE, 'urbanism-si-constructii', 'informatii-publice')]
    assert EXAMPLE in root.refresh()['servicii']['informatii-publice']
