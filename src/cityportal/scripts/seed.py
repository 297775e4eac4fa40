"""cityportal-seed: bootstrap the site and add the demo data (idempotent)."""
from .. import demo, evolve
from ..root import bootstrap
from .common import open_env, parser


def main(argv=None):
    p = parser(__doc__)
    p.add_argument('--no-demo', action='store_true',
                   help='only build the tree and evolve; no demo content or accounts')
    args = p.parse_args(argv)
    env = open_env(args.config_uri)
    tm = env['request'].tm
    try:
        from pyramid_zodbconn import get_connection
        conn = get_connection(env['request'])
        root = bootstrap(conn.root(), env['registry'])
        tm.commit()
        tm.begin()
        applied = evolve.evolve(root, env['registry'], commit=True, tm=tm)
        created = {} if args.no_demo else demo.seed(root, env['registry'])
        tm.commit()
        print('site ready (generation %d%s); created: %s' % (
            root.generation, ', evolved %s' % applied if applied else '',
            ', '.join('%s %d' % kv for kv in created.items()) or 'nothing'))
        return 0
    finally:
        env['closer']()
