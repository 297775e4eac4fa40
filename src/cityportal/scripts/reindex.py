"""cityportal-reindex: rebuild the catalog from the content tree."""
from ..catalog.subscribers import walk
from .common import Progress, open_env, parser


def main(argv=None):
    p = parser(__doc__)
    p.add_argument('--batch', type=int, default=1000,
                   help='commit every N objects (default 1000)')
    p.add_argument('--quiet', action='store_true')
    args = p.parse_args(argv)
    env = open_env(args.config_uri)
    tm = env['request'].tm
    try:
        root = env['root']
        catalog = root.catalog
        total = sum(1 for _ in walk(root))
        catalog.clear()
        progress = None if args.quiet else Progress(total, 'reindex')
        for i, obj in enumerate(walk(root), 1):
            catalog.index(obj)
            if progress:
                progress.step()
            if i % args.batch == 0:
                tm.commit()
                tm.begin()
        tm.commit()
        if progress:
            progress.finish()
        print('indexed %d objects' % total)
        return 0
    finally:
        env['closer']()
