"""Serve one of the benchmark apps with waitress on 127.0.0.1 (bench_http.py starts it).

    .venv/bin/python bench/serve.py portal|bare|zodb-minimal --port N [--threads 4]

``portal`` is cityportal on bench/out/Data.fs (settings of etc/development.ini,
reload_templates off); ``bare`` is Pyramid's hello world; ``zodb-minimal`` is
the minimal Pyramid + ZODB view with a one-line template. All three get the
same waitress settings.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('app', choices=('portal', 'bare', 'zodb-minimal'))
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--threads', type=int, default=4)
    p.add_argument('--reload-templates', action='store_true')
    p.add_argument('--no-page-cache', action='store_true',
                   help='portal: render every page (the anonymous page cache off)')
    args = p.parse_args(argv)
    if args.app == 'portal':
        app = common.make_portal_app(args.reload_templates)
        if args.no_page_cache:
            app.registry.cityportal_page_cache.enabled = False
    elif args.app == 'bare':
        app = common.make_bare_app()
    else:
        app = common.make_zodb_minimal_app()
    import waitress
    # only ever on the loopback interface
    waitress.serve(app, host='127.0.0.1', port=args.port, threads=args.threads,
                   ident='bench', _quiet=True)


if __name__ == '__main__':
    main()
