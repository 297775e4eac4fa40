"""The service sheet: imported facts, sections in the fixed order, printable view."""
import pytest

from cityportal.services.definitions import default_directory, load_directory
from cityportal.services.importer import import_catalog

URL = '/servicii/urbanism-si-constructii/certificat-urbanism-construire'
SECTIONS = ['Ce este', 'Cine poate solicita', 'Documente necesare', 'Cost', 'Termen',
            'Cum se depune', 'Temei legal', 'Departament']


@pytest.fixture
def imported(root, registry):
    r = root.refresh()
    summary = import_catalog(r, load_directory(default_directory()), registry)
    root.commit()
    return summary


def test_sheet_sections_in_fixed_order(testapp, imported):
    page = testapp.get(URL + '/').text
    positions = [page.index('>%s</h2>' % title) for title in SECTIONS]
    assert positions == sorted(positions)
    assert 'Depune cererea online' in page
    assert 'Primăria obține acest document; nu trebuie să îl aduceți.' in page   # once-only
    assert '15 zile calendaristice.' in page and 'Legea nr. 50/1991' in page
    assert 'Nu se aplică aprobarea tacită.' in page
    assert 'Direcția Urbanism – Serviciul Certificări și Autorizări' in page
    assert '<ul><li>regimul juridic' in page.replace('\n', '')    # the long text's list


def test_printable_view_without_navigation(testapp, imported):
    page = testapp.get(URL + '/@@tipar').text
    assert 'Navigare principală' not in page and 'print.css' in page
    assert all('>%s</h2>' % title in page for title in SECTIONS)


def test_sheet_in_english_keeps_data_and_translates_labels(testapp, imported):
    testapp.set_cookie('cp_lang', 'en')
    page = testapp.get(URL + '/').text
    assert 'Required documents' in page or 'Documents' in page
    assert 'Certificat de urbanism' in page          # the data stays Romanian


def test_long_text_is_sanitised():
    from cityportal.services.text import render
    html = render('Un <script>alert(1)</script> **important**\n\n- a [link](javascript:x)\n- b')
    assert '<script>' not in html and '&lt;script&gt;' in html
    assert '<strong>important</strong>' in html
    assert 'href="javascript' not in html and '<li>b</li>' in html


def test_online_form_is_readable_by_everyone_and_validates(testapp, imported):
    page = testapp.get(URL + '/@@cerere')
    assert 'Scopul certificatului' in page.text and 'Numărul cadastral' in page.text
    assert 'autentificarea cu ROeID' in page.text
    form = page.forms['cpform']
    res = form.submit('verify', expect_errors=True)          # anonymous cannot fill it in
    assert res.status_int in (302, 403)
    testapp.login('admin')                                    # managers hold every right
    form = testapp.get(URL + '/@@cerere').forms['cpform']
    form['scop'] = 'construire'
    form['numar_cadastral'] = 'nu e număr'
    res = form.submit('verify', status=400)
    assert 'Numărul cadastral are doar cifre' in res.text
    assert 'Câmp obligatoriu.' in res.text
