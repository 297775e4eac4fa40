"""403/404/500 pages in the user's language; a failing request writes nothing."""
from cityportal.content import Item


class Exploding(Item):
    """Content whose rendering fails (a bug stand-in)."""
    content_type = 'Exploding'

    @property
    def type_title(self):
        raise RuntimeError('boom')


def test_404_in_romanian_and_english(testapp):
    res = testapp.get('/nu-exista', status=404)
    assert 'Pagina nu a fost găsită' in res.text and 'lang="ro"' in res.text
    testapp.set_cookie('cp_lang', 'en')
    res = testapp.get('/nu-exista', status=404)
    assert 'lang="en"' in res.text
    assert 'Pagina nu a fost găsită' not in res.text


def test_403_page_for_logged_in_user(testapp):
    testapp.login('editor')
    res = testapp.get('/utilizatori/', status=403)
    assert 'Acces interzis' in res.text
    assert '<main id="main"' in res.text          # full layout, skip link target


def test_500_page_and_nothing_written(testapp, root, registry):
    r = root.refresh()
    folder = r['servicii']['stare-civila']
    folder.add('bomba', Exploding('Bombă'), registry=None)
    root.commit()
    testapp.login('editor')
    form = testapp.get('/servicii/stare-civila/@@edit').forms['cpform']
    res = testapp.get('/servicii/stare-civila/', status=500)
    assert 'Eroare internă' in res.text and 'boom' not in res.text
    form['title'] = 'Stare civilă (nou)'
    form.submit('save', status=303)
    assert root.refresh()['servicii']['stare-civila'].title == 'Stare civilă (nou)'


def test_failure_after_a_write_rolls_the_whole_request_back(testapp, root, monkeypatch):
    from cityportal.api import content

    def failing_audit(*a, **kw):
        raise RuntimeError('audit store down')
    testapp.login('editor')
    form = testapp.get('/servicii/stare-civila/@@edit').forms['cpform']
    form['title'] = 'Titlu care nu trebuie să rămână'
    monkeypatch.setattr(content, '_audit', failing_audit)
    res = form.submit('save', status=500)
    assert 'Nu s-a salvat nimic' in res.text
    r = root.refresh()
    assert r['servicii']['stare-civila'].title == 'Stare civilă'


def test_language_switch_keeps_the_page_and_refuses_foreign_targets(testapp):
    res = testapp.get('/@@lang?code=en&came_from=/servicii/', status=303)
    assert res.location == 'http://localhost/servicii/'
    assert 'cp_lang=en' in res.headers['Set-Cookie']
    res = testapp.get('/@@lang?code=en&came_from=https://evil.example/', status=303)
    assert res.location == 'http://localhost/'
    res = testapp.get('/@@lang?code=xx', status=303)
    assert 'Set-Cookie' not in res.headers


def test_search_page(testapp):
    res = testapp.get('/@@cautare', params={'q': 'nastere'})
    assert 'Eliberarea certificatului de naștere (duplicat)' in res.text
    res = testapp.get('/@@cautare', params={'q': 'ştefan'})     # staff are private
    assert 'Țăranu' not in res.text
    for q in ('', '"', '<b>x</b>', "' OR 1=1 --", 'x' * 10000, 'and', '((('):
        res = testapp.get('/@@cautare', params={'q': q})
        assert res.status_int == 200
        assert '<b>x</b>' not in res.text
