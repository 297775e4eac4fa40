"""The message catalogs: complete, compiled, Romanian letters right, and used.

- ``locale_tools check`` passes: every msgid of the current sources has an
  English translation, the .pot is current, every .mo matches its .po;
- no msgid or translation in our .po files uses the cedilla letters ş ţ Ş Ţ
  (Romanian writes ș ț Ș Ț, with a comma below);
- pages render in English with the ``cp_lang=en`` cookie and in Romanian
  without it, deform/colander messages included; and every ``cityportal``
  message looked up while rendering English pages is in the English catalog
  (so the extracted msgids are exactly the ones Chameleon asks for).
"""
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cityportal import locale_tools

LOCALE = Path(locale_tools.LOCALE_DIR)
CEDILLA = re.compile('[\u015e\u015f\u0162\u0163]')   # Ş ş Ţ ţ


def _read_po(path):
    from babel.messages.pofile import read_po
    with open(path, 'rb') as f:
        return read_po(f)


def _feedback(html):
    """The field error messages deform shows, in order."""
    return [re.sub(r'\s+', ' ', m).strip() for m in
            re.findall(r'<p class="invalid-feedback"[^>]*>(.*?)</p>', html, re.S)]


# the catalogs --------------------------------------------------------------

def test_locale_tools_check_passes():
    proc = subprocess.run([sys.executable, '-m', 'cityportal.locale_tools', 'check'],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_catalogs_shipped():
    for rel in ('cityportal.pot', 'en/LC_MESSAGES/cityportal.po', 'en/LC_MESSAGES/cityportal.mo',
                'ro/LC_MESSAGES/deform.po', 'ro/LC_MESSAGES/deform.mo',
                'ro/LC_MESSAGES/colander.po', 'ro/LC_MESSAGES/colander.mo'):
        assert (LOCALE / rel).is_file(), rel


def test_no_cedilla_letters_in_catalogs():
    files = sorted(LOCALE.glob('**/*.po')) + sorted(LOCALE.glob('*.pot'))
    assert files
    bad = []
    for path in files:
        for message in _read_po(path):
            ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
            strings = (message.string if isinstance(message.string, (tuple, list))
                       else (message.string,))
            for text in tuple(ids) + tuple(strings):
                if text and CEDILLA.search(text):
                    bad.append('%s: %r' % (path.name, text))
    assert not bad, bad


def test_no_cedilla_letters_in_source_msgids():
    # the msgids come from the templates and _() calls: a cedilla there
    # would reach the catalogs and the Romanian pages on the next update
    bad = [msgid for ctxt, msgid in locale_tools.source_msgids() if CEDILLA.search(msgid)]
    assert not bad, bad


def test_colander_override_wins_and_fixes_placeholders():
    ours = _read_po(LOCALE / 'ro/LC_MESSAGES/colander.po')
    assert ours.get('Required').string == 'Obligatoriu'
    msg = ours.get('"${val}" is not one of ${choices}')
    assert '${choices}' in msg.string
    for message in ours:
        if message.id:
            assert 'decît' not in message.string


def test_check_reports_problems(tmp_path, monkeypatch):
    """check() lists a missing translation, a stale .mo and a cedilla letter."""
    locale = tmp_path / 'locale'
    shutil.copytree(LOCALE, locale)
    monkeypatch.setattr(locale_tools, 'LOCALE_DIR', locale)
    monkeypatch.setattr(locale_tools, 'POT_FILE', locale / 'cityportal.pot')
    assert locale_tools.check() == []

    po = locale / 'en/LC_MESSAGES/cityportal.po'
    text = po.read_text(encoding='utf-8')
    text = text.replace('msgid "Servicii"\nmsgstr "Services"', 'msgid "Servicii"\nmsgstr ""')
    po.write_text(text, encoding='utf-8')
    deform_po = locale / 'ro/LC_MESSAGES/deform.po'
    deform_po.write_text(deform_po.read_text(encoding='utf-8').replace(
        'msgstr "Câmpurile nu coincid"', 'msgstr "Câmpurile nu se potrivesc \u015fi"'),
        encoding='utf-8')
    problems = locale_tools.check()
    assert any("untranslated: 'Servicii'" in p for p in problems), problems
    assert any('cityportal.mo is out of sync' in p for p in problems), problems
    assert any('deform.mo is out of sync' in p for p in problems), problems
    assert any('cedilla' in p for p in problems), problems


def test_check_flags_msgids_that_only_exist_at_run_time(tmp_path, monkeypatch):
    template = tmp_path / 'bad.pt'
    template.write_text(
        '<div xmlns:i18n="http://xml.zope.org/namespaces/i18n" '
        'xmlns:tal="http://xml.zope.org/namespaces/tal" i18n:domain="cityportal">\n'
        '<h1 i18n:translate="">${context.title}</h1>\n'
        '<p i18n:translate="">Bun venit, ${name}.</p>\n'
        '<p i18n:translate="">Vezi <a href="#">pagina</a>.</p>\n'
        '<p i18n:translate="" tal:content="view.label">Etichetă</p>\n'
        '<p i18n:translate="">Bun venit, <b i18n:name="name">${name}</b>.</p>\n'
        '</div>\n', encoding='utf-8')
    monkeypatch.setattr(locale_tools, 'source_files', lambda: [template])
    problems = locale_tools.template_problems()
    assert len(problems) == 4, problems
    assert sorted(int(p.split(':')[1]) for p in problems) == [2, 3, 4, 5], problems


def test_english_mo_holds_every_extracted_msgid():
    with open(LOCALE / 'en/LC_MESSAGES/cityportal.mo', 'rb') as f:
        catalog = gettext.GNUTranslations(f)._catalog
    missing = [msgid for ctxt, msgid in locale_tools.source_msgids() if msgid not in catalog]
    assert not missing


# rendering -------------------------------------------------------------------

EN_HOME = ('Skip to content', '>Services</a>', '>Departments</a>', 'Staff login',
           'All city hall services in one place', 'Service categories',
           'placeholder="for example: planning certificate"', 'aria-label="Main navigation"')
RO_HOME = ('Sari la conținut', '>Servicii</a>', '>Departamente</a>', 'Autentificare personal',
           'Toate serviciile primăriei, într-un singur loc', 'Categorii de servicii',
           'placeholder="de exemplu: certificat de urbanism"',
           'aria-label="Navigare principală"')
EN_LOGIN = ('Staff login', '>Log in</button>', '>Username</label>', '>Password</label>',
            'This page is for city hall staff.')
RO_LOGIN = ('Autentificare personal', '>Intră în cont</button>', '>Nume de utilizator</label>',
            '>Parolă</label>', 'Această pagină este pentru personalul primăriei.')


def _assert_all(text, wanted):
    missing = [w for w in wanted if w not in text]
    assert not missing, missing


def _assert_none(text, unwanted):
    present = [w for w in unwanted if w in text]
    assert not present, present


def test_home_in_english(testapp):
    testapp.set_cookie('cp_lang', 'en')
    res = testapp.get('/')
    assert '<html' in res.text and 'lang="en"' in res.text
    _assert_all(res.text, EN_HOME)
    _assert_none(res.text, RO_HOME)


def test_home_in_romanian_by_default(testapp):
    res = testapp.get('/')
    assert 'lang="ro"' in res.text
    _assert_all(res.text, RO_HOME)
    _assert_none(res.text, EN_HOME)


def test_login_in_english(testapp):
    testapp.set_cookie('cp_lang', 'en')
    res = testapp.get('/login')
    _assert_all(res.text, EN_LOGIN)
    _assert_none(res.text, RO_LOGIN)


def test_login_in_romanian_by_default(testapp):
    res = testapp.get('/login')
    _assert_all(res.text, RO_LOGIN)
    _assert_none(res.text, EN_LOGIN)


def test_language_switch_sets_cookie(testapp):
    res = testapp.get('/@@lang?code=en&came_from=/login', status=303)
    assert res.location.endswith('/login')
    _assert_all(res.follow().text, EN_LOGIN)
    testapp.get('/@@lang?code=ro', status=303)
    _assert_all(testapp.get('/login').text, RO_LOGIN)


def test_required_error_in_romanian_by_default(testapp):
    form = testapp.get('/login').forms['cpform']
    res = form.submit('submit', status=400)
    assert _feedback(res.text) == ['Obligatoriu', 'Obligatoriu']
    _assert_all(res.text, ('Formularul nu a fost salvat.',
                           'Corectați câmpurile marcate mai jos'))
    assert 'Required' not in res.text
    assert 'Necesar' not in res.text      # colander's own ro catalog is overridden


def test_required_error_in_english(testapp):
    testapp.set_cookie('cp_lang', 'en')
    form = testapp.get('/login').forms['cpform']
    res = form.submit('submit', status=400)
    assert _feedback(res.text) == ['Required', 'Required']
    _assert_all(res.text, ('The form was not saved.', 'Correct the fields marked below'))
    _assert_none(res.text, ('Obligatoriu', 'Necesar', 'Formularul nu a fost salvat.'))


def test_deform_messages_in_romanian(testapp):
    testapp.login('admin')
    form = testapp.get('/utilizatori/@@adauga-cont').forms['cpform']
    assert 'placeholder="Confirmați parola"' in form.text
    form['password'] = 'o-parola-lunga-1'
    form['password-confirm'] = 'o-parola-lunga-2'
    res = form.submit('save', status=400)
    assert 'Parola și confirmarea ei nu coincid' in _feedback(res.text)
    assert 'Password did not match confirm' not in res.text


def test_deform_messages_in_english(testapp):
    testapp.set_cookie('cp_lang', 'en')
    testapp.login('admin')
    form = testapp.get('/utilizatori/@@adauga-cont').forms['cpform']
    assert 'placeholder="Confirm Password"' in form.text
    form['password'] = 'a-long-password-1'
    form['password-confirm'] = 'a-long-password-2'
    res = form.submit('save', status=400)
    assert 'Password did not match confirm' in _feedback(res.text)


def test_english_pages_only_ask_for_catalogued_msgids(testapp, monkeypatch):
    """Every ``cityportal`` msgid looked up while rendering English pages is in
    the English catalog: extraction and run-time msgids agree (whitespace,
    ``${name}`` placeholders, attributes)."""
    from pyramid.i18n import Localizer
    with open(LOCALE / 'en/LC_MESSAGES/cityportal.mo', 'rb') as f:
        catalog = gettext.GNUTranslations(f)._catalog
    asked = []
    original = Localizer.translate

    def translate(self, tstring, domain=None, mapping=None):
        domain = domain or getattr(tstring, 'domain', None)
        if domain == 'cityportal' and self.locale_name == 'en':
            asked.append(str(tstring))
        return original(self, tstring, domain=domain, mapping=mapping)

    monkeypatch.setattr(Localizer, 'translate', translate)
    testapp.set_cookie('cp_lang', 'en')
    testapp.get('/')
    testapp.get('/@@cautare?q=certificat')
    testapp.get('/nu-exista-pagina', status=404)
    testapp.get('/login').forms['cpform'].submit('submit', status=400)
    testapp.login('admin')
    for url in ('/@@personal', '/servicii/', '/departamente/urbanism/@@roluri',
                '/utilizatori/@@adauga-cont', '/@@audit',
                '/servicii/urbanism-si-constructii/@@delete'):
        testapp.get(url)
    assert len(set(asked)) > 40
    missing = sorted(set(m for m in asked if m not in catalog))
    assert not missing, missing
