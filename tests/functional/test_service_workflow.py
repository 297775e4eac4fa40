"""Editorial workflow of service sheets, with each role; history, diff and revert."""
from cityportal.testing import Browser

CAT = '/servicii/stare-civila'


def other(app, addr):
    return Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': addr})


def create_draft(testapp, title='Transcrierea certificatului de naștere'):
    form = testapp.get(CAT + '/@@add?type=Service').forms['cpform']
    form['title'] = title
    form['description'] = 'Înscrierea în registrele românești a unei nașteri din străinătate.'
    res = form.submit('save', status=303)
    return res.location.replace('http://localhost', '')


def transition(browser, url, name, comment='', status=303):
    page = browser.get(url)
    form = page.forms[[i for i, f in page.forms.items() if 'transition' in f.fields][0]]
    form['comment'] = comment
    return form.submit('transition', value=name, status=status)


def test_draft_review_publish_with_each_role(testapp, app):
    anon = other(app, '10.9.0.1')
    testapp.login('editor')
    url = create_draft(testapp)
    page = testapp.get(url)
    assert 'Stare' in page.text and 'Ciornă' in page.text          # the draft marker
    assert anon.get(url, status=302).location.startswith('http://localhost/login')
    assert 'Transcrierea certificatului' not in anon.get(CAT + '/').text
    assert 'Transcrierea' not in anon.get('/@@cautare', params={'q': 'transcrierea'}).text
    # the editor sends it for review, and may then no longer change it
    transition(testapp, url, 'submit', 'gata de verificat')
    assert 'În așteptarea aprobării' in testapp.get(url).text
    testapp.get(url + '@@edit', status=403)
    # an editor cannot publish
    token = testapp.cookies['cp_csrf']
    testapp.post(url + '@@flux', {'csrf_token': token, 'transition': 'publish'}, status=403)
    # the publisher publishes it
    publisher = other(app, '10.9.0.2')
    publisher.login('publicator')
    transition(publisher, url, 'publish', 'verificat')
    page = anon.get(url)
    assert 'Transcrierea certificatului de naștere' in page.text and 'Ciornă' not in page.text
    assert 'Transcrierea' in anon.get('/@@cautare', params={'q': 'transcrierea'}).text
    # archived pages leave the public site
    transition(publisher, url, 'archive')
    anon.get(url, status=302)
    transition(publisher, url, 'restore')
    assert 'Ciornă' in publisher.get(url).text


def test_clerk_and_anonymous_cannot_move_pages(testapp, app):
    testapp.login('editor')
    url = create_draft(testapp, 'Serviciu de test pentru flux')
    clerk = other(app, '10.9.0.3')
    clerk.login('functionar')
    clerk.get(url, status=403)
    clerk.get('/login')
    token = clerk.cookies['cp_csrf']
    clerk.post(url + '@@flux', {'csrf_token': token, 'transition': 'submit'}, status=403)


def test_history_diff_and_revert(testapp, root):
    testapp.login('publicator')
    url = create_draft(testapp, 'Titlul inițial')
    form = testapp.get(url + '@@edit').forms['cpform']
    form['title'] = 'Titlul schimbat'
    form['comment'] = 'corectură'
    form.submit('save', status=303)
    history = testapp.get(url + '@@istoric')
    assert 'corectură' in history.text and 'publicator' in history.text
    name = url.rstrip('/').rsplit('/', 1)[1]
    service = root.refresh()['servicii']['stare-civila'][name]
    assert [h['action'] for h in service.history] == ['create', 'edit']
    assert [h['who'] for h in service.history] == ['publicator', 'publicator']
    diff = testapp.get(url + '@@istoric?diff=2').text
    assert 'Titlul inițial' in diff and 'Titlul schimbat' in diff
    # revert to version 1: the page as it was created
    page = testapp.get(url + '@@istoric')
    revert = [f for f in page.forms.values()
              if 'version' in f.fields and f['version'].value == '1'][0]
    revert.submit(status=303)
    service = root.refresh()['servicii']['stare-civila'][name]
    assert service.title == 'Titlul inițial'
    assert [h['action'] for h in service.history] == ['create', 'edit', 'revert']


def test_future_effective_date_hides_a_published_page(testapp, app, root):
    import datetime
    testapp.login('publicator')
    url = create_draft(testapp, 'Serviciu viitor')
    transition(testapp, url, 'publish')
    name = url.rstrip('/').rsplit('/', 1)[1]
    service = root.refresh()['servicii']['stare-civila'][name]
    service.effective = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
    root.commit()
    other(app, '10.9.0.4').get(url, status=302)
    assert '(în afara perioadei de valabilitate)' in testapp.get(url).text


def test_every_fact_of_the_sheet_is_editable_through_the_web(testapp, root):
    testapp.login('publicator')
    url = create_draft(testapp, 'Serviciu cu toate faptele')
    form = testapp.get(url + '@@edit').forms['cpform']
    form['who_can_apply'] = 'Orice persoană fizică.'
    form.set('kind', 'fixed', index=0)                     # fee kind (deadline kind: 1)
    res = form.submit('save', status=400)                  # a fixed fee needs its amount
    assert 'Indicați suma.' in res.text
    form = res.forms['cpform']
    form['amount_lei'] = '15'
    form['days'] = '30'
    form.set('kind', 'working', index=1)
    form.set('name', 'Cerere tip', index=0)
    form['tacit_approval'] = 'no'
    form['legal_basis'] = 'OG nr. 27/2002\nLegea nr. 544/2001'
    form.submit('save', status=303)
    page = testapp.get(url).text
    assert '15 lei.' in page and '30 de zile lucrătoare.' in page
    assert 'Cerere tip' in page and 'Orice persoană fizică.' in page
    assert 'OG nr. 27/2002' in page and 'Nu se aplică aprobarea tacită.' in page
    name = url.rstrip('/').rsplit('/', 1)[1]
    service = root.refresh()['servicii']['stare-civila'][name]
    assert service.deadline == {'days': 30, 'kind': 'working'}
    assert service.fee == {'kind': 'fixed', 'amount_lei': 15.0}
    assert service.documents == ({'name': 'Cerere tip', 'mandatory': True,
                                  'obtained_by_city': False},)
