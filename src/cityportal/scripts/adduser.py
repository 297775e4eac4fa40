"""cityportal-adduser: create a staff account (e.g. the first manager)."""
import getpass
import sys

from .. import api
from ..security import STAFF_ROLES
from .common import open_env, parser


def main(argv=None):
    p = parser(__doc__)
    p.add_argument('userid')
    p.add_argument('--title', default=None, help='full name')
    p.add_argument('--role', action='append', default=[], choices=STAFF_ROLES)
    p.add_argument('--password-stdin', action='store_true')
    args = p.parse_args(argv)
    password = sys.stdin.readline().rstrip('\n') if args.password_stdin \
        else getpass.getpass('Parola: ')
    if len(password) < 10:
        print('parola trebuie să aibă cel puțin 10 caractere', file=sys.stderr)
        return 2
    env = open_env(args.config_uri)
    try:
        api.user.create(env['root'], args.userid, password, args.title or args.userid,
                        roles=args.role, registry=env['registry'])
        env['request'].tm.commit()
        print('created %s (%s)' % (args.userid, ', '.join(args.role) or 'no global roles'))
        return 0
    finally:
        env['closer']()
