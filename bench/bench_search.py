"""Service search: CPU time of the catalog query plus ranking, 1,000 varied queries.

    .venv/bin/python bench/bench_search.py [--queries 1000] [--seed 3] [--rounds 3]
                                           [--warmup 1] [--list] [--strict]

Builds (or reuses) bench/out/Data.fs with the full service catalog
(common.ensure_data), makes the portal app on it and generates ``--queries``
queries deterministically (``random.Random(--seed)``) from the catalog itself
(the services stored in the bench site): single words and 2-3 word phrases
of service titles, keywords and document names, whole keywords, the same
with diacritics dropped, with the old cedilla letters (ş ţ), misspelled (two
letters swapped or one dropped), inflected (plural, article, genitive:
"sesizare" / "sesizări"), in other letter cases, some nonsense (symbols,
markup, operators, random letters), some very long (cut to 200 characters
as the view does) and some with a category and/or department filter (a few
of them with an empty query: the search page as a filtered listing).

Each query runs through ``cityportal.catalog.query.search(...)`` exactly as
the view ``services.views.service_search`` calls it: ``q[:200]``,
content_type='Service', path of /servicii, the category's path as ``parent``
and the department when chosen, sort='relevance' (or 'title' for an empty
query), offset 0, limit 20, facets=('parent', 'department'), with a real
anonymous request (``pyramid.scripting.prepare`` on the app's registry: the
real security policy, session factory, root factory and ZODB connection; a
fresh request per query, made outside the timed section).

Method: ``--warmup`` passes over every query, then ``--rounds`` rounds over
all queries, each round in a different shuffled order. For every query and
round, ``time.process_time()`` (CPU) and ``time.perf_counter()`` (wall) around
the ``search()`` call. The figure of a query is the median of its rounds;
p50/p90/p99/max are taken over the queries. The target (service catalog
issue): p99 <= 10 ms CPU in-process. The single-sample distribution (every
round of every query) is printed too.

``suggest()`` (the view's "did you mean", called only when a non-empty query
finds nothing) is timed separately over the zero-result queries, and the
view's total for them (search + suggest) is printed too.

--list    print the generated queries (kind, query, filters) and exit.
--strict  exit with status 1 when the target is not met.
"""
import argparse
import gc
import os
import random
import re
import statistics
import sys
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402

P99_TARGET_MS = 10.0
SEARCH_PAGE = 20          # cityportal.services.views.SEARCH_PAGE
MAX_Q = 200               # the view keeps q[:200]

#: how many queries of each kind, per 1,000
MIX = (
    ('word', 190),         # one word of a title, keyword or document name
    ('phrase', 190),       # 2-3 consecutive words of one of them
    ('keyword', 80),       # a whole keyword as written
    ('folded', 100),       # a word or phrase without diacritics
    ('cedilla', 60),       # ş ţ instead of ș ț
    ('misspelled', 100),   # two letters swapped or one dropped
    ('inflected', 100),    # another form of a word: plural, article, genitive
    ('case', 20),          # UPPER CASE or Title Case
    ('nonsense', 50),      # symbols, markup, operators, random letters
    ('long', 40),          # many words (cut to 200 characters by the view)
    ('facet', 70),         # a word or phrase with a category and/or department filter
)

_TOKEN = re.compile(r'\w+', re.UNICODE)
CEDILLA = str.maketrans({'ș': 'ş', 'ț': 'ţ', 'Ș': 'Ş', 'Ț': 'Ţ'})
#: pairs the issue names, always in the mix (as 'inflected')
FIXED_INFLECTED = ('sesizare', 'sesizări', 'sesizari', 'certificate', 'certificatului',
                   'autorizații', 'autorizatia', 'impozitul', 'taxele', 'căsătorii')
NONSENSE_FIXED = (
    'xqzvw', 'asdf qwerty', '%%%', '"', '*', '()', 'and or not', 'AND', 'NOT not',
    '<script>alert(1)</script>', "' OR 1=1 --", '1=1; DROP TABLE servicii', '12345',
    '0256 408 300', 'a', 'ab', '___', '-- --', '“certificat”', '?', 'ș', 'ăâîșț',
    'http://example.com/?q=1', '../../etc/passwd', '\\x00', 'é è ê ñ ü', 'Ωμέγα',
    'кириллица', '漢字', '🙂', '     ',
)


def strip_diacritics(text):
    decomposed = unicodedata.normalize('NFKD', text)
    return unicodedata.normalize(
        'NFC', ''.join(c for c in decomposed if not unicodedata.combining(c)))


def misspell(word, rng):
    """``word`` with two adjacent letters swapped or one letter dropped."""
    if len(word) < 4:
        return word + word[-1]
    for _ in range(10):
        i = rng.randrange(1, len(word) - 1)
        if rng.random() < 0.5:
            out = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        else:
            out = word[:i] + word[i + 1:]
        if out != word:
            return out
    return word[:-1]


def inflect(word, rng):
    """Another Romanian form of ``word`` (roughly: plural, article, genitive)."""
    low = word.lower()
    if low.endswith('are'):
        options = [word[:-3] + 'ări', word[:-3] + 'ările', word[:-3] + 'ării', word + 'a']
    elif low.endswith('ire'):
        options = [word[:-3] + 'iri', word[:-3] + 'irea', word[:-3] + 'irii']
    elif low.endswith(('ție', 'ţie', 'tie', 'sie', 'zie')):
        options = [word[:-1] + 'i', word[:-1] + 'a', word[:-1] + 'ile']
    elif low.endswith('ă'):
        options = [word[:-1] + 'e', word[:-1] + 'a', word[:-1] + 'ei']
    elif low.endswith('ul'):
        options = [word[:-2], word[:-2] + 'e', word + 'ui']
    elif low.endswith('e'):
        options = [word[:-1] + 'i', word + 'le', word[:-1] + 'ilor']
    elif low[-1:] in 'bcdfghjklmnprstvzșțş':
        options = [word + 'e', word + 'ul', word + 'ului', word + 'uri', word + 'i']
    else:
        options = [word + 'le', word + 'lor']
    return rng.choice(options)


class Source:
    """Words and phrases of the stored catalog, in a fixed order."""

    def __init__(self, root):
        from cityportal.interfaces import IService
        self.texts = []          # titles, keywords and document names
        self.keywords = []
        self.categories = []     # category ids
        self.departments = sorted(root['departamente'].keys())
        self.services = []       # (category id, department id, [texts])
        for cat_name in sorted(root['servicii'].keys()):
            category = root['servicii'][cat_name]
            self.categories.append(cat_name)
            for name in sorted(category.keys()):
                service = category[name]
                if not IService.providedBy(service):
                    continue
                texts = [service.title] + list(service.keywords or ())
                texts += [d.get('name', '') for d in service.documents or ()]
                texts = [t for t in texts if t and _TOKEN.search(t)]
                self.texts.extend(texts)
                self.keywords.extend(k for k in service.keywords or () if k)
                self.services.append((cat_name, service.department, texts))
        self.words = sorted({w for t in self.texts for w in _TOKEN.findall(t)
                             if len(w) >= 3 and not w.isdigit()})

    def word(self, rng, min_len=3):
        while True:
            w = rng.choice(self.words)
            if len(w) >= min_len:
                return w

    def phrase(self, rng, text=None):
        tokens = _TOKEN.findall(text or rng.choice(self.texts))
        if len(tokens) < 2:
            return ' '.join(tokens) or self.word(rng)
        n = min(len(tokens), rng.choice((2, 2, 3)))
        i = rng.randrange(0, len(tokens) - n + 1)
        return ' '.join(tokens[i:i + n])

    def word_or_phrase(self, rng):
        return self.word(rng) if rng.random() < 0.5 else self.phrase(rng)


def _case(text, rng):
    return text.upper() if rng.random() < 0.5 else text.title()


def make_query(kind, src, rng):
    """(query text, category id or '', department id or '')."""
    cat = dep = ''
    if kind == 'word':
        q = src.word(rng)
        if rng.random() < 0.6:
            q = q.lower()
    elif kind == 'phrase':
        q = src.phrase(rng)
        if rng.random() < 0.6:
            q = q.lower()
    elif kind == 'keyword':
        q = rng.choice(src.keywords)
    elif kind == 'folded':
        q = strip_diacritics(src.word_or_phrase(rng)).lower()
    elif kind == 'cedilla':
        while True:
            q = src.word_or_phrase(rng)
            if any(c in q for c in 'șțȘȚ'):
                break
        q = q.translate(CEDILLA)
    elif kind == 'misspelled':
        words = src.phrase(rng).split() if rng.random() < 0.4 else [src.word(rng, 5)]
        i = max(range(len(words)), key=lambda j: len(words[j]))
        words[i] = misspell(words[i], rng)
        q = ' '.join(words).lower()
    elif kind == 'inflected':
        q = inflect(src.word(rng, 5).lower(), rng)
        if rng.random() < 0.3:
            q = strip_diacritics(q)
    elif kind == 'case':
        q = _case(src.word_or_phrase(rng), rng)
    elif kind == 'nonsense':
        if rng.random() < 0.5:
            q = rng.choice(NONSENSE_FIXED)
        else:
            letters = 'bcdfghjklmnpqrstvwxzaeiouy'
            q = ' '.join(''.join(rng.choice(letters) for _ in range(rng.randint(3, 12)))
                         for _ in range(rng.randint(1, 4)))
    elif kind == 'long':
        parts = []
        target = rng.choice((150, 250, 600, 3000, 10000))
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(rng.choice(src.texts))
        q = ' '.join(parts)[:target]
    elif kind == 'facet':
        cat_name, dep_name, texts = rng.choice(src.services)
        r = rng.random()
        if r < 0.45:
            cat = cat_name
        elif r < 0.75:
            dep = dep_name
        elif r < 0.9:
            cat, dep = cat_name, dep_name
        else:                        # a filter that matches little or nothing
            cat, dep = rng.choice(src.categories), rng.choice(src.departments)
        r = rng.random()
        if r < 0.1:
            q = ''                   # a filtered listing: sorted by title
        elif r < 0.6:
            q = src.phrase(rng, rng.choice(texts)).lower()
        else:
            q = src.word(rng).lower()
    else:
        raise ValueError(kind)
    return q, cat, dep


def make_queries(src, n=1000, seed=3):
    """``n`` queries (dicts), deterministic for a given catalog and seed."""
    rng = random.Random(seed)
    total = sum(count for _, count in MIX)
    out, seen = [], set()
    for kind, count in MIX:
        want = round(count * n / total)
        fixed = list(FIXED_INFLECTED) if kind == 'inflected' else []
        made = 0
        while made < want:
            if fixed:
                q, cat, dep = fixed.pop(0), '', ''
            else:
                for _attempt in range(20):
                    q, cat, dep = make_query(kind, src, rng)
                    if (q, cat, dep) not in seen:
                        break
            seen.add((q, cat, dep))
            out.append({'kind': kind, 'q': q, 'categorie': cat, 'departament': dep})
            made += 1
    while len(out) < n:          # rounding of the mix for n != 1000
        q, cat, dep = make_query('word', src, rng)
        out.append({'kind': 'word', 'q': q, 'categorie': cat, 'departament': dep})
    return out[:n]


class Searcher:
    """Runs queries as services.views.service_search does, with a real request."""

    def __init__(self, app):
        self.registry = app.registry

    def _request(self):
        from pyramid.request import Request
        from pyramid.scripting import prepare
        request = Request.blank(common.SEARCH_PATH, base_url='http://127.0.0.1:6543')
        env = prepare(request=request, registry=self.registry)
        request.tm.begin()
        root = env['root']
        request.root = root
        context = request.context = root['servicii']
        return request, root, context, env['closer']

    def run(self, query, with_suggest=False):
        """{'cpu', 'wall', 'total', 'items', 'suggest_cpu', 'suggest_wall', 'suggestion'}"""
        from pyramid.traversal import resource_path
        from cityportal.catalog.query import search, suggest
        request, root, context, closer = self._request()
        try:
            # the view's own parameter handling
            q = query['q'][:MAX_Q]
            categoria, departament = query['categorie'][:80], query['departament'][:80]
            criteria = {'content_type': 'Service', 'path': resource_path(context)}
            if categoria in context:
                criteria['parent'] = resource_path(context[categoria])
            if departament in root['departamente']:
                criteria['department'] = departament
            sort = 'relevance' if q.strip() else 'title'
            c0, w0 = time.process_time(), time.perf_counter()
            results = search(request, context, text=q or None, sort=sort,
                             offset=0, limit=SEARCH_PAGE,
                             facets=('parent', 'department'), **criteria)
            w1, c1 = time.perf_counter(), time.process_time()
            out = {'cpu': (c1 - c0) * 1e3, 'wall': (w1 - w0) * 1e3,
                   'total': results.total, 'items': len(results.items)}
            if with_suggest and q.strip() and not results.total:
                c0, w0 = time.process_time(), time.perf_counter()
                suggestion = suggest(context, q)
                w1, c1 = time.perf_counter(), time.process_time()
                out.update(suggest_cpu=(c1 - c0) * 1e3, suggest_wall=(w1 - w0) * 1e3,
                           suggestion=suggestion)
            return out
        finally:
            request.tm.abort()
            closer()


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def dist(values):
    return {'n': len(values), 'p50': percentile(values, 50), 'p90': percentile(values, 90),
            'p99': percentile(values, 99), 'max': max(values), 'mean': statistics.fmean(values)}


def fmt_dist(d):
    return '%5d  %7.2f %7.2f %7.2f %7.2f %7.2f' % (
        d['n'], d['p50'], d['p90'], d['p99'], d['max'], d['mean'])


def show(query, width=70):
    q = query['q'].replace('\n', ' ')
    text = repr(q if len(q) <= width else q[:width - 1] + '…')
    if len(query['q']) > width:
        text += ' (%d chars)' % len(query['q'])
    filters = []
    if query['categorie']:
        filters.append('categorie=%s' % query['categorie'])
    if query['departament']:
        filters.append('departament=%s' % query['departament'])
    return text + ('  [%s]' % ', '.join(filters) if filters else '')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--queries', type=int, default=1000)
    p.add_argument('--seed', type=int, default=3)
    p.add_argument('--rounds', type=int, default=3,
                   help='measured passes over all queries (3); a query\'s figure is '
                        'the median of its rounds')
    p.add_argument('--warmup', type=int, default=1, help='passes before measuring (1)')
    p.add_argument('--list', action='store_true', help='print the queries and exit')
    p.add_argument('--strict', action='store_true',
                   help='exit with status 1 when the target is not met')
    args = p.parse_args(argv)

    common.ensure_data()
    app = common.make_portal_app()
    searcher = Searcher(app)
    request, root, context, closer = searcher._request()
    try:
        src = Source(root)
        n_services = len(src.services)
        n_docs = len(root.catalog)
        lexicon_words = len(list(root.catalog['text'].lexicon.words()))
    finally:
        request.tm.abort()
        closer()
    queries = make_queries(src, args.queries, args.seed)
    if args.list:
        for i, query in enumerate(queries):
            print('%4d %-10s %s' % (i, query['kind'], show(query, 120)))
        return 0

    print('cityportal search benchmark, %s, Python %s, %d CPUs, load %.1f' % (
        time.strftime('%Y-%m-%d %H:%M'), sys.version.split()[0], os.cpu_count(),
        os.getloadavg()[0]))
    print('catalog: %d services (%d catalogued documents, %d words in the text lexicon); '
          '%d queries (seed %d); %d warm-up pass(es), %d measured round(s)' % (
              n_services, n_docs, lexicon_words, len(queries), args.seed, args.warmup,
              args.rounds))
    print('each query: catalog.query.search() as services.views.service_search calls it '
          '(limit %d, facets parent+department), anonymous request' % SEARCH_PAGE)

    for _ in range(args.warmup):
        for query in queries:
            searcher.run(query, with_suggest=True)

    order = list(range(len(queries)))
    shuffle = random.Random(args.seed + 1)
    cpu = [[] for _ in queries]
    wall = [[] for _ in queries]
    facts = [None] * len(queries)
    t0 = time.perf_counter()
    for rnd in range(args.rounds):
        shuffle.shuffle(order)
        gc.collect()
        for i in order:
            r = searcher.run(queries[i], with_suggest=(rnd == 0))
            cpu[i].append(r['cpu'])
            wall[i].append(r['wall'])
            if rnd == 0:
                facts[i] = r
        common.log('  round %d done (%.0f s)' % (rnd + 1, time.perf_counter() - t0))

    per_cpu = [statistics.median(c) for c in cpu]
    per_wall = [statistics.median(w) for w in wall]
    all_cpu = [x for c in cpu for x in c]
    all_wall = [x for w in wall for x in w]

    print()
    print('search() per query, ms            n      p50     p90     p99     max    mean')
    print('CPU  (median of rounds)       %s' % fmt_dist(dist(per_cpu)))
    print('wall (median of rounds)       %s' % fmt_dist(dist(per_wall)))
    print('CPU  (every sample)           %s' % fmt_dist(dist(all_cpu)))
    print('wall (every sample)           %s' % fmt_dist(dist(all_wall)))
    p99 = dist(per_cpu)['p99']
    ok = p99 <= P99_TARGET_MS
    print()
    print('target: p99 <= %.0f ms CPU in-process: p99 = %.2f ms: %s' % (
        P99_TARGET_MS, p99, 'PASS' if ok else 'FAIL'))

    print()
    print('by kind (CPU ms, median of rounds)   n      p50     p90     p99     max    mean'
          '   zero results')
    kinds = [k for k, _ in MIX]
    for kind in kinds:
        idx = [i for i, q in enumerate(queries) if q['kind'] == kind]
        if not idx:
            continue
        zero = sum(1 for i in idx if facts[i]['total'] == 0)
        print('  %-30s %s   %d' % (kind, fmt_dist(dist([per_cpu[i] for i in idx])), zero))
    totals = [f['total'] for f in facts]
    print('results per query: zero %d, 1-20 %d, 21-100 %d, >100 %d (max %d)' % (
        sum(1 for t in totals if t == 0), sum(1 for t in totals if 1 <= t <= 20),
        sum(1 for t in totals if 21 <= t <= 100), sum(1 for t in totals if t > 100),
        max(totals)))

    print()
    print('slowest 10 queries (CPU ms, median of rounds; results found):')
    for i in sorted(range(len(queries)), key=lambda i: -per_cpu[i])[:10]:
        print('  %7.2f ms  %5d  %-10s %s' % (per_cpu[i], facts[i]['total'],
                                             queries[i]['kind'], show(queries[i])))

    sugg = [i for i, f in enumerate(facts) if 'suggest_cpu' in f]
    print()
    if sugg:
        s_cpu = [facts[i]['suggest_cpu'] for i in sugg]
        s_wall = [facts[i]['suggest_wall'] for i in sugg]
        view = [per_cpu[i] + facts[i]['suggest_cpu'] for i in sugg]
        found = sum(1 for i in sugg if facts[i]['suggestion'])
        print('suggest() ("did you mean"), on the %d non-empty zero-result queries, one sample '
              'each (first round), ms:' % len(sugg))
        print('                                  n      p50     p90     p99     max    mean')
        print('suggest() CPU                 %s' % fmt_dist(dist(s_cpu)))
        print('suggest() wall                %s' % fmt_dist(dist(s_wall)))
        print('search()+suggest() CPU        %s   (what the view spends on them)'
              % fmt_dist(dist(view)))
        print('a suggestion was found for %d of them; slowest 5:' % found)
        for i in sorted(sugg, key=lambda i: -facts[i]['suggest_cpu'])[:5]:
            print('  %7.2f ms  %-10s %s -> %r' % (
                facts[i]['suggest_cpu'], queries[i]['kind'], show(queries[i], 50),
                facts[i]['suggestion']))
        # every query as the view handles it (search, plus suggest when nothing found)
        view_all = [per_cpu[i] + facts[i].get('suggest_cpu', 0.0)
                    for i in range(len(queries))]
        d = dist(view_all)
        print('all %d queries, search() + suggest() when the view calls it, CPU ms: '
              'p50 %.2f, p90 %.2f, p99 %.2f, max %.2f' % (
                  len(queries), d['p50'], d['p90'], d['p99'], d['max']))
    else:
        print('suggest(): no non-empty query found nothing')
    print()
    print('target %s' % ('met' if ok else 'not met'))
    return 1 if not ok and args.strict else 0


if __name__ == '__main__':
    sys.exit(main())
