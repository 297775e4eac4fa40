"""Every view with each role: allowed where it should be, 403 or login where not."""
import pytest

ROLES = ('anonymous', 'functionar', 'semnatar', 'editor', 'publicator', 'operator', 'admin')
EVERYONE = set(ROLES)
STAFF = EVERYONE - {'anonymous'}
EDITORS = {'editor', 'publicator', 'admin'}
OPERATORS = {'operator', 'admin'}
MANAGERS = {'admin'}
PUBLISHERS = {'publicator', 'admin'}

CAT = '/servicii/urbanism-si-constructii'
SVC = CAT + '/' + __import__('cityportal.api', fromlist=['content']).content.slugify(
    'Certificat de urbanism pentru lucrări de construire/desființare')

MATRIX = [
    ('/', EVERYONE),
    ('/@@cautare?q=urbanism', EVERYONE),
    ('/login', EVERYONE),
    ('/@@lang?code=en&came_from=/servicii/', EVERYONE),
    ('/logout', EVERYONE),
    ('/servicii/', EVERYONE),
    (CAT + '/', EVERYONE),
    (SVC, EVERYONE),
    ('/departamente/', EVERYONE),
    ('/departamente/urbanism/', EVERYONE),
    ('/documente/', EVERYONE),
    ('/@@autentificare', EVERYONE),
    ('/saml/metadata', EVERYONE),
    ('/@@dosar', {'anonymous'}),             # citizens only: anonymous goes to sign in
    ('/@@personal', STAFF),
    ('/@@parola', STAFF),
    ('/@@audit', OPERATORS),
    ('/servicii/@@add?type=Category', EDITORS),
    (CAT + '/@@add?type=Service', EDITORS),
    (CAT + '/@@edit', EDITORS),
    (SVC + '/@@edit', PUBLISHERS),          # published: editors only via a draft
    (SVC + '/@@delete', PUBLISHERS),
    (SVC + '/@@formular', PUBLISHERS),      # the online form's fields: like @@edit
    (SVC + '/@@formular-adauga?tip=select', PUBLISHERS),
    ('/departamente/@@add?type=Department', EDITORS),
    ('/departamente/urbanism/@@edit', EDITORS),
    ('/departamente/urbanism/@@roluri', MANAGERS),
    # representation requests: the clerks of the verifying department
    ('/departamente/evidenta-persoanelor/@@imputerniciri', {'functionar', 'admin'}),
    # cases: the department's inbox (its clerks and signatories), "my cases" (any
    # staff), the head of department's dashboard (signatories: they hold SIGN)
    ('/departamente/urbanism/@@inbox', {'functionar', 'semnatar', 'admin'}),
    ('/departamente/fiscala/@@inbox', MANAGERS),
    ('/@@cazurile-mele', STAFF),
    ('/departamente/urbanism/@@situatie', {'semnatar', 'admin'}),
    ('/departamente/fiscala/@@situatie', MANAGERS),
    ('/dosare/', MANAGERS),
    ('/integrari/', OPERATORS),
    ('/utilizatori/', MANAGERS),
    ('/utilizatori/@@adauga-cont', MANAGERS),
    ('/utilizatori/functionar', MANAGERS),
    ('/utilizatori/functionar/@@edit', MANAGERS),
    ('/utilizatori/functionar/@@parola', MANAGERS),
]


def _cases():
    for url, allowed in MATRIX:
        for role in ROLES:
            yield pytest.param(url, role, role in allowed, id='%s-%s' % (role, url))


@pytest.mark.parametrize('url, role, allowed', list(_cases()))
def test_view_permission(testapp, url, role, allowed):
    if role != 'anonymous':
        testapp.login(role)
    res = testapp.get(url, expect_errors=True)
    if allowed:
        assert res.status_int in (200, 303), (url, role, res.status)
    elif role == 'anonymous':
        assert res.status_int == 302, (url, res.status)
        # staff sign in at /login, citizens (their dossiers) through ROeID
        assert ('/login?came_from=' in res.location or
                '/@@autentificare?came_from=' in res.location), res.location
    else:
        assert res.status_int == 403, (url, role, res.status)
        assert 'Acces interzis' in res.text


def test_no_view_is_registered_without_a_permission(app):
    """Each view declares a permission (static assets and exception views aside)."""
    from pyramid.interfaces import IExceptionResponse
    introspector = app.registry.introspector
    missing = []
    for view in introspector.get_category('views'):
        view = view['introspectable']
        context = view['context']
        if view['exception_only'] or (isinstance(context, type) and
                                      issubclass(context, BaseException)):
            continue
        if context is IExceptionResponse:
            continue   # Pyramid's default rendering of HTTP exceptions
        if view['route_name'] and view['route_name'].startswith('__'):
            continue   # static views
        perms = [r for r in introspector.related(view)
                 if r.category_name == 'permissions']
        if not perms:
            missing.append((context, view['name']))
    assert missing == []
