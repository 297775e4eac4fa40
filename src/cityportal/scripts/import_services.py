"""cityportal-import-services: create/update the service catalog from schemas/services/.

Prints every broken definition as ``file:line: reason`` (the others are
imported all the same), then a summary: created / updated / unchanged /
conflicts (fields an editor changed through the web, left as they are).
Exit status 1 if any definition was broken or any conflict was found.
"""
from ..services.definitions import default_directory, load_directory
from ..services.importer import import_catalog
from .common import open_env, parser


def main(argv=None):
    p = parser(__doc__.split('\n')[0])
    p.add_argument('--dir', default=None, help='definitions (default: schemas/services)')
    p.add_argument('--dry-run', action='store_true', help='report, write nothing')
    p.add_argument('--verbose', '-v', action='store_true', help='list every conflict')
    args = p.parse_args(argv)
    catalog = load_directory(args.dir or default_directory())
    for problem in catalog.problems:
        print(problem)
    env = open_env(args.config_uri)
    tm = env['request'].tm
    try:
        summary = import_catalog(env['root'], catalog, env['registry'])
        if args.dry_run:
            tm.abort()
        else:
            tm.commit()
        print('%s%s; definitions: %d valid, %d problem(s)' % (
            'dry run: ' if args.dry_run else '', summary.line(), len(catalog.services),
            len(catalog.problems)))
        for sid, fieldname in summary.conflicts if args.verbose else ():
            print('conflict: %s.%s changed through the web; kept' % (sid, fieldname))
        return 1 if catalog.problems or summary.conflicts else 0
    finally:
        env['closer']()
