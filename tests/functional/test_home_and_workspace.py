def test_home_anonymous(testapp):
    res = testapp.get('/')
    assert 'Categorii de servicii' in res.text


def test_login_and_workspace(testapp):
    res = testapp.login('functionar')
    assert res.location.endswith('/@@personal')
    res = res.follow()
    assert 'Spațiul de lucru' in res.text
    assert 'Direcția Urbanism' in res.text
    # a clerk reaches the department's inbox and their own cases from here
    inbox = res.click(description='Cererile departamentului', index=0)
    assert inbox.request.path.endswith('/@@inbox')
    mine = res.click(description='Cererile repartizate mie')
    assert mine.request.path == '/@@cazurile-mele'
    assert 'Cererile repartizate mie' in mine.text
