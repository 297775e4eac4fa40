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
