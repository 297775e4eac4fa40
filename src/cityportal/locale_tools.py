"""Message catalogs: extract, update, compile and check.

Run from anywhere (paths are relative to this package)::

    python -m cityportal.locale_tools extract   # sources -> locale/cityportal.pot
    python -m cityportal.locale_tools update    # extract, then merge the .pot into
                                                # locale/<lang>/LC_MESSAGES/cityportal.po
    python -m cityportal.locale_tools compile   # every locale/**/LC_MESSAGES/*.po -> .mo
    python -m cityportal.locale_tools check     # exit 1 listing what is missing or stale

The msgids are the Romanian source strings of the domain ``cityportal``:

- Python: ``_('...')`` calls (``_`` is the TranslationStringFactory of
  ``cityportal.i18n``), with or without ``mapping=``;
- Chameleon templates: ``i18n:translate`` elements (the element's text, with
  ``i18n:name`` sub-elements as ``${name}`` and whitespace collapsed as
  Chameleon does at run time) and ``i18n:attributes``, in elements whose
  ``i18n:domain`` is ``cityportal``.

Extraction uses lingva's Python and Chameleon extractors (a test
dependency, ``pip install lingva``); compiling and checking need only Babel.
Romanian is the source language, so only the other languages (``en``) have a
``cityportal.po``. Other ``.po`` files under ``locale/`` (the Romanian
``deform.po`` and ``colander.po``) are maintained by hand: ``compile`` and
``check`` cover them too, ``update`` leaves them alone.

``check`` fails when a msgid of the current sources has no (or only a fuzzy)
English translation, when the .pot is not the extraction of the current
sources, when a .po has untranslated entries or a translation whose ``${...}``
placeholders differ from its msgid's, when a .mo is missing or does not hold
exactly the translations of its .po (compared by content, not by file times,
which a git checkout does not keep), when a msgid or translation uses the
cedilla letters ş ţ Ş Ţ instead of the Romanian comma-below ș ț Ș Ț, and when
a template's i18n:translate element has a msgid that only exists at run time
(an inline ``${expr}`` or a sub-element without ``i18n:name`` inside it, or a
``tal:content``/``tal:replace`` on it): Chameleon would look up the rendered
value or markup, which no catalog can hold.
"""
import argparse
import gettext
import io
import os
import re
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
LOCALE_DIR = PACKAGE_DIR / 'locale'
DOMAIN = 'cityportal'
POT_FILE = LOCALE_DIR / (DOMAIN + '.pot')
TARGET_LANGUAGES = ('en',)
EXTENSIONS = ('.py', '.pt')
SKIP_DIRS = {'__pycache__', 'locale', 'static'}

CEDILLA = re.compile('[\u015e\u015f\u0162\u0163]')   # Ş ş Ţ ţ
PLACEHOLDER = re.compile(r'\$\{([^}]*)\}')
INLINE_EXPRESSION = re.compile(r'(?<!\\)\$\{')
_DATE_LINE = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date): .*$', re.M)


def po_path(language, domain=DOMAIN):
    return LOCALE_DIR / language / 'LC_MESSAGES' / (domain + '.po')


# extraction ---------------------------------------------------------------

def source_files():
    """The .py and .pt files of the package, in a stable order."""
    out = []
    for dirpath, dirnames, filenames in os.walk(PACKAGE_DIR):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS
                             and not d.startswith('.'))
        for name in sorted(filenames):
            if name.endswith(EXTENSIONS):
                out.append(Path(dirpath) / name)
    return out


class _ExtractorOptions:
    def __init__(self, domain):
        self.domain = domain
        self.keywords = []
        self.comment_tag = True


def extract_messages():
    """Return ``[(msgid, msgctxt, [(relpath, lineno), ...], [comment, ...])]``.

    One tuple per distinct (msgctxt, msgid), in the order of first
    occurrence over ``source_files()``.
    """
    return _extract()[0]


def _extract():
    """``(messages, problems)``: problems are template messages whose run-time
    msgid is not the extracted one (see ``template_problems``)."""
    try:
        from lingva.extractors import get_extractor, register_extractors
        from lingva.extractors import xml as lingva_xml
    except ImportError:  # pragma: no cover
        raise SystemExit('locale_tools: extraction needs lingva '
                         '(pip install lingva, or install cityportal[test])')
    register_extractors()
    options = _ExtractorOptions(DOMAIN)
    found = {}
    problems = []

    # Inside an i18n:translate element Chameleon builds the msgid from the
    # rendered text: an inline ${expr} puts its *value* in the msgid and a
    # sub-element without i18n:name its *markup*, so such a msgid can never
    # be in a catalog. lingva writes them as ${expr} / <dynamic element>.
    context_class = lingva_xml.TranslateContext
    original_add_text = context_class.add_text

    def add_text(self, text):
        if INLINE_EXPRESSION.search(text) and self.domain == DOMAIN:
            problems.append('%s:%s: inline ${...} inside i18n:translate (the msgid '
                            'would hold its value): wrap it in an element with '
                            'i18n:name: %r' % (_rel(self.filename), self.lineno,
                                               ' '.join(text.split())))
        return original_add_text(self, text)

    extractor_class = lingva_xml.ChameleonExtractor
    original_visit_element = extractor_class.visit_element

    def visit_element(self, start, end, children):
        attrs = start['ns_attrs']
        domain = attrs.get((lingva_xml.I18N_NS, 'domain')) or self.domainstack[-1][0]
        if attrs.get((lingva_xml.I18N_NS, 'translate')) == '' and domain == DOMAIN:
            for name in ('content', 'replace'):
                if (lingva_xml.TAL_NS, name) in attrs:
                    problems.append('%s:%s: i18n:translate="" with tal:%s (the msgid '
                                    'would be the value of %r)'
                                    % (_rel(self.filename), self.linenumber, name,
                                       attrs[(lingva_xml.TAL_NS, name)]))
        return original_visit_element(self, start, end, children)

    context_class.add_text = add_text
    extractor_class.visit_element = visit_element
    try:
        for path in source_files():
            extractor = get_extractor(str(path))
            if extractor is None:
                continue
            rel = _rel_source(path)
            for message in extractor(str(path), options):
                if '<dynamic element>' in message.msgid:
                    problems.append('%s:%s: element without i18n:name inside '
                                    'i18n:translate (the msgid would hold its markup): %r'
                                    % (_rel(path), message.location[1], message.msgid))
                key = (message.msgctxt, message.msgid)
                entry = found.setdefault(key, (message.msgid, message.msgctxt, [], []))
                entry[2].append((rel, int(message.location[1])))
                for comment in (message.comment or '').split('\n'):
                    if comment and comment not in entry[3]:
                        entry[3].append(comment)
    finally:
        context_class.add_text = original_add_text
        extractor_class.visit_element = original_visit_element
    return list(found.values()), problems


def template_problems():
    """i18n:translate elements whose run-time msgid is dynamic."""
    return _extract()[1]


def source_msgids():
    return {(ctxt, msgid) for msgid, ctxt, _locs, _comments in extract_messages()}


def build_template():
    from babel.messages.catalog import Catalog
    catalog = Catalog(domain=DOMAIN, project='cityportal', version='0.1.0',
                      copyright_holder='cityportal', charset='utf-8', fuzzy=True)
    messages, problems = _extract()
    for problem in problems:
        print('warning:', problem, file=sys.stderr)
    for msgid, ctxt, locations, comments in messages:
        catalog.add(msgid, string='', locations=locations, auto_comments=comments,
                    context=ctxt)
    return catalog


def _po_text(catalog, **kw):
    from babel.messages.pofile import write_po
    # Babel flags "${name}" as python-brace-format; our placeholders are
    # translationstring's, which check() compares itself
    for message in catalog:
        message.flags.discard('python-format')
        message.flags.discard('python-brace-format')
    buf = io.BytesIO()
    write_po(buf, catalog, width=79, **kw)
    return buf.getvalue().decode('utf-8')


def _write_if_changed(path, text):
    """Write ``text`` unless only the header dates differ; True if written."""
    if path.exists():
        old = path.read_text(encoding='utf-8')
        if _DATE_LINE.sub('', old) == _DATE_LINE.sub('', text):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + '.tmp')
    tmp.write_text(text, encoding='utf-8')
    os.replace(tmp, path)
    return True


def extract():
    template = build_template()
    written = _write_if_changed(POT_FILE, _po_text(template))
    print('%s %s (%d messages)' % ('wrote' if written else 'unchanged',
                                   _rel(POT_FILE), len(template)))
    return template


def read_po_file(path, locale=None):
    from babel.messages.pofile import read_po
    with open(path, 'rb') as f:
        return read_po(f, locale=locale, domain=path.stem)


def update(languages=TARGET_LANGUAGES):
    """Extract, then merge the template into each language's cityportal.po."""
    from babel.messages.catalog import Catalog
    template = extract()
    for language in languages:
        path = po_path(language)
        if path.exists():
            catalog = read_po_file(path, locale=language)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN, project='cityportal',
                              version='0.1.0', copyright_holder='cityportal',
                              charset='utf-8', fuzzy=False)
        # no fuzzy matching: a guessed translation of a changed Romanian
        # string is worse than a missing one (check reports it)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        written = _write_if_changed(path, _po_text(catalog))
        missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        print('%s %s (%d untranslated)' % ('wrote' if written else 'unchanged',
                                          _rel(path), len(missing)))
    print('next: translate, then `python -m cityportal.locale_tools compile`')


# compiling -------------------------------------------------------------------

def po_files():
    return sorted(LOCALE_DIR.glob('*/LC_MESSAGES/*.po'))


def compile_catalogs():
    from babel.messages.mofile import write_mo
    for path in po_files():
        catalog = read_po_file(path, locale=path.parent.parent.name)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        mo = path.with_suffix('.mo')
        if mo.exists() and mo.read_bytes() == buf.getvalue():
            print('unchanged', _rel(mo))
            continue
        mo.write_bytes(buf.getvalue())
        print('wrote', _rel(mo))


# checking ----------------------------------------------------------------

def _key(msgid, ctxt):
    return msgid if ctxt is None else '%s\x04%s' % (ctxt, msgid)


def _expected_mo_catalog(catalog):
    """What a .mo compiled from ``catalog`` must hold (header left out)."""
    out = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if message.pluralizable:
            for i, s in enumerate(message.string):
                if s:
                    out[(_key(message.id[0], message.context), i)] = s
        elif message.string:
            out[_key(message.id, message.context)] = message.string
    return out


def _mo_catalog(path):
    with open(path, 'rb') as f:
        trans = gettext.GNUTranslations(f)
    return {k: v for k, v in trans._catalog.items() if k != ''}


def _placeholders(text):
    return sorted(set(PLACEHOLDER.findall(text)))


def check(languages=TARGET_LANGUAGES):
    """Return a list of problems (empty when everything is in order)."""
    messages, problems = _extract()
    wanted = {(ctxt, msgid) for msgid, ctxt, _locs, _comments in messages}

    if not POT_FILE.exists():
        problems.append('%s is missing: run update' % _rel(POT_FILE))
    else:
        pot = read_po_file(POT_FILE)
        in_pot = {(m.context, m.id) for m in pot if m.id}
        for ctxt, msgid in sorted(wanted - in_pot, key=lambda k: k[1]):
            problems.append('%s: not extracted yet (run update): %r' % (_rel(POT_FILE), msgid))
        for ctxt, msgid in sorted(in_pot - wanted, key=lambda k: k[1]):
            problems.append('%s: no longer in the sources (run update): %r'
                            % (_rel(POT_FILE), msgid))

    for language in languages:
        path = po_path(language)
        if not path.exists():
            problems.append('%s is missing: run update' % _rel(path))
            continue
        catalog = read_po_file(path, locale=language)
        for ctxt, msgid in sorted(wanted, key=lambda k: k[1]):
            message = catalog.get(msgid, context=ctxt)
            if message is None:
                problems.append('%s: no entry (run update): %r' % (_rel(path), msgid))
            elif message.fuzzy:
                problems.append('%s: fuzzy translation: %r' % (_rel(path), msgid))
            elif not message.string:
                problems.append('%s: untranslated: %r' % (_rel(path), msgid))

    for path in po_files():
        language = path.parent.parent.name
        catalog = read_po_file(path, locale=language)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if message.pluralizable else (message.id,)
            strings = message.string if message.pluralizable else (message.string,)
            for text in list(ids) + list(strings):
                if text and CEDILLA.search(text):
                    problems.append('%s: cedilla ş/ţ instead of comma-below ș/ț: %r'
                                    % (_rel(path), text))
            if path.stem != DOMAIN and not any(strings):
                problems.append('%s: untranslated: %r' % (_rel(path), ids[0]))
            for s in strings:
                if s and _placeholders(s) != _placeholders(ids[0]):
                    problems.append('%s: placeholders of %r differ from the msgid %r'
                                    % (_rel(path), s, ids[0]))
        mo = path.with_suffix('.mo')
        if not mo.exists():
            problems.append('%s is missing: run compile' % _rel(mo))
        elif _mo_catalog(mo) != _expected_mo_catalog(catalog):
            problems.append('%s is out of sync with its .po: run compile' % _rel(mo))
    return problems


def _rel_source(path):
    """A source file's name in the catalogs: relative to src/."""
    try:
        return Path(path).relative_to(SOURCE_ROOT).as_posix()
    except ValueError:
        return str(path)


def _rel(path):
    try:
        return Path(path).relative_to(SOURCE_ROOT.parent).as_posix()
    except ValueError:
        return str(path)


def translate(pairs):
    """Set English translations for msgids (in pairs), then compile."""
    from babel.messages.pofile import read_po, write_po
    if len(pairs) % 2:
        print('translate needs MSGID TRANSLATION pairs', file=sys.stderr)
        return 2
    wanted = dict(zip(pairs[::2], pairs[1::2]))
    path = PACKAGE_DIR / 'locale' / 'en' / 'LC_MESSAGES' / 'cityportal.po'
    with open(path, 'rb') as f:
        catalog = read_po(f)
    for message in catalog:
        if message.id in wanted:
            message.string = wanted.pop(message.id)
            message.flags.discard('fuzzy')
    if wanted:
        print('not in the catalog (run update first): %s' % ', '.join(wanted), file=sys.stderr)
        return 1
    with open(path, 'wb') as f:
        write_po(f, catalog, width=100)
    compile_catalogs()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m cityportal.locale_tools',
        description='Extract, merge, compile and check the message catalogs.')
    parser.add_argument('command', choices=('extract', 'update', 'compile', 'check',
                                            'translate'))
    parser.add_argument('pairs', nargs='*',
                        help='translate: MSGID TRANSLATION [MSGID TRANSLATION ...] (English)')
    args = parser.parse_args(argv)
    if args.command == 'translate':
        return translate(args.pairs)
    if args.command == 'extract':
        extract()
    elif args.command == 'update':
        update()
    elif args.command == 'compile':
        compile_catalogs()
    else:
        problems = check()
        if problems:
            for p in problems:
                print(p, file=sys.stderr)
            print('%d problem(s)' % len(problems), file=sys.stderr)
            return 1
        print('catalogs complete and compiled')
    return 0


if __name__ == '__main__':
    sys.exit(main())
