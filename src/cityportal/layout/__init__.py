"""Layout: the master template, navigation, breadcrumbs, flash messages,
error pages and the language switch."""
from pyramid.events import BeforeRender, NewResponse
from pyramid.renderers import get_renderer
from pyramid.tweens import EXCVIEW, INGRESS

from .api import LayoutAPI

MASTER = 'cityportal:layout/templates/master.pt'
MACROS = 'cityportal:layout/templates/macros.pt'


def add_layout_globals(event):
    """Every template gets ``layout`` (the request's LayoutAPI) and ``master``."""
    request = event.get('request')
    if request is None:
        return
    event['layout'] = request.layout
    event['master'] = request.registry.cityportal_master
    event['macros'] = request.registry.cityportal_macros


SECURITY_HEADERS = (
    ('X-Content-Type-Options', 'nosniff'),
    ('X-Frame-Options', 'DENY'),
    ('Referrer-Policy', 'same-origin'),
    ('Content-Security-Policy',
     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"),
)


def add_security_headers(event):
    """Every response: no sniffing, no framing, a strict CSP; private pages not cached."""
    response = event.response
    headers = response.headers
    for name, value in SECURITY_HEADERS:
        if name not in headers:
            headers[name] = value
    request = event.request
    cookie = request.registry.settings.get('cityportal.session_cookie', 'cp_session')
    try:
        has_session = cookie in request.cookies
    except UnicodeDecodeError:   # a malformed Cookie header (answered 400)
        has_session = False
    if has_session or any(
            value.startswith(cookie + '=') for value in response.headers.getall('Set-Cookie')):
        response.cache_control = 'no-store'


def includeme(config):
    config.add_request_method(LayoutAPI, 'layout', reify=True)
    config.add_subscriber(add_layout_globals, BeforeRender)
    config.add_subscriber(add_security_headers, NewResponse)
    config.add_tween('cityportal.layout.tweens.input_guard_factory', under=INGRESS)
    config.add_tween('cityportal.layout.cache.page_cache_tween_factory',
                     under='pyramid_tm.tm_tween_factory', over=EXCVIEW)
    from ..interfaces import (
        ILocalRolesChanged, IObjectAdded, IObjectModified, IObjectRemoved)
    from .cache import bump_generation
    for iface in (IObjectAdded, IObjectRemoved, IObjectModified, ILocalRolesChanged):
        config.add_subscriber(bump_generation, iface)
    config.add_static_view('static', 'cityportal:layout/static', cache_max_age=3600)
    config.add_static_view('deform_static', 'deform:static', cache_max_age=3600)
    config.add_translation_dirs('colander:locale/', 'deform:locale/', 'cityportal:locale/')

    def load_master():
        config.registry.cityportal_master = get_renderer(MASTER).implementation()
        config.registry.cityportal_macros = get_renderer(MACROS).implementation()
    config.action('cityportal-master', load_master, order=1001)
    from . import forms
    forms.configure_deform(config)
    config.scan(__name__)
