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


def plural(n, one, few, many, **mapping):
    """The Romanian plural form of a message for the number ``n``.

    Romanian has three: 1 (``one``), 0 and 2..19 after the last hundred
    (``few``: "3 rezultate"), and the rest (``many``: "20 de rezultate").
    Each form is its own msgid (pass them marked with ``_``, so extraction
    finds them); the English catalog maps the last two to the same English
    plural, which is all English needs.
    """
    mapping = dict(mapping, n=n)
    rest = n % 100
    if n == 1:
        form = one
    elif n == 0 or 0 < rest < 20:
        form = few
    else:
        form = many
    return _(form, mapping=mapping)   # keeps the form's msgid and domain


def at_most_characters(n):
    return plural(n, _('Cel mult un caracter.'), _('Cel mult ${n} caractere.'),
                  _('Cel mult ${n} de caractere.'))


def negotiate_locale(request):
    lang = request.cookies.get(LANG_COOKIE)
    if lang in LANGUAGES:
        return lang
    return DEFAULT_LANGUAGE


def source_language_translator(registry):
    """Chameleon's translate function, with a fast path for the source language.

    Our msgids *are* the Romanian text: with no Romanian catalog of our
    domain, translating one into Romanian is interpolating its default, so
    that is done directly, without the catalog lookups. Everything else
    (other domains, English) goes through Pyramid's localizer as before.
    """
    from importlib.resources import files
    from pyramid.i18n import get_localizer
    from pyramid.threadlocal import get_current_request
    from translationstring import ChameleonTranslate
    if (files('cityportal') / 'locale' / DEFAULT_LANGUAGE / 'LC_MESSAGES' /
            'cityportal.mo').is_file():
        return None   # a Romanian catalog exists: every string goes through it

    def translator(tstring):
        request = get_current_request()
        if tstring.domain == 'cityportal' and (
                request is None or request.locale_name == DEFAULT_LANGUAGE):
            translated = tstring.default
            if translated and '$' in translated and tstring.mapping:
                translated = tstring.interpolate(translated)
            return translated
        return get_localizer(request).translate(tstring)

    return ChameleonTranslate(translator)


def includeme(config):
    config.add_translation_dirs('cityportal:locale/')
    config.set_locale_negotiator(negotiate_locale)

    def register():
        from pyramid_chameleon.interfaces import IChameleonTranslate
        translate = source_language_translator(config.registry)
        if translate is not None:
            config.registry.registerUtility(translate, IChameleonTranslate)
    # after pyramid_chameleon registered its own (order=1000)
    config.action('cityportal-translator', register, order=1002)
