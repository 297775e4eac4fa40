"""cityportal-evolve: apply pending evolution steps to stored data."""
from .. import evolve as evolve_mod
from .common import open_env, parser


def main(argv=None):
    p = parser(__doc__)
    p.add_argument('--dry-run', action='store_true', help='list pending steps only')
    args = p.parse_args(argv)
    env = open_env(args.config_uri)
    try:
        root = env['root']
        pending = evolve_mod.pending(root)
        print('generation %d, latest %d, pending: %s' % (
            getattr(root, 'generation', 0), evolve_mod.latest_generation(),
            ', '.join(str(g) for g, _ in pending) or 'none'))
        if args.dry_run or not pending:
            env['request'].tm.abort()
            return 0
        applied = evolve_mod.evolve(root, env['registry'], commit=True, tm=env['request'].tm)
        print('applied: %s' % ', '.join(map(str, applied)))
        return 0
    finally:
        env['closer']()
