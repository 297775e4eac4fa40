"""Where the listing's time goes: component micro-timings (CPU µs, in-process).

    .venv/bin/python bench/breakdown.py

Not a target check (bench_inprocess.py is); this names the costs of the
100,000-child listing and of the pieces its template repeats 50 times, and
measures sketches of fixes, none of which is the application's code:

- paging that does not depend on the folder's size: a sparse index of
  segment counts (``SegmentIndex``, built in memory here by one walk; in the
  application it would be persistent and kept by add()/remove());
- the listing with each row's URL and dates computed once in the view
  (@@bench-contents-sketch, bench/templates/contents_sketch.pt), and with
  the rows rendered to one string in Python (@@bench-contents-sketch2).
"""
import os
import sys
import time
from itertools import islice
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
from bench_inprocess import call, make_environ  # noqa: E402

DEEP = (common.DEEP_PAGE - 1) * common.PER_PAGE


def cpu_us(fn, n=200, repeat=7):
    """Median CPU µs per call of ``fn`` over ``repeat`` runs of ``n`` calls."""
    fn()
    out = []
    for _ in range(repeat):
        t = time.process_time()
        for _ in range(n):
            fn()
        out.append((time.process_time() - t) / n * 1e6)
    out.sort()
    return out[len(out) // 2]


def row(label, us, note=''):
    print('  %-52s %8.1f us  %s' % (label, us, note))


class SegmentIndex:
    """Sketch: every ~K names, a boundary name and the count of names from it
    to the next boundary. Seeking to offset i sums counts (n/K numbers), then
    skips fewer than 2K keys from a boundary with ``keys(min=...)``. In the
    application it would be a persistent OOBTree (boundary -> count) kept by
    add()/remove(); here it is built once by walking the tree."""

    def __init__(self, tree, k=500):
        self.tree = tree
        self.bounds, self.counts = [], []
        for i, key in enumerate(tree.keys()):
            if i % k == 0:
                self.bounds.append(key)
                self.counts.append(0)
            self.counts[-1] += 1

    def names_from(self, offset, limit):
        acc = 0
        for bound, count in zip(self.bounds, self.counts):
            if acc + count > offset:
                return list(islice(self.tree.keys(min=bound), offset - acc,
                                   offset - acc + limit))
            acc += count
        return []


def add_sketch_view(app, index):
    """Register two sketches of a cheaper listing on folders, both paging with
    the segment-count index:

    @@bench-contents-sketch   row values (URL, dates) precomputed in the view
    @@bench-contents-sketch2  the rows rendered to one HTML string in Python
    """
    from html import escape
    from pyramid.config import Configurator
    from pyramid.traversal import quote_path_segment

    from cityportal.content.views import COLUMNS, PER_PAGE, addable_types
    from cityportal.interfaces import IFolder
    from cityportal.layout.pager import Pager
    from cityportal.security import DELETE, EDIT, VIEW

    def sketch(context, request, rows_html=False):
        pager = Pager(request, len(context), PER_PAGE)
        data = context._data
        rows = []
        base = request.resource_url(context)
        for name in index.names_from(pager.offset, PER_PAGE):
            item = data[name]
            m = getattr(item, 'modified', None)
            rows.append((
                base + quote_path_segment(name) + '/', name, item.title,
                m.isoformat() if m else None,
                '%02d.%02d.%04d %02d:%02d' % (m.day, m.month, m.year, m.hour, m.minute)
                if m else None,
                item.type_title))
        html = None
        if rows_html:
            translate = request.localizer.translate
            html = ''.join(
                '<tr><td><a href="%s">%s</a></td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
                    escape(url), escape(name), escape(title or ''),
                    '<time datetime="%s">%s</time>' % (iso, shown) if iso else '',
                    escape(translate(tt)) if tt else '')
                for url, name, title, iso, shown, tt in rows)
        return {
            'rows': rows, 'rows_html': html, 'base': base, 'pager': pager, 'columns': COLUMNS,
            'sort': 'name', 'reverse': False,
            'addable': addable_types(context, request),
            'can_delete': request.has_permission(DELETE, context),
            'can_edit': context.schema is not None and request.has_permission(EDIT, context),
        }

    config = Configurator(registry=app.registry)
    renderer = os.path.join(common.TEMPLATES_DIR, 'contents_sketch.pt')
    config.add_view(sketch, context=IFolder, name='bench-contents-sketch', permission=VIEW,
                    renderer=renderer)
    config.add_view(lambda context, request: sketch(context, request, rows_html=True),
                    context=IFolder, name='bench-contents-sketch2', permission=VIEW,
                    renderer=renderer)
    config.commit()


def _normalise(body, own_path):
    import re
    text = body.decode('utf-8').replace(own_path, '')
    text = text.replace(quote(own_path, safe=''), '')
    return re.sub(r'\s+', ' ', re.sub(r'>\s+<', '><', text))


def compare_sketch(app, runs):
    """Whole requests: the listing as it is against the sketches of a fix."""
    from bench_inprocess import call, check, measure
    path = '/%s/' % common.LISTING_NAME
    deep = 'page=%d' % common.DEEP_PAGE
    zmin = common.make_zodb_minimal_app()
    common.add_breakdown_views(app)
    pages = [('zodb minimal', zmin, '/', ''),
             ('portal plain', app, '/@@bench-plain', ''),
             ('portal master', app, '/@@bench-master', ''),
             ('listing p1', app, path, ''), ('listing p500', app, path, deep)]
    same = []
    for view in ('@@bench-contents-sketch', '@@bench-contents-sketch2'):
        label = 'sketch' if view.endswith('sketch') else 'sketch2'
        for name, qs, n in (('p1', '', 50), ('p500', deep, common.DEEP_PAGE * common.PER_PAGE)):
            check(app, label + ' ' + name, path + view, qs, 'Cerere %06d' % n)
            pages.append(('%s %s' % (label, name), app, path + view, qs))
            same.append(_normalise(call(app, path, qs)[1], '') ==
                        _normalise(call(app, path + view, qs)[1], view))
    res = measure(pages, runs, 0.3, warmup=50)
    ref = res['zodb minimal']['median']
    print('\nwhole requests, CPU us, median of %d runs (x zmin: in units of the minimal '
          'Pyramid+ZODB view; target: listing <= %.2fx)' % (runs, 800 / 155))
    for label, *_ in pages:
        r = res[label]
        print('  %-14s %7.0f us  %5.2fx zmin' % (label, r['median'], r['median'] / ref))
    print('  (sketch pages render the same HTML as the real page, whitespace aside: %s)'
          % all(same))


def main():
    from pyramid.interfaces import IRootFactory
    from pyramid.renderers import render
    from pyramid.request import Request, apply_request_extensions
    from pyramid.threadlocal import manager

    from cityportal.content.views import contents

    common.ensure_data()
    app = common.make_portal_app()
    registry = app.registry
    db = registry._zodb_databases['']
    print('cityportal listing breakdown, %s, %d CPUs, load %.1f' % (
        time.strftime('%Y-%m-%d %H:%M'), os.cpu_count(), os.getloadavg()[0]))

    for _ in range(50):
        call(app, '/%s/' % common.LISTING_NAME, '')
        call(app, '/%s/' % common.LISTING_NAME, 'page=%d' % common.DEEP_PAGE)

    # a request as the router builds it, to call the view and the template
    request = Request(make_environ('/%s/' % common.LISTING_NAME, ''))
    request.registry = registry
    apply_request_extensions(request)
    manager.push({'request': request, 'registry': registry})
    request.tm.begin()
    root = registry.getUtility(IRootFactory)(request)
    folder = root[common.LISTING_NAME]
    request.root = request.virtual_root = root
    request.context = folder
    request.view_name, request.subpath = '', ()
    request.traversed, request.virtual_root_path = (common.LISTING_NAME,), ()
    tree = folder._data
    items = [child for name, child in folder.page(0, common.PER_PAGE)]

    print('\nwhole request (for scale)')
    row('GET /bench-listing/', cpu_us(lambda: call(app, '/bench-listing/', ''), n=50))
    row('GET /bench-listing/?page=500', cpu_us(
        lambda: call(app, '/bench-listing/', 'page=500'), n=50))

    print('\nthe view and the template')
    row('contents(context, request) (the view function)', cpu_us(
        lambda: contents(folder, request)))
    value = contents(folder, request)
    value.update(context=folder, request=request)

    def render_contents():
        request.__dict__.pop('layout', None)
        return render('cityportal:content/templates/contents.pt', dict(value),
                      request=request)
    row('render contents.pt with its 50 rows (and the master)', cpu_us(render_contents, n=50))

    print('\nfolder paging (warm cache), %d children, %d buckets' % (
        len(folder), sum(1 for _ in _buckets(tree))))
    row('Folder.page(0, 50)', cpu_us(lambda: folder.page(0, 50)))
    row('Folder.page(%d, 50)  (page 500)' % DEEP, cpu_us(lambda: folder.page(DEEP, 50)))
    row('  of which len(tree.keys()): BTreeItems walks all buckets',
        cpu_us(lambda: len(tree.keys())), '(done by keys()[i] on every call)')
    row('  tree.keys()[0]', cpu_us(lambda: tree.keys()[0]))
    row('islice(tree.keys(), offset, +50), page 1', cpu_us(
        lambda: list(islice(tree.keys(), 0, 50))))
    row('islice(tree.keys(), offset, +50), page 500', cpu_us(
        lambda: list(islice(tree.keys(), DEEP, DEEP + 50))), '(O(offset))')
    seg = SegmentIndex(tree)
    row('sketch: segment-count index, page 1', cpu_us(lambda: seg.names_from(0, 50)))
    row('sketch: segment-count index, page 500', cpu_us(lambda: seg.names_from(DEEP, 50)))
    row('sketch: segment-count index, page 2000', cpu_us(
        lambda: seg.names_from(len(folder) - 50, 50)))
    assert seg.names_from(DEEP, 50) == folder._names_from(DEEP, 50)

    print('\nfolder paging, cold cache (object loads from the storage)')
    conn = request._primary_zodb_conn
    for label, fn in (('Folder.page(0, 50)', lambda: folder.page(0, 50)),
                      ('Folder.page(%d, 50)' % DEEP, lambda: folder.page(DEEP, 50)),
                      ('sketch: segment-count index, page 500',
                       lambda: seg.names_from(DEEP, 50))):
        conn.cacheMinimize()
        loads0 = conn.getTransferCounts()[0]
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        loads = conn.getTransferCounts()[0] - loads0
        print('  %-52s %8.0f us  %5d loads (wall %.0f us)' % (label, cpu * 1e6, loads,
                                                                 wall * 1e6))
    folder.page(0, 50)
    folder.page(DEEP, 50)

    print('\nper row, x50 on a listing page')
    child = items[0]
    row('request.resource_url(item)', cpu_us(lambda: request.resource_url(child), n=2000))
    base = request.resource_url(folder)
    row("base + quote(name, safe='') + '/' (base computed once)", cpu_us(
        lambda: base + quote(child.__name__, safe='') + '/', n=2000))
    m = child.modified
    row("modified.strftime('%d.%m.%Y %H:%M')", cpu_us(
        lambda: m.strftime('%d.%m.%Y %H:%M'), n=5000))
    row("'%02d.%02d.%04d %02d:%02d' % (d.day, ...)", cpu_us(
        lambda: '%02d.%02d.%04d %02d:%02d' % (m.day, m.month, m.year, m.hour, m.minute),
        n=5000))
    row('modified.isoformat()', cpu_us(lambda: m.isoformat(), n=5000))
    row("request.has_permission('view', folder)", cpu_us(
        lambda: request.has_permission('view', folder), n=2000))
    print('  (stored times are UTC, tzinfo=%s: the listing shows UTC, not Romanian time)'
          % (m.tzinfo or 'naive'))

    print('\npieces of the master template and the home page (each once per page)')
    from pyramid.i18n import get_localizer
    from cityportal.i18n import _
    from cityportal.layout.api import LayoutAPI
    localizer = get_localizer(request)
    msg = _('Sari la conținut')
    row('translate one static string (localizer.translate)', cpu_us(
        lambda: localizer.translate(msg), n=5000),
        '(master+home: ~%d i18n:translate/attributes)' % _count_i18n())
    from pyramid_chameleon.interfaces import IChameleonTranslate
    ctranslate = registry.getUtility(IChameleonTranslate)
    row("the same through Chameleon's translate (ChameleonTranslate)", cpu_us(
        lambda: ctranslate('Sari la conținut', domain='cityportal', default=None),
        n=5000))
    row('layout.static(path) (request.static_path)', cpu_us(
        lambda: LayoutAPI(request).static('portal.css'), n=2000))
    row('layout.lang_url(code)', cpu_us(lambda: LayoutAPI(request).lang_url('en'), n=2000))
    row('layout.navigation (anonymous)', cpu_us(lambda: LayoutAPI(request).navigation, n=2000))
    row('layout.breadcrumbs (/bench-listing/)', cpu_us(
        lambda: LayoutAPI(request).breadcrumbs, n=2000))
    row('request.resource_url(root)', cpu_us(lambda: request.resource_url(root), n=2000))

    request.tm.abort()
    manager.pop()

    # the index holds keys read through this script's connection; the sketch
    # views read the items through the request's own connection
    add_sketch_view(app, seg)
    compare_sketch(app, runs=5)
    return 0


def _count_i18n():
    import re
    here = os.path.join(common.PROJECT_DIR, 'src', 'cityportal', 'layout', 'templates')
    n = 0
    for name in ('master.pt', 'home.pt'):
        with open(os.path.join(here, name), encoding='utf-8') as f:
            n += len(re.findall(r'i18n:(?:translate|attributes)=', f.read()))
    return n


def _buckets(tree):
    state = tree.__getstate__()
    bucket = state[1] if state and len(state) > 1 else None
    while bucket is not None:
        yield bucket
        s = bucket.__getstate__()
        bucket = s[1] if len(s) > 1 else None


if __name__ == '__main__':
    sys.exit(main())
