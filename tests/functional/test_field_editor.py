"""The no-JavaScript field editor of a service's online form (@@formular), with each role."""
import os
import shutil

from cityportal.testing import Browser

CAT = '/servicii/stare-civila'


def other(app, addr):
    return Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': addr})


def create_draft(browser, title='Înregistrarea unui câine'):
    form = browser.get(CAT + '/@@add?type=Service').forms['cpform']
    form['title'] = title
    form['description'] = 'Serviciu de test pentru editorul de formulare.'
    res = form.submit('save', status=303)
    return res.location.replace('http://localhost', '')


def service_at(root, url):
    name = url.rstrip('/').rsplit('/', 1)[1]
    return root.refresh()['servicii']['stare-civila'][name]


def add_field(browser, url, kind, status=303, **values):
    page = browser.get(url + '@@formular')
    chooser = [f for f in page.forms.values() if 'tip' in f.fields][0]
    chooser['tip'] = kind
    form = chooser.submit().forms['cpform']
    for key, value in values.items():
        if key == 'types':
            for box in form.fields['checkbox']:
                box.checked = box._value in value
        else:
            form[key] = value
    return form.submit('save', status=status)


def row_form(page, action, name, direction=None):
    """The small POST form of one row (move or delete)."""
    for form in page.forms.values():
        if form.action.endswith(action) and form.fields.get('camp') and \
                form['camp'].value == name and (
                    direction is None or form.fields['directie'][0]._value == direction):
            return form
    return None


def press(form, **kw):
    """Submit a row form with its one button (a move button carries the direction)."""
    return form.submit('directie' if 'directie' in form.fields else None, **kw)


def names(root, url):
    return [f['name'] for f in service_at(root, url).form_fields]


def test_add_a_field_of_each_kind_and_see_it_on_the_citizens_form(testapp, root):
    testapp.login('editor')
    url = create_draft(testapp)
    page = testapp.get(url)
    assert url + '@@formular' in page.text and 'Modifică formularul online' in page.text
    assert 'nu are încă un formular online' in testapp.get(url + '@@formular').text
    add_field(testapp, url, 'text', name='nume_caine', label='Numele câinelui',
              help='Cum îl strigați.', max_length='60')
    add_field(testapp, url, 'select', name='rasa', label='Rasa',
              options='metis | Metis\nciobanesc | Ciobănesc mioritic\n')
    add_field(testapp, url, 'number', name='varsta', label='Vârsta (ani)',
              min='0', max='30,5', required=False)
    add_field(testapp, url, 'file', name='carnet', label='Carnetul de sănătate',
              types={'pdf', 'jpg'}, max_size_mb='2,5', max_count='3')
    add_field(testapp, url, 'date', name='data_nasterii', label='Data nașterii')
    service = service_at(root, url)
    assert service.form_fields == (
        {'name': 'nume_caine', 'type': 'text', 'label': 'Numele câinelui',
         'help': 'Cum îl strigați.', 'max_length': 60},
        {'name': 'rasa', 'type': 'select', 'label': 'Rasa',
         'options': [{'value': 'metis', 'label': 'Metis'},
                     {'value': 'ciobanesc', 'label': 'Ciobănesc mioritic'}]},
        {'name': 'varsta', 'type': 'number', 'label': 'Vârsta (ani)', 'required': False,
         'min': 0, 'max': 30.5},
        {'name': 'carnet', 'type': 'file', 'label': 'Carnetul de sănătate',
         'file': {'types': ['pdf', 'jpg'], 'max_size_mb': 2.5, 'max_count': 3}},
        {'name': 'data_nasterii', 'type': 'date', 'label': 'Data nașterii'},
    )
    from cityportal.services.fieldeditor.fields import schema_errors
    assert [schema_errors(f) for f in service.form_fields] == [[]] * 5
    listing = testapp.get(url + '@@formular')
    assert 'Numele câinelui' in listing.text and 'Fișiere încărcate' in listing.text
    assert '<code>carnet</code>' in listing.text
    citizen_form = testapp.get(url + '@@cerere')
    for text in ('Numele câinelui', 'Cum îl strigați.', 'Ciobănesc mioritic', 'Vârsta (ani)',
                 'Carnetul de sănătate', 'accept=".pdf,.jpg,.jpeg"', 'Data nașterii'):
        assert text in citizen_form.text, text
    assert '@@cerere' in listing.text       # the preview link
    # the type-specific settings come back in the edit form
    edit = testapp.get(url + '@@formular-modifica?camp=carnet').forms['cpform']
    assert edit['max_size_mb'].value == '2,5' and edit['max_count'].value == '3'
    assert sorted(b._value for b in edit.fields['checkbox'] if b.checked) == ['jpg', 'pdf']
    edit = testapp.get(url + '@@formular-modifica?camp=rasa').forms['cpform']
    assert edit['options'].value == 'metis | Metis\nciobanesc | Ciobănesc mioritic'


def test_file_field_provides_a_required_document(testapp, root):
    testapp.login('editor')
    url = create_draft(testapp)
    form = testapp.get(url + '@@edit').forms['cpform']
    form.set('name', 'Plan de situație', index=0)
    form.submit('save', status=303)
    page = add_field(testapp, url, 'file', name='plan', label='Planul de situație',
                     types={'pdf'}, max_size_mb='20', document='Plan de situație')
    assert service_at(root, url).form_fields[0] == {
        'name': 'plan', 'type': 'file', 'label': 'Planul de situație',
        'document': 'Plan de situație',
        'file': {'types': ['pdf'], 'max_size_mb': 20, 'max_count': 1}}
    assert page.status_int == 303


def test_edit_a_label_and_change_a_type(testapp, root):
    testapp.login('editor')
    url = create_draft(testapp)
    add_field(testapp, url, 'select', name='rasa', label='Rasa',
              options='metis | Metis\nlup | Lup')
    page = testapp.get(url + '@@formular')
    page = page.click(href='formular-modifica')
    form = page.forms['cpform']
    assert form['label'].value == 'Rasa' and form['name'].value == 'rasa'
    form['label'] = 'Rasa câinelui'
    res = form.submit('save', status=303)
    assert res.location.endswith('@@formular#camp-rasa')
    assert 'Câmpul „Rasa câinelui” a fost modificat.' in res.follow().text
    field = service_at(root, url).form_fields[0]
    assert field['label'] == 'Rasa câinelui' and len(field['options']) == 2
    # saving without a change records nothing
    testapp.get(url + '@@formular-modifica?camp=rasa').forms['cpform'].submit('save', status=303)
    assert len(service_at(root, url).history) == 3         # create, add, edit
    # select -> radio keeps the options
    page = testapp.get(url + '@@formular-modifica?camp=rasa')
    chooser = [f for f in page.forms.values() if 'tip' in f.fields and 'camp' in f.fields][0]
    chooser['tip'] = 'radio'
    form = chooser.submit().forms['cpform']
    assert 'Lup' in form['options'].value
    form.submit('save', status=303)
    field = service_at(root, url).form_fields[0]
    assert field['type'] == 'radio' and field['options'][1] == {'value': 'lup', 'label': 'Lup'}
    assert 'tipul radio în loc de select' in service_at(root, url).history[-1]['comment']


def test_reorder_up_and_down(testapp, root):
    testapp.login('editor')
    url = create_draft(testapp)
    for name in ('unu', 'doi', 'trei'):
        add_field(testapp, url, 'text', name=name, label='Câmpul %s' % name)
    page = testapp.get(url + '@@formular')
    # first-up and last-down are not offered
    assert row_form(page, '@@formular-muta', 'unu', 'sus') is None
    assert row_form(page, '@@formular-muta', 'trei', 'jos') is None
    # the buttons say which field they move
    assert 'câmpul „Câmpul doi”' in page.text
    res = press(row_form(page, '@@formular-muta', 'trei', 'sus'), status=303)
    assert res.location.endswith('#camp-trei')
    assert names(root, url) == ['unu', 'trei', 'doi']
    page = testapp.get(url + '@@formular')
    press(row_form(page, '@@formular-muta', 'unu', 'jos'), status=303)
    assert names(root, url) == ['trei', 'unu', 'doi']
    # a forced no-op (first up) changes nothing
    token = testapp.cookies['cp_csrf']
    testapp.post(url + '@@formular-muta', {'csrf_token': token, 'camp': 'trei',
                                           'directie': 'sus'}, status=303)
    testapp.post(url + '@@formular-muta', {'csrf_token': token, 'camp': 'doi',
                                           'directie': 'jos'}, status=303)
    service = service_at(root, url)
    assert names(root, url) == ['trei', 'unu', 'doi']
    assert [h['comment'] for h in service.history[-2:]] == [
        'Formular: câmpul „Câmpul trei” mutat în sus (poziția 2)',
        'Formular: câmpul „Câmpul unu” mutat în jos (poziția 2)']
    # a move is a POST: GET is not a way to change the form
    testapp.get(url + '@@formular-muta?camp=doi&directie=sus', status=404)


def test_delete_asks_for_confirmation(testapp, root):
    testapp.login('editor')
    url = create_draft(testapp)
    add_field(testapp, url, 'email', name='email', label='E-mail de contact')
    add_field(testapp, url, 'phone', name='telefon', label='Telefonul')
    page = testapp.get(url + '@@formular')
    confirm = press(row_form(page, '@@formular-sterge', 'email'), status=200)
    assert 'Ștergeți câmpul „E-mail de contact”?' in confirm.text
    assert names(root, url) == ['email', 'telefon']         # nothing deleted yet
    confirm.forms['delete-form'].submit('cancel', status=303)
    assert names(root, url) == ['email', 'telefon']
    confirm = testapp.get(url + '@@formular-sterge?camp=email')
    res = confirm.forms['delete-form'].submit('confirma', status=303)
    assert 'Câmpul „E-mail de contact” a fost șters.' in res.follow().text
    assert names(root, url) == ['telefon']
    assert 'Este ultimul câmp' in testapp.get(url + '@@formular-sterge?camp=telefon').text
    testapp.get(url + '@@formular-sterge?camp=email', status=404)


def test_invalid_input_rerenders_with_values_and_errors_and_changes_nothing(testapp, root):
    testapp.login('editor')
    url = create_draft(testapp)
    add_field(testapp, url, 'text', name='nume', label='Numele')
    before = service_at(root, url)
    versions = len(before.history)
    fields = before.form_fields
    res = add_field(testapp, url, 'text', status=400, name='Nume Mare', label='Altul')
    assert 'Numele începe cu o literă mică' in res.text
    assert res.forms['cpform']['name'].value == 'Nume Mare'
    assert res.forms['cpform']['label'].value == 'Altul'
    res = add_field(testapp, url, 'text', status=400, name='nume', label='Dublura')
    assert 'Formularul are deja un câmp cu numele „nume”.' in res.text
    res = add_field(testapp, url, 'text', status=400, name='x' * 41, label='Lung')
    assert 'Cel mult 40 de caractere.' in res.text
    res = add_field(testapp, url, 'select', status=400, name='alegere', label='Alegerea',
                    options='da | Da')
    assert 'Scrieți cel puțin 2 variante.' in res.text
    assert res.forms['cpform']['options'].value == 'da | Da'
    res = add_field(testapp, url, 'radio', status=400, name='alegere', label='Alegerea',
                    options='da | Da\nda | Tot da')
    assert 'Rândul 2: valoarea „da” se repetă.' in res.text
    res = add_field(testapp, url, 'radio', status=400, name='alegere', label='Alegerea',
                    options='da | Da\nNu, mersi')
    assert 'Rândul 2: scrieți „valoare | Etichetă”.' in res.text
    res = add_field(testapp, url, 'number', status=400, name='suprafata', label='Suprafața',
                    min='100', max='10')
    assert 'Valoarea maximă este mai mică decât cea minimă.' in res.text
    assert res.forms['cpform']['min'].value == '100' and res.forms['cpform']['max'].value == '10'
    res = add_field(testapp, url, 'number', status=400, name='suprafata', label='Suprafața',
                    min='o sută')
    assert '„o sută” nu este un număr.' in res.text
    res = add_field(testapp, url, 'file', status=400, name='act', label='Actul',
                    types=set(), max_size_mb='0')
    assert 'Alegeți cel puțin un tip de fișier.' in res.text
    assert 'Dimensiunea trebuie să fie mai mare decât 0.' in res.text
    res = add_field(testapp, url, 'file', status=400, name='act', label='Actul',
                    types={'pdf'}, max_size_mb='500', max_count='99')
    assert 'Valoarea maximă este 100.' in res.text and 'Valoarea maximă este 50.' in res.text
    res = add_field(testapp, url, 'text', status=400, name='scurt', label='X')
    assert 'Cel puțin 2 caractere.' in res.text
    assert 'Formularul nu a fost salvat.' in res.text
    # an edit that would take another field's name
    add_field(testapp, url, 'text', name='prenume', label='Prenumele')
    form = testapp.get(url + '@@formular-modifica?camp=prenume').forms['cpform']
    form['name'] = 'nume'
    res = form.submit('save', status=400)
    assert 'Formularul are deja un câmp cu numele „nume”.' in res.text
    service = service_at(root, url)
    assert service.form_fields[:1] == fields and len(service.form_fields) == 2
    assert len(service.history) == versions + 1             # only the valid addition


def test_post_without_csrf_token_is_refused(testapp, root):
    testapp.login('editor')
    url = create_draft(testapp)
    add_field(testapp, url, 'text', name='unu', label='Primul')
    add_field(testapp, url, 'text', name='doi', label='Al doilea')
    res = testapp.post(url + '@@formular-muta', {'camp': 'doi', 'directie': 'sus'}, status=400)
    assert 'Formularul a expirat' in res.text
    testapp.post(url + '@@formular-sterge', {'camp': 'doi', 'confirma': ''}, status=400)
    form = testapp.get(url + '@@formular-adauga?tip=text').forms['cpform']
    form['csrf_token'] = 'fals'
    form['name'] = 'trei'
    form['label'] = 'Al treilea'
    form.submit('save', status=400)
    assert names(root, url) == ['unu', 'doi']


def test_who_may_edit_the_form(testapp, app, root):
    testapp.login('editor')
    url = create_draft(testapp)
    add_field(testapp, url, 'text', name='unu', label='Primul')
    anon = other(app, '10.9.1.1')
    res = anon.get(url + '@@formular', status=302)
    assert '/login?came_from=' in res.location
    anon.get('/login')
    token = anon.cookies['cp_csrf']
    anon.post(url + '@@formular-sterge', {'csrf_token': token, 'camp': 'unu', 'confirma': ''},
              status=302)
    clerk = other(app, '10.9.1.2')
    clerk.login('functionar')
    for view in ('@@formular', '@@formular-adauga?tip=text', '@@formular-modifica?camp=unu',
                 '@@formular-sterge?camp=unu'):
        clerk.get(url + view, status=403)
    clerk.post(url + '@@formular-muta', {'csrf_token': clerk.cookies['cp_csrf'], 'camp': 'unu',
                                         'directie': 'jos'}, status=403)
    assert names(root, url) == ['unu']
    # sent for review: the editor may no longer change it, the publisher may
    token = testapp.cookies['cp_csrf']
    testapp.post(url + '@@flux', {'csrf_token': token, 'transition': 'submit'}, status=303)
    testapp.get(url + '@@formular', status=403)
    publisher = other(app, '10.9.1.3')
    publisher.login('publicator')
    publisher.get(url + '@@formular', status=200)


def test_a_published_service_follows_the_workflow(testapp, app, root):
    svc = '/servicii/urbanism-si-constructii/' + __import__(
        'cityportal.api', fromlist=['content']).content.slugify(
        'Certificat de urbanism pentru lucrări de construire/desființare') + '/'
    testapp.login('editor')
    testapp.get(svc + '@@formular', status=403)
    assert 'Modifică formularul online' not in testapp.get(svc).text
    publisher = other(app, '10.9.1.4')
    publisher.login('publicator')
    assert 'Modifică formularul online' in publisher.get(svc).text
    generation = root.refresh().content_generation()
    add_field(publisher, svc, 'cnp', name='cnp_copil', label='CNP-ul copilului')
    assert root.refresh().content_generation() > generation   # cached pages are stale now
    assert 'CNP-ul copilului' in other(app, '10.9.1.5').get(svc + '@@cerere').text


def test_every_change_is_a_version_with_diff_and_revert(testapp, root):
    testapp.login('editor')
    url = create_draft(testapp)
    add_field(testapp, url, 'number', name='suprafata', label='Suprafața', min='1')
    form = testapp.get(url + '@@formular-modifica?camp=suprafata').forms['cpform']
    form['label'] = 'Suprafața terenului (m²)'
    form['comment'] = 'după Legea 50'
    form.submit('save', status=303)
    add_field(testapp, url, 'iban', name='cont', label='Contul bancar', required=False)
    service = service_at(root, url)
    assert [(h['action'], h['who'], h['comment']) for h in service.history] == [
        ('create', 'editor', ''),
        ('edit', 'editor', 'Formular: câmpul „Suprafața” adăugat'),
        ('edit', 'editor', 'Formular: câmpul „Suprafața terenului (m²)” modificat, '
                           'fost „Suprafața” (după Legea 50)'),
        ('edit', 'editor', 'Formular: câmpul „Contul bancar” adăugat'),
    ]
    history = testapp.get(url + '@@istoric')
    assert 'Formular: câmpul „Suprafața” adăugat' in history.text
    diff = testapp.get(url + '@@istoric?diff=3').text
    assert 'form_fields' in diff
    assert '-label: Suprafața, min: 1, name: suprafata, type: number' in diff
    assert '+label: Suprafața terenului (m²), min: 1, name: suprafata, type: number' in diff
    # the audit trail, as api.content.edit writes it
    entries = root.refresh().audit.latest(10, action='content.edit')
    assert entries[0]['actor'] == 'editor' and entries[0]['details'] == {'fields': 'form_fields'}
    # revert to version 2: one field, with its first label
    page = testapp.get(url + '@@istoric')
    revert = [f for f in page.forms.values()
              if 'version' in f.fields and f['version'].value == '2'][0]
    revert.submit(status=303)
    service = service_at(root, url)
    assert service.form_fields == ({'name': 'suprafata', 'type': 'number',
                                    'label': 'Suprafața', 'min': 1},)
    assert service.history[-1]['action'] == 'revert'
    assert 'Suprafața terenului' not in testapp.get(url + '@@cerere').text


def test_the_form_pages_are_in_english_too(testapp):
    testapp.login('editor')
    url = create_draft(testapp)
    add_field(testapp, url, 'text', name='unu', label='Primul')
    add_field(testapp, url, 'text', name='doi', label='Al doilea')
    testapp.set_cookie('cp_lang', 'en')
    page = testapp.get(url + '@@formular').text
    for text in ('Move up', 'Move down', 'Add a field', 'Field type', 'Short text'):
        assert text in page, text
    assert 'Mută în jos' not in page and 'Text scurt' not in page
    page = testapp.get(url + '@@formular-modifica?camp=unu').text
    assert 'Technical name' in page and 'Nume tehnic' not in page


# the importer -----------------------------------------------------------------------------

EXAMPLE = 'certificat-urbanism-construire'


def test_import_reports_a_conflict_for_fields_changed_on_the_web(testapp, root, registry,
                                                                  tmp_path):
    from cityportal.services.definitions import default_directory, load_directory
    from cityportal.services.importer import import_catalog
    shipped = default_directory()
    for name in ('service.schema.json', '_categories.yaml', '_departments.yaml',
                 EXAMPLE + '.yaml'):
        shutil.copy(os.path.join(shipped, name), tmp_path / name)
    import_catalog(root.refresh(), load_directory(str(tmp_path)), registry)
    root.commit()
    url = '/servicii/urbanism-si-constructii/%s/' % EXAMPLE
    testapp.login('publicator')      # a published page: publishers edit it
    page = testapp.get(url + '@@formular')
    press(row_form(page, '@@formular-muta', 'telefon', 'sus'), status=303)
    path = tmp_path / (EXAMPLE + '.yaml')
    text = path.read_text(encoding='utf-8')
    path.write_text(text.replace('label: Telefon,', 'label: Telefon mobil,')
                    .replace('output_document: Certificat de urbanism',
                             'output_document: Certificat de urbanism (nou)'), encoding='utf-8')
    summary = import_catalog(root.refresh(), load_directory(str(tmp_path)), registry)
    root.commit()
    assert summary.conflicts == [(EXAMPLE, 'form_fields')]
    service = root.refresh()['servicii']['urbanism-si-constructii'][EXAMPLE]
    assert [f['name'] for f in service.form_fields][-2:] == ['telefon', 'email_contact']
    assert service.form_fields[-2]['label'] == 'Telefon'               # the editor's list kept
    assert service.output_document == 'Certificat de urbanism (nou)'  # the rest updates
    # the same file again: still a conflict, still not overwritten
    again = import_catalog(root.refresh(), load_directory(str(tmp_path)), registry)
    assert again.conflicts == [(EXAMPLE, 'form_fields')]
