"""Anonymous public pages are served from the page cache until content changes."""


def cache(app):
    return app.registry.cityportal_page_cache


def test_anonymous_home_is_cached_and_invalidated_by_an_edit(testapp, app):
    c = cache(app)
    first = testapp.get('/')
    hits = c.hits
    again = testapp.get('/')
    assert c.hits == hits + 1 and again.text == first.text
    # an editor changes a category: the next anonymous view shows it
    editor = type(testapp)(app, extra_environ={'HTTP_HOST': 'localhost',
                                               'REMOTE_ADDR': '10.7.7.7'})
    editor.login('editor')
    form = editor.get('/servicii/stare-civila/@@edit').forms['cpform']
    form['title'] = 'Stare civilă și acte'
    form.submit('save', status=303)
    assert 'Stare civilă și acte' in testapp.get('/').text


def test_languages_are_cached_apart(testapp):
    ro = testapp.get('/')
    testapp.set_cookie('cp_lang', 'en')
    en = testapp.get('/')
    assert 'lang="en"' in en.text and 'lang="ro"' in ro.text


def test_logged_in_pages_and_forms_are_never_served_from_cache(testapp, app):
    c = cache(app)
    testapp.get('/login')
    testapp.get('/login')
    page = testapp.get('/login')
    token = testapp.cookies['cp_csrf']
    assert token in page.text                        # the visitor's own token
    other = type(testapp)(app, extra_environ={'HTTP_HOST': 'localhost'})
    other.get('/login')
    assert other.cookies['cp_csrf'] != token
    assert other.cookies['cp_csrf'] in other.get('/login').text
    testapp.login('admin')
    hits = c.hits
    res = testapp.get('/')
    assert c.hits == hits and 'Adriana Mureșan' in res.text


def test_private_pages_are_not_cached_for_anonymous(testapp, app):
    testapp.get('/utilizatori/', status=302)
    testapp.get('/nu-exista', status=404)
    keys = [k[2] for k in cache(app).entries]
    assert '/utilizatori/' not in keys and '/nu-exista' not in keys
