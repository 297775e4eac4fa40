"""Romanian text folding for indexing and queries.

``fold('Înștiințare ŞI ţară')`` -> ``'instiintare si tara'``: lower case, and
every letter with a diacritic (ă â î, the correct comma-below ș ț and the old
cedilla forms ş ţ) reduced to its plain letter. The same function runs on
indexed text and on query text, so any spelling finds any other.
"""
import unicodedata

from hypatia.text.lexicon import CaseNormalizer, Lexicon, Splitter

_cache = {}


def fold(text):
    """Lower-case ``text`` and strip diacritics (NFKD, drop combining marks)."""
    if not text:
        return ''
    decomposed = unicodedata.normalize('NFKD', text.lower())
    return ''.join(c for c in decomposed if not unicodedata.combining(c))


class FoldingNormalizer:
    """hypatia lexicon pipeline element applying :func:`fold` to each word."""

    def process(self, words):
        return [fold(w) for w in words]

    def processGlob(self, words):
        return [fold(w) for w in words]


class FoldingSplitter(Splitter):
    """Split on word characters after folding (so 'ş' never splits a word)."""

    def process(self, lst):
        return Splitter.process(self, [fold(s) for s in lst])

    def processGlob(self, lst):
        return Splitter.processGlob(self, [fold(s) for s in lst])


def make_lexicon():
    return Lexicon(FoldingSplitter(), CaseNormalizer(), FoldingNormalizer())
