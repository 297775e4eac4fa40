"""403/404/500 pages in the user's language; a failing request writes nothing."""
from cityportal.content import Item


class Exploding(Item):
    """Content whose rendering fails (a bug stand-in)."""
    content_type = 'Exploding'

    def __init__(self):
        pass

    @property
    def title(self):
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
    folder = r['departamente']['urbanism']
    folder.add('bomba', Exploding(), registry=None)
    root.commit()
    testapp.login('editor')
    form = testapp.get('/servicii/stare-civila/@@edit').forms['cpform']
    res = testapp.get('/departamente/urbanism/@@continut', status=500)
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


import pytest


@pytest.mark.parametrize('url', ['/%ff', '/servicii/?page=%ff', '/@@cautare?q=%ff%fe',
                                 '/servicii/%0a', '/@@lang?code=en&came_from=%ff'])
def test_malformed_requests_get_400_not_500(testapp, url):
    res = testapp.get(url, expect_errors=True)
    assert res.status_int == 400
    assert 'Cerere invalidă' in res.text


@pytest.mark.parametrize('came_from', ['/\n', '/ă', '/a b', '/\x7f', '/\r\nSet-Cookie: x=1'])
def test_came_from_with_odd_characters_falls_back_home(testapp, came_from):
    res = testapp.get('/@@lang', params={'code': 'en', 'came_from': came_from}, status=303)
    assert res.location == 'http://localhost/'


def test_garbage_session_cookie_is_ignored(testapp):
    for value in ('\u00e9', 'x' * 500, '../../etc', 'a' * 31):
        testapp.set_cookie('cp_session', value)
        assert testapp.get('/').status_int == 200


def test_private_areas_do_not_reveal_which_names_exist(testapp):
    a = testapp.get('/utilizatori/admin', status=302)
    b = testapp.get('/utilizatori/nobody', status=302)
    assert '/login' in a.location and '/login' in b.location
    testapp.login('editor')
    testapp.get('/utilizatori/admin', status=403)
    testapp.get('/utilizatori/nobody', status=403)
    testapp.get('/servicii/nu-exista', status=404)     # public areas: a plain 404


def test_public_url_pins_host_and_scheme(app_settings):
    import webtest
    from cityportal import main
    settings = dict(app_settings, **{'cityportal.public_url': 'https://portal.example.ro'})
    pinned = webtest.TestApp(main({}, **settings))
    res = pinned.get('/@@lang?code=en&came_from=/servicii/',
                     extra_environ={'HTTP_HOST': 'evil.example'}, status=303)
    assert res.location == 'https://portal.example.ro/servicii/'
