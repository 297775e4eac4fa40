def test_home_anonymous(testapp):
    res = testapp.get('/')
    assert 'Categorii de servicii' in res.text


def test_login_and_workspace(testapp):
    res = testapp.login('functionar')
    assert res.location.endswith('/@@personal')
    res = res.follow()
    assert 'Spațiul de lucru' in res.text
    assert 'Direcția Urbanism' in res.text
