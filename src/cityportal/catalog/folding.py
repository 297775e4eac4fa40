"""Romanian text folding for indexing and queries.

``fold('Înștiințare ŞI ţară')`` -> ``'instiintare si tara'``: lower case, and
every letter with a diacritic (ă â î, the correct comma-below ș ț and the old
cedilla forms ş ţ) reduced to its plain letter. The same function runs on
indexed text and on query text, so any spelling finds any other.
"""
import unicodedata

import random

from hypatia.text.lexicon import CaseNormalizer, Lexicon, Splitter
from hypatia.text.okapiindex import OkapiIndex

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


_random = random.SystemRandom()
WID_MAX = 0x10000000      # hypatia's widcode encodes word ids below 2**28


class PortalLexicon(Lexicon):
    """hypatia's Lexicon with random word ids.

    Its serial ids (a Length) give two concurrent transactions that each see
    a new word the same id, a ConflictError on every concurrent first use of
    words. Random ids fall apart, and ZODB merges the two inserts.
    """

    def _new_wid(self):
        self.word_count.change(1)
        while True:
            wid = _random.randrange(1, WID_MAX)    # 0 is the out-of-vocabulary id
            if wid not in self._words:
                return wid


class PortalOkapiIndex(OkapiIndex):
    """hypatia's Okapi BM25 index with every posting list a BTree of its own.

    hypatia keeps the postings of a word in a plain dict until it has 10
    documents; that dict lives inside the word table's bucket, so concurrent
    documents sharing a rare word (cases of one service filed together)
    conflict. From the first document on, an IFBTree of its own merges.
    """
    DICT_CUTOFF = 0


def make_lexicon():
    return PortalLexicon(FoldingSplitter(), CaseNormalizer(), FoldingNormalizer())


def make_text_index(discriminator):
    from hypatia.text import TextIndex
    lexicon = make_lexicon()
    return TextIndex(discriminator, lexicon=lexicon, index=PortalOkapiIndex(lexicon))
