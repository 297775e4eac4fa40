"""The department page: letterhead, contact, signatories with function and capacity."""


def test_editor_sets_head_and_signatories_and_the_page_shows_them(testapp, root):
    testapp.login('admin')
    form = testapp.get('/departamente/urbanism/@@edit').forms['cpform']
    form['head'] = 'Ioana Dăscălescu'
    form['head_function'] = 'Arhitect-șef'
    page = form.submit('save', status=303).follow()
    assert 'Ioana Dăscălescu' in page.text and 'ROMÂNIA' in page.text
    dep = root.refresh()['departamente']['urbanism']
    dep.signatories = ({'person': 'Ioana Dăscălescu', 'function': 'Arhitect-șef',
                        'capacity': 'titular', 'userid': 'semnatar'},
                       {'person': 'Mihai Pop', 'function': 'Arhitect-șef',
                        'capacity': 'p', 'userid': ''})
    root.commit()
    testapp.logout()
    page = testapp.get('/departamente/urbanism/').text
    assert 'Arhitect-șef: Ioana Dăscălescu' in page
    assert 'p. Arhitect-șef: Mihai Pop' in page and 'p. (pentru, în locul titularului)' in page


def test_signatories_edited_through_the_form_drop_empty_rows(testapp, root):
    from cityportal.departments.resources import Department
    values = Department.values_from_form({'signatories': [
        {'person': ' Ana Pop ', 'function': 'Director', 'capacity': 'delegare', 'userid': ''},
        {'person': '', 'function': '', 'capacity': 'titular', 'userid': ''}]})
    assert values['signatories'] == ({'person': 'Ana Pop', 'function': 'Director',
                                      'capacity': 'delegare', 'userid': ''},)
