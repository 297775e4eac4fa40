"""cityportal-seed: build the site tree and evolve it; with --demo, add the demo data.

Idempotent. Demo data holds staff accounts whose passwords are public (README),
so it is opt-in and refused on a configuration with secure cookies (production).
"""
import sys

from pyramid.settings import asbool

from .. import demo, evolve
from ..root import bootstrap
from .common import open_env, parser


def main(argv=None):
    p = parser(__doc__)
    group = p.add_mutually_exclusive_group()
    group.add_argument('--demo', action='store_true',
                       help='add demo departments, services and staff accounts '
                            '(public passwords: never in production)')
    group.add_argument('--no-demo', action='store_true',
                       help='only build the tree and evolve (the default)')
    p.add_argument('--catalog', action='store_true',
                   help='import the service catalog from schemas/services/ '
                        '(instead of the few demo services)')
    args = p.parse_args(argv)
    env = open_env(args.config_uri)
    if args.demo and asbool(env['registry'].settings.get('cityportal.secure_cookies')):
        env['closer']()
        print('refusing --demo: this configuration is a production one '
              '(cityportal.secure_cookies = true)', file=sys.stderr)
        return 2
    tm = env['request'].tm
    try:
        from pyramid_zodbconn import get_connection
        conn = get_connection(env['request'])
        root = bootstrap(conn.root(), env['registry'])
        tm.commit()
        tm.begin()
        applied = evolve.evolve(root, env['registry'], commit=True, tm=tm)
        created = demo.seed(root, env['registry'], services=not args.catalog) \
            if args.demo else {}
        if args.catalog:
            from ..services.definitions import load_directory
            from ..services.importer import import_catalog
            catalog = load_directory()
            for problem in catalog.problems:
                print(problem)
            summary = import_catalog(root, catalog, env['registry'])
            print('catalog: %s' % summary.line())
        tm.commit()
        print('site ready (generation %d%s); created: %s' % (
            root.generation, ', evolved %s' % applied if applied else '',
            ', '.join('%s %d' % kv for kv in created.items()) or 'nothing'))
        return 0
    finally:
        env['closer']()
