"""The outermost guard: malformed requests get a 400, never a 500.

Decoding of the path, the query string, form data and cookies happens
lazily deep inside views; a request with invalid UTF-8 or control
characters there would otherwise blow up wherever it is first touched (even
inside the error page). This tween touches them all first. It also pins the
public host and scheme when ``cityportal.public_url`` is set, so redirects
never follow a forged Host header.
"""
from urllib.parse import urlsplit

from pyramid.response import Response
from webob.cookies import RequestCookies

BAD_REQUEST = (
    '<!DOCTYPE html><html lang="ro"><head><meta charset="utf-8">'
    '<title>Cerere invalidă / Bad request</title></head><body><main>'
    '<h1>Cerere invalidă</h1><p>Adresa sau datele trimise conțin caractere '
    'nepermise. Verificați adresa și încercați din nou.</p>'
    '<p lang="en">Bad request: the address or the data sent contain characters '
    'that are not allowed.</p><p><a href="/">Pagina principală / Home</a></p>'
    '</main></body></html>')


def _cookie_ok(pair):
    try:
        dict(RequestCookies({'HTTP_COOKIE': pair}))
    except (UnicodeError, ValueError):
        return False
    return True


def _clean_cookies(environ):
    """Drop cookie pairs that do not decode (planted or corrupted).

    A bad cookie must not make every page fail for that browser: the pair is
    ignored as if it were absent.
    """
    raw = environ.get('HTTP_COOKIE')
    if not raw or _cookie_ok(raw):
        return
    environ['HTTP_COOKIE'] = ';'.join(p for p in raw.split(';') if _cookie_ok(p))


def _check(request):
    path = request.path_info
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        raise ValueError('control character in path')
    request.GET.items()
    request.cookies.items()
    if request.method == 'POST' and request.content_type in (
            'application/x-www-form-urlencoded', 'multipart/form-data'):
        request.POST.items()


def input_guard_factory(handler, registry):
    public_url = registry.settings.get('cityportal.public_url')
    pinned = urlsplit(public_url) if public_url else None

    def input_guard(request):
        if pinned is not None:
            request.environ['HTTP_HOST'] = pinned.netloc
            request.environ['wsgi.url_scheme'] = pinned.scheme
        _clean_cookies(request.environ)
        try:
            _check(request)
        except (UnicodeDecodeError, UnicodeEncodeError, ValueError, KeyError):
            return Response(BAD_REQUEST, status=400, content_type='text/html',
                            charset='utf-8')
        return handler(request)

    return input_guard
