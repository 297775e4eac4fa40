"""Search over the service sheets: folding, stems, facets, ranking, suggestions, any input."""
import pytest

from cityportal.services.definitions import default_directory, load_directory
from cityportal.services.importer import import_catalog


@pytest.fixture(scope='module')
def definitions():
    return load_directory(default_directory())


@pytest.fixture
def site(root, registry, definitions):
    import_catalog(root.refresh(), definitions, registry)
    root.commit()


def find(testapp, q, **params):
    params['q'] = q
    return testapp.get('/servicii/@@cautare', params=params).text


def test_sesizare_finds_sesizari(testapp, site):
    assert 'Sesizări' in find(testapp, 'sesizare') or 'sesizări' in find(testapp, 'sesizare')


def test_certificat_urbanism_finds_certificat_de_urbanism(testapp, site):
    page = find(testapp, 'certificat urbanism')
    assert 'Certificat de urbanism pentru lucrări de construire sau desființare' in page


@pytest.mark.parametrize('q', ['naştere', 'naștere', 'nastere'])
def test_cedilla_comma_and_plain_all_match(testapp, site, q):
    assert 'Înregistrarea nașterii' in find(testapp, q) or 'nașterii' in find(testapp, q)


def test_facets_count_and_narrow(testapp, site):
    page = find(testapp, 'certificat')
    assert 'Urbanism și construcții' in page and 'class="count"' in page
    narrowed = find(testapp, 'certificat', categorie='urbanism-si-constructii')
    assert 'Toate categoriile' in narrowed
    assert 'Certificat de atestare fiscală' not in narrowed


def test_did_you_mean(testapp, site):
    page = find(testapp, 'urbanizm')
    assert 'Ați vrut să scrieți' in page and 'urbanism' in page


@pytest.mark.parametrize('q', ['', '"', '"unbalanced', "'; DROP TABLE servicii;--",
                               '<script>alert(1)</script>', 'x' * 10000, 'AND OR NOT',
                               '%', '\\', '***', '(( ))'])
def test_any_query_gives_a_normal_page(testapp, site, q):
    res = testapp.get('/servicii/@@cautare', params={'q': q})
    assert res.status_int == 200 and '<script>alert' not in res.text


def test_relevance_puts_the_title_match_first(testapp, site):
    page = find(testapp, 'autorizatie de construire')
    first = page.index('<ol class="service-list">')
    assert 'Autorizație de construire' in page[first:first + 600]
