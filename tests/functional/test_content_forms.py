"""Generic add/edit/delete forms and listings, including bad input."""
import pytest

CAT = '/servicii/urbanism-si-constructii'


def add_category_form(testapp):
    return testapp.get('/servicii/@@add?type=Category').forms['cpform']


def test_editor_adds_edits_and_deletes_a_category(testapp, root):
    testapp.login('editor')
    form = add_category_form(testapp)
    form['title'] = 'Mediu și spații verzi'
    form['description'] = 'Avize de mediu, toaletări de arbori.'
    res = form.submit('save', status=303)
    assert res.location == 'http://localhost/servicii/mediu-si-spatii-verzi/'
    page = res.follow()
    assert '„Mediu și spații verzi” a fost adăugat.' in page.text
    form = testapp.get('/servicii/mediu-si-spatii-verzi/@@edit').forms['cpform']
    assert form['title'].value == 'Mediu și spații verzi'
    form['title'] = 'Mediu'
    form.submit('save', status=303)
    r = root.refresh()
    assert r['servicii']['mediu-si-spatii-verzi'].title == 'Mediu'
    # the change is audited with the actor
    entry = r.audit.latest(limit=1)[0]
    assert entry['action'] == 'content.edit' and entry['actor'] == 'editor'
    page = testapp.get('/servicii/mediu-si-spatii-verzi/@@delete')
    page.forms['delete-form'].submit('delete', status=303)
    assert 'mediu-si-spatii-verzi' not in root.refresh()['servicii']


@pytest.mark.parametrize('name, message', [
    ('..', 'Numele poate conține doar'),
    ('_x', 'Numele poate conține doar'),
    ('a b', 'Numele poate conține doar'),
    ('x' * 101, 'cel mult 100 de caractere'),
    ('urbanism-si-constructii', 'Există deja un element cu numele'),
])
def test_bad_names_rerender_with_values_and_write_nothing(testapp, root, name, message):
    testapp.login('editor')
    before = len(root.refresh()['servicii'])
    form = add_category_form(testapp)
    form['__name__'] = name
    form['title'] = 'Titlu păstrat'
    form['description'] = 'Descriere păstrată'
    res = form.submit('save', status=400)
    assert message in res.text
    assert 'Formularul nu a fost salvat.' in res.text
    assert 'Titlu păstrat' in res.text and 'Descriere păstrată' in res.text
    assert len(root.refresh()['servicii']) == before


def test_overlong_and_missing_fields(testapp, root):
    testapp.login('editor')
    form = add_category_form(testapp)
    form['title'] = 'x' * 201
    form['description'] = 'y' * 2001
    res = form.submit('save', status=400)
    assert res.text.count('Cel mult') >= 2
    form = add_category_form(testapp)
    res = form.submit('save', status=400)
    assert 'Obligatoriu' in res.text or 'Necesar' in res.text or 'Required' in res.text
    assert len(root.refresh()['servicii']) == 5


def test_post_without_csrf_token_is_refused_and_writes_nothing(testapp, root):
    testapp.login('editor')
    res = testapp.post('/servicii/@@add?type=Category',
                       {'title': 'Fără token', 'save': 'save'}, expect_errors=True)
    assert res.status_int == 400
    assert 'Formularul a expirat' in res.text
    assert 'fara-token' not in root.refresh()['servicii']


def test_post_with_wrong_csrf_token_is_refused(testapp, root):
    testapp.login('editor')
    res = testapp.post('/servicii/@@add?type=Category',
                       {'title': 'Alt token', 'save': 'save', 'csrf_token': 'forged'},
                       expect_errors=True)
    assert res.status_int == 400
    assert 'alt-token' not in root.refresh()['servicii']


def test_unknown_or_not_addable_type_is_404(testapp):
    testapp.login('editor')
    assert testapp.get('/servicii/@@add?type=Nope', expect_errors=True).status_int == 404
    assert testapp.get('/servicii/@@add?type=Service', expect_errors=True).status_int == 404
    assert testapp.get('/servicii/@@add?type=StaffUser', expect_errors=True).status_int == 404


def test_folder_with_children_cannot_be_deleted(testapp, root):
    testapp.login('editor')
    page = testapp.get(CAT + '/@@delete')
    res = page.forms['delete-form'].submit('delete', status=303).follow()
    assert 'nu poate fi șters' in res.text
    assert 'urbanism-si-constructii' in root.refresh()['servicii']


def test_contents_listing_pages_and_sorts(testapp, root, registry):
    from cityportal.content import Item
    from cityportal.folder import Folder
    r = root.refresh()
    folder = Folder('Arhivă')
    r['departamente']['urbanism'].add('arhiva', folder, registry=registry)
    for i in range(60):
        folder.add('doc-%02d' % i, Item('Document %02d' % (59 - i)), registry=registry)
    folder.add('anexa', Item('Anexă'), registry=registry)
    root.commit()
    url = '/departamente/urbanism/arhiva/'
    page1 = testapp.get(url)
    assert 'Pagina 1 din 2' in page1.text
    page2 = testapp.get(url + '?page=2')
    assert 'Pagina 2 din 2' in page2.text and 'rel="prev"' in page2.text
    t = testapp.get(url + '?sort=title').text
    assert t.index('Anexă') < t.index('Document 00') < t.index('Document 01')
    assert 'Document 49' not in t   # 50 rows: Anexă + Document 00..48
    desc = testapp.get(url + '?sort=title&dir=desc').text
    assert desc.index('Document 59') < desc.index('Document 58')
    # garbage paging parameters give a normal page
    for q in ('?page=abc', '?page=-5', '?page=99999999999', '?sort=__class__', '?dir=x'):
        assert testapp.get(url + q).status_int == 200


def test_anonymous_cannot_post_forms(testapp):
    page = testapp.get('/login')
    token = testapp.cookies['cp_csrf']
    res = testapp.post('/servicii/@@add?type=Category',
                       {'title': 'X', 'csrf_token': token, 'save': 'save'}, expect_errors=True)
    assert res.status_int == 302 and '/login' in res.location


@pytest.mark.parametrize('path', ['/documente', '/servicii', '/dosare', '/integrari',
                                  '/utilizatori', '/departamente'])
def test_fixed_tree_cannot_be_deleted_even_by_a_manager(testapp, root, path):
    testapp.login('admin')
    assert testapp.get(path + '/@@delete', expect_errors=True).status_int == 404
    token = testapp.cookies['cp_csrf']
    res = testapp.post(path + '/@@delete', {'csrf_token': token, 'delete': 'delete'},
                       expect_errors=True)
    assert res.status_int == 404
    assert path[1:] in root.refresh()


def test_manager_cannot_delete_own_account(testapp, root):
    testapp.login('admin')
    page = testapp.get('/utilizatori/admin/@@delete')
    res = page.forms['delete-form'].submit('delete', status=303).follow()
    assert 'Nu vă puteți șterge propriul cont.' in res.text
    assert 'admin' in root.refresh()['utilizatori']


def test_only_managers_delete_departments(testapp, root):
    testapp.login('editor')
    assert testapp.get('/departamente/urbanism/@@delete', expect_errors=True).status_int == 403
    testapp.logout()
    testapp.login('admin')
    page = testapp.get('/departamente/comert/@@delete')
    page.forms['delete-form'].submit('delete', status=303)
    assert 'comert' not in root.refresh()['departamente']


def test_listing_leaves_out_children_the_user_may_not_view(testapp, root):
    from cityportal.folder import Folder
    from cityportal.security import private_acl
    r = root.refresh()
    secret = Folder('Dosar intern confidențial')
    secret.__acl__ = private_acl()
    r['departamente']['urbanism'].add('intern', secret, registry=None)
    root.commit()
    assert 'Dosar intern confidențial' not in testapp.get('/departamente/urbanism/@@continut').text
    testapp.login('admin')
    assert 'Dosar intern confidențial' in testapp.get('/departamente/urbanism/@@continut').text
