"""Permission-aware catalog queries.

``search(request, ...)`` is the only way listings read the catalog: it adds
``allowed`` (the principals of the current user) to every query, then checks
the permission again on the page it resolves, so a listing never shows what
the user may not view.
"""
import re
from dataclasses import dataclass, field

from hypatia.query import All, Any, Contains, Eq, InRange
from hypatia.text.parsetree import ParseError
from pyramid.authorization import Authenticated, Everyone
from pyramid.traversal import find_root, resource_path

from ..security import (
    VIEW, identity_roles, request_scoped_principals, role, user_principal)
from .folding import fold

_WORD = re.compile(r'\w+', re.UNICODE)
_OPERATORS = {'and', 'or', 'not'}
MAX_QUERY_WORDS = 12
MAX_LIMIT = 200


#: Romanian inflection endings dropped before prefix matching, longest first:
#: "sesizare" and "sesizări" (-> "sesizari") meet at "sesizar*"
_ENDINGS = ('urilor', 'ilor', 'elor', 'ului', 'uri', 'ele', 'ile', 'lor', 'ul', 'le',
            'ii', 'ea', 'a', 'e', 'i', 'u')
MIN_STEM = 4


def stem(word):
    """A crude Romanian stem: ``word`` without its inflection ending (kept >= 4 letters)."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[:-len(ending)]
    return word


def query_words(text):
    """The folded words of ``text`` a text query uses (operators and noise dropped)."""
    if not text:
        return []
    words = [w for w in _WORD.findall(fold(text[:2000]))
             if w not in _OPERATORS and not w.startswith('_')]
    return words[:MAX_QUERY_WORDS]


def text_query(text):
    """A safe hypatia text query from any user input, or None.

    Only word characters survive (after Romanian folding), the parser's
    operators are dropped, and every word of three letters or more matches
    as a prefix of its stem, so a query of any content (quotes, HTML, SQL,
    10,000 characters) parses, and "sesizare" finds "Sesizări".
    """
    words = query_words(text)
    if not words:
        return None
    return ' '.join(stem(w) + '*' if len(w) >= 3 else w for w in words)


def user_principals(request):
    """Context-free principals for the allowed index (global roles only)."""
    identity = request.identity
    principals = [Everyone]
    if identity is not None and identity.active:
        principals += [Authenticated, user_principal(identity.userid)]
        principals += [role(r) for r in identity_roles(identity)]
        principals += request_scoped_principals(request, identity)
    return principals


@dataclass
class Results:
    total: int
    items: list = field(default_factory=list)
    offset: int = 0
    limit: int = 50
    facets: dict = field(default_factory=dict)


def get_catalog(resource):
    return find_root(resource).catalog


def build_query(catalog, criteria):
    """Translate keyword criteria into a hypatia query (an And of parts).

    ``path`` selects a subtree; a list or tuple value means "any of";
    a ``(low, high)`` pair for created/modified/deadline is a range.
    """
    parts = []
    for name, value in criteria.items():
        if value is None:
            continue
        index = catalog[name]
        if name in ('created', 'modified', 'deadline') and isinstance(value, tuple):
            parts.append(InRange(index, value[0], value[1]))
        elif isinstance(value, (list, tuple, set, frozenset)):
            parts.append(Any(index, list(value)))
        elif name == 'path':
            parts.append(Any(index, [value]))
        else:
            parts.append(Eq(index, value))
    return parts


def _execute(request, context, text, criteria):
    """(catalog, root, resultset, text query) for a query as the current user.

    ``resultset`` is None when nothing can match (a query of only symbols).
    """
    context = context if context is not None else request.root
    root = find_root(context)
    catalog = root.catalog
    parts = build_query(catalog, criteria)
    parts.append(Any(catalog['allowed'], user_principals(request)))
    tq = text_query(text)
    if tq:
        parts.append(Contains(catalog['text'], tq))
    elif text and text.strip():
        return catalog, root, None, None   # only operators or symbols
    query = parts[0]
    for part in parts[1:]:
        query = query & part
    try:
        return catalog, root, query.execute(resolver=catalog.resolver(root)), tq
    except ParseError:
        return catalog, root, None, None


def facet_counts(catalog, docids, names):
    """{index name: {value: count}} over ``docids`` for field indexes ``names``."""
    out = {}
    for name in names:
        reverse = catalog[name]._rev_index
        counts = {}
        for docid in docids:
            value = reverse.get(docid)
            if value is not None:
                counts[value] = counts.get(value, 0) + 1
        out[name] = counts
    return out


def search(request, context=None, text=None, sort='title', reverse=False,
           offset=0, limit=50, permission=VIEW, facets=(), **criteria):
    """Query the catalog as the current user; return a page of resources.

    ``context`` is any resource of the tree (the root is found from it);
    criteria are index names with values (see :func:`build_query`);
    ``facets`` names field indexes whose value counts over the whole result
    come back in ``Results.facets``.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    catalog, root, resultset, tq = _execute(request, context, text, criteria)
    if resultset is None:
        return Results(0, [], offset, limit)
    total = len(resultset)
    counts = {}
    if facets and total:
        resultset.ids = ids = list(resultset.ids)
        counts = facet_counts(catalog, ids, facets)
    if not total or offset >= total:
        return Results(total, [], offset, limit, counts)
    if sort == 'relevance' and tq:
        scores = catalog['text'].apply(tq)
        ids = sorted(resultset.ids, key=lambda d: -scores.get(d, 0))
        ids = ids[offset:offset + limit]
    elif sort:
        sorted_rs = resultset.sort(catalog[sort], reverse=reverse,
                                   limit=offset + limit,
                                   raise_unsortable=False)
        ids = list(sorted_rs.ids)[offset:offset + limit]
    else:
        ids = list(resultset.ids)[offset:offset + limit]
    resolve = catalog.resolver(root)
    items = []
    for docid in ids:
        obj = resolve(docid)
        if obj is not None and request.has_permission(permission, obj):
            items.append(obj)
    return Results(total, items, offset, limit, counts)


#: at most this many unknown words of a query get a suggestion
SUGGEST_WORDS = 3


def suggest(context, text, cutoff=0.78):
    """'Did you mean': ``text`` with unknown words replaced by close indexed words.

    None when every word is known or nothing close exists. Only words with
    the same first letter and a similar length are compared (a misspelling
    rarely changes either), and only the first few unknown words, so a
    query of nonsense costs about a millisecond, not a scan per word.
    """
    import difflib
    words = query_words(text)
    if not words:
        return None
    lexicon = find_root(context).catalog['text'].lexicon
    out, changed, tried = [], False, 0
    known = None
    for word in words:
        if lexicon.get_wid(word) or len(word) < 4 or tried >= SUGGEST_WORDS:
            out.append(word)
            continue
        tried += 1
        if known is None:
            known = list(lexicon.words())
        candidates = [w for w in known
                      if w[:1] == word[:1] and abs(len(w) - len(word)) <= 2]
        match = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
        if match:
            out.append(match[0])
            changed = True
        else:
            out.append(word)
    return ' '.join(out) if changed else None


def path_of(resource):
    return resource_path(resource)
