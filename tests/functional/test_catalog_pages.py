"""/servicii, a category page, the A–Z index and sitemap.xml, over the imported catalog."""
import pytest

from cityportal.services.definitions import default_directory, load_directory
from cityportal.services.importer import import_catalog


@pytest.fixture(scope='module')
def definitions():
    return load_directory(default_directory())


@pytest.fixture
def imported(root, registry, definitions):
    summary = import_catalog(root.refresh(), definitions, registry)
    root.commit()
    return summary


def test_the_whole_catalog_imports_cleanly(imported, definitions):
    assert definitions.problems == []
    assert len(imported.created) == len(definitions.services) >= 200
    assert not imported.conflicts


def test_catalog_page_has_categories_counts_and_featured(testapp, imported):
    page = testapp.get('/servicii/').text
    assert 'Servicii solicitate frecvent' in page
    assert 'Certificat de urbanism pentru lucrări de construire sau desființare' in page
    assert 'Urbanism și construcții' in page and 'servicii' in page


def test_category_page_lists_published_services_only(testapp, root, imported):
    r = root.refresh()
    category = r['servicii']['urbanism-si-constructii']
    some = next(s for s in category.values() if getattr(s, 'state', '') == 'published')
    some.state = 'draft'
    root.commit()
    page = testapp.get('/servicii/urbanism-si-constructii/').text
    assert 'Certificat de urbanism pentru lucrări de construire sau desființare' in page \
        or some.__name__ == 'certificat-urbanism-construire'
    assert '>%s</a>' % some.title not in page


def test_a_to_z_groups_by_folded_first_letter(testapp, imported):
    page = testapp.get('/servicii/@@a-z').text
    assert 'id="litera-C"' in page and 'id="litera-Ș"' not in page
    assert 'Certificat de urbanism' in page


def test_sitemap_lists_published_pages(testapp, imported):
    res = testapp.get('/sitemap.xml')
    assert res.content_type == 'application/xml'
    assert '<loc>http://localhost/servicii/urbanism-si-constructii/certificat-urbanism-construire/</loc>' in res.text
    assert res.text.count('<url>') > 200
