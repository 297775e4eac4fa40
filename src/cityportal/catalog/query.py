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

from ..security import VIEW, identity_roles, role, user_principal
from .folding import fold

_WORD = re.compile(r'\w+', re.UNICODE)
_OPERATORS = {'and', 'or', 'not'}
MAX_QUERY_WORDS = 12
MAX_LIMIT = 200


def text_query(text):
    """A safe hypatia text query from any user input, or None.

    Only word characters survive (after Romanian folding), the parser's
    operators are dropped, and the last word matches as a prefix, so a query
    of any content (quotes, HTML, SQL, 10,000 characters) parses.
    """
    if not text:
        return None
    words = [w for w in _WORD.findall(fold(text[:2000]))
             if w not in _OPERATORS and not w.startswith('_')]
    words = words[:MAX_QUERY_WORDS]
    if not words:
        return None
    if len(words[-1]) >= 2:
        words[-1] = words[-1] + '*'
    return ' '.join(words)


def user_principals(request):
    """Context-free principals for the allowed index (global roles only)."""
    identity = request.identity
    principals = [Everyone]
    if identity is not None and identity.active:
        principals += [Authenticated, user_principal(identity.userid)]
        principals += [role(r) for r in identity_roles(identity)]
    return principals


@dataclass
class Results:
    total: int
    items: list = field(default_factory=list)
    offset: int = 0
    limit: int = 50


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


def search(request, context=None, text=None, sort='title', reverse=False,
           offset=0, limit=50, permission=VIEW, **criteria):
    """Query the catalog as the current user; return a page of resources.

    ``context`` is any resource of the tree (the root is found from it);
    criteria are index names with values (see :func:`build_query`).
    """
    context = context if context is not None else request.root
    root = find_root(context)
    catalog = root.catalog
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    parts = build_query(catalog, criteria)
    parts.append(Any(catalog['allowed'], user_principals(request)))
    tq = text_query(text)
    if tq:
        parts.append(Contains(catalog['text'], tq))
    elif text and text.strip():
        return Results(0, [], offset, limit)   # only operators or symbols
    query = parts[0]
    for part in parts[1:]:
        query = query & part
    try:
        resultset = query.execute(resolver=catalog.resolver(root))
    except ParseError:
        return Results(0, [], offset, limit)
    total = len(resultset)
    if not total or offset >= total:
        return Results(total, [], offset, limit)
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
    return Results(total, items, offset, limit)


def path_of(resource):
    return resource_path(resource)
