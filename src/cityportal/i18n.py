"""Translation strings and locale negotiation.

Source strings are Romanian (the portal's first language); the English
catalog lives in ``locale/en/LC_MESSAGES/cityportal.po``. The visitor picks
the language with the switcher (a cookie); the default is Romanian.
"""
from pyramid.i18n import TranslationStringFactory

_ = TranslationStringFactory('cityportal')

LANGUAGES = ('ro', 'en')
DEFAULT_LANGUAGE = 'ro'
LANG_COOKIE = 'cp_lang'


def negotiate_locale(request):
    lang = request.cookies.get(LANG_COOKIE)
    if lang in LANGUAGES:
        return lang
    return DEFAULT_LANGUAGE


def includeme(config):
    config.add_translation_dirs('cityportal:locale/')
    config.set_locale_negotiator(negotiate_locale)
