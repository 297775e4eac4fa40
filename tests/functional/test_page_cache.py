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


def test_a_case_or_a_dossier_changing_leaves_cached_pages_valid(root, registry):
    """Citizens' dossiers and cases never show on public pages: their changes do not
    invalidate the cache (a burst of submissions would empty it); content does."""
    from cityportal.events import ObjectModified, notify
    from cityportal.layout.cache import content_generation
    from cityportal.testing import make_citizen, valid_cnp
    account, dossier = make_citizen(root, registry, valid_cnp('1900101350011'), 'Ion', 'Pop')
    root.commit()
    before = content_generation(root)
    notify(registry, ObjectModified(dossier))
    notify(registry, ObjectModified(root['integrari']))
    assert content_generation(root) == before
    service = next(s for c in root['servicii'].values() for s in c.values())
    notify(registry, ObjectModified(service))
    assert content_generation(root) == before + 1
