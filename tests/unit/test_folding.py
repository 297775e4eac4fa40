"""Romanian diacritic folding: every spelling finds every other."""
import pytest

from cityportal.catalog.folding import FoldingNormalizer, fold, make_lexicon


@pytest.mark.parametrize('text, folded', [
    ('Înștiințare', 'instiintare'),
    ('ȘCOALĂ ȚARĂ', 'scoala tara'),
    ('şcoală ţară', 'scoala tara'),          # old cedilla forms
    ('Ş Ţ', 's t'),
    ('câmp mâine', 'camp maine'),
    ('Timișoara', 'timisoara'),
    ('', ''),
    (None, ''),
])
def test_fold(text, folded):
    assert fold(text) == folded


def test_comma_and_cedilla_forms_fold_to_the_same():
    assert fold('\u0219\u021b') == fold('\u015f\u0163') == 'st'


def test_lexicon_words_are_folded():
    lex = make_lexicon()
    wids_a = lex.sourceToWordIds('Impozitul pe clădiri și terenuri')
    wids_b = lex.termToWordIds('cladiri')
    assert wids_b and wids_b[0] in wids_a
    assert FoldingNormalizer().process(['Ţară']) == ['tara']


@pytest.mark.parametrize('n, form', [(0, 'few'), (1, 'one'), (2, 'few'), (19, 'few'),
                                     (20, 'many'), (100, 'many'), (101, 'few'),
                                     (119, 'few'), (120, 'many'), (1000, 'many')])
def test_romanian_plural_forms(n, form):
    from cityportal.i18n import _, plural
    msg = plural(n, _('one'), _('few'), _('many'))
    assert str(msg) == form and msg.mapping['n'] == n and msg.domain == 'cityportal'
