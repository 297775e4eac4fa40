"""LayoutAPI: what the master template needs, computed once per request."""
from html import escape

from pyramid.decorator import reify
from pyramid.i18n import get_localizer
from pyramid.location import lineage
from pyramid.traversal import quote_path_segment

from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, _
from ..security import (
    MANAGE_INTEGRATIONS, MANAGE_USERS, STAFF_AREA, VIEW_AUDIT)

FLASH_QUEUES = ('success', 'info', 'error')


class LayoutAPI:
    def __init__(self, request):
        self.request = request

    @reify
    def locale(self):
        return self.request.locale_name

    def translate(self, msg):
        """``msg`` in the visitor's language (source-language fast path for Romanian)."""
        if self.locale == DEFAULT_LANGUAGE and getattr(msg, 'domain', None) == 'cityportal':
            text = msg.default
            return msg.interpolate(text) if msg.mapping and '$' in text else text
        return get_localizer(self.request).translate(msg)

    # The header's lists are built here as escaped HTML: they are loops run
    # on every page, and built in Python they cost a fraction of the same
    # markup expanded by the template engine.

    @reify
    def languages_html(self):
        items = []
        for code, label, current in self.languages:
            if current:
                items.append('<li><span aria-current="true" lang="%s">%s</span></li>'
                             % (code, label))
            else:
                items.append('<li><a href="%s" hreflang="%s" lang="%s">%s</a></li>'
                             % (escape(self.lang_url(code)), code, code, label))
        return ''.join(items)

    @reify
    def navigation_html(self):
        items = ['<li><a href="%s/">%s</a></li>' % (
            escape(self.app_url), escape(self.translate(_('Acasă'))))]
        for label, url, current in self.navigation:
            items.append('<li><a href="%s"%s>%s</a></li>' % (
                escape(url), ' aria-current="page"' if current else '',
                escape(self.translate(label))))
        return ''.join(items)

    @reify
    def breadcrumbs_html(self):
        items = []
        for title, url, current in self.breadcrumbs:
            title = escape(self.translate(title) if hasattr(title, 'interpolate') else title)
            if current:
                items.append('<li><span aria-current="page">%s</span></li>' % title)
            else:
                items.append('<li><a href="%s">%s</a></li>' % (escape(url), title))
        return ''.join(items)

    @reify
    def user(self):
        return self.request.identity

    @reify
    def acting_for(self):
        """The dossier a signed-in citizen acts in the name of; None when for themselves."""
        if self.user is None or getattr(self.user, 'is_staff', False):
            return None
        from ..dossiers.representation import represented_dossier
        return represented_dossier(self.request)

    @reify
    def root(self):
        return self.request.root

    @reify
    def app_url(self):
        return self.request.application_url

    def static(self, path):
        # the same for every request of a mount point: computed once
        request = self.request
        cache = request.registry.__dict__.setdefault('cityportal_static_urls', {})
        key = (request.script_name, path)
        url = cache.get(key)
        if url is None:
            url = cache[key] = request.static_path('cityportal:layout/static/' + path)
        return url

    @reify
    def csrf_token(self):
        from pyramid.csrf import get_csrf_token
        return get_csrf_token(self.request)

    @reify
    def site_title(self):
        return self.root.title

    @reify
    def navigation(self):
        """Top navigation: (label, url, current?) tuples the user may visit."""
        request = self.request
        root = self.root
        app = self.app_url
        path = request.path
        items = [(_('Servicii'), app + '/servicii/'),
                 (_('Departamente'), app + '/departamente/')]
        if self.user is not None:
            if not getattr(self.user, 'is_staff', False):
                items.append((_('Dosarul meu'), app + '/@@dosar'))
            if request.has_permission(STAFF_AREA, root):
                items.append((_('Spațiul de lucru'), app + '/@@personal'))
            if request.has_permission(MANAGE_USERS, root['utilizatori']):
                items.append((_('Utilizatori'), app + '/utilizatori/'))
            if request.has_permission(MANAGE_INTEGRATIONS, root['integrari']):
                items.append((_('Integrări'), app + '/integrari/'))
            if request.has_permission(VIEW_AUDIT, root):
                items.append((_('Jurnal de audit'), app + '/@@audit'))
        return [(label, url, path.startswith(url[len(app):].rstrip('/') or '/@@none'))
                for label, url in items]

    @reify
    def breadcrumbs(self):
        """(title, url, is_current) from the root to the context."""
        context = getattr(self.request, 'context', None)
        if context is None or getattr(self.request, 'exception', None) is not None:
            return []
        crumbs = list(lineage(context))
        crumbs.reverse()
        if len(crumbs) <= 1 and not self.request.view_name:
            return []
        # one URL per level, built from the names (as resource_url would)
        url = self.app_url + '/'
        out = [(_('Acasă'), url, len(crumbs) == 1)]
        last = len(crumbs) - 1
        for i, res in enumerate(crumbs[1:], 1):
            url += quote_path_segment(res.__name__) + '/'
            out.append((res.title or res.__name__, url, i == last))
        return out

    @reify
    def messages(self):
        """Flash messages to show once: (queue, text) pairs."""
        request = self.request
        cookie = request.registry.settings.get('cityportal.session_cookie', 'cp_session')
        if cookie not in request.cookies or request.environ.get('cityportal.error_page'):
            # no session: nothing flashed, and no session created; on the 500
            # page the transaction is gone, so the session is left alone
            return []
        session = request.session
        out = []
        for queue in FLASH_QUEUES:
            for msg in session.pop_flash(queue):
                out.append((queue, msg))
        return out

    def lang_url(self, lang):
        return '%s/@@lang?code=%s&came_from=%s' % (
            self.app_url, lang, _quote(self.request.path_qs))

    @reify
    def languages(self):
        return [(code, {'ro': 'Română', 'en': 'English'}[code], code == self.locale)
                for code in LANGUAGES]


def _quote(value):
    from urllib.parse import quote
    return quote(value, safe='')
