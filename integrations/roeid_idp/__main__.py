"""Command line of the ROeID stand-in: ``python -m integrations.roeid_idp [options]``.

Serves the IdP with waitress in this one process and logs to stderr. See README.md beside
this file for the options, the endpoints and the test citizens.
"""
import argparse
import logging
import sys
import warnings


def parse_args(argv=None):
    from .citizens import PROFILES
    from .idp import LOA

    parser = argparse.ArgumentParser(
        prog='python -m integrations.roeid_idp',
        description='Stand-in ROeID identity provider (SAML 2.0, pysaml2) for cityportal.')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (127.0.0.1)')
    parser.add_argument('--port', type=int, default=8470, help='port to listen on (8470)')
    parser.add_argument('--base-url', help='public URL of the IdP (default http://HOST:PORT)')
    parser.add_argument('--sp-metadata', action='append', default=[], metavar='FILE_OR_URL',
                        help='service-provider metadata, a file or an http(s) URL fetched '
                             'when first needed; repeatable')
    parser.add_argument('--keys-dir', default='var/roeid_idp',
                        help='where the IdP key pair lives, made on first run (var/roeid_idp)')
    parser.add_argument('--encrypt-assertion', action='store_true',
                        help="encrypt assertions to the SP's encryption certificate")
    parser.add_argument('--encrypt-nameid', action='store_true',
                        help='send an EncryptedID instead of the NameID')
    parser.add_argument('--attributes', choices=PROFILES, default='both',
                        help='ROeID short names, eIDAS URIs or both (both)')
    parser.add_argument('--no-sign-response', dest='sign_response', action='store_false',
                        help='leave the Response unsigned')
    parser.add_argument('--no-sign-assertion', dest='sign_assertion', action='store_false',
                        help='leave the Assertion unsigned')
    parser.add_argument('--session-minutes', type=int, default=60,
                        help='lifetime of the IdP session (60)')
    parser.add_argument('--loa', choices=sorted(LOA), default='substantial',
                        help='eIDAS level of assurance in the AuthnContextClassRef (substantial)')
    args = parser.parse_args(argv)
    if args.session_minutes < 1:
        parser.error('--session-minutes must be at least 1')
    if args.base_url is None:
        args.base_url = f'http://{args.host}:{args.port}'
    args.base_url = args.base_url.rstrip('/')
    return args


def main(argv=None):
    # Before pysaml2 is first imported: it uses cryptography names deprecated since 2024.
    warnings.filterwarnings('ignore', module='saml2')
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    # pysaml2 logs whole messages and its own view of refusals; the IdP logs its decisions.
    logging.getLogger('saml2').setLevel(logging.CRITICAL)

    import waitress

    from .server import IdentityProvider
    from .server import Options

    app = IdentityProvider(Options(
        base_url=args.base_url, keys_dir=args.keys_dir, sp_metadata=tuple(args.sp_metadata),
        encrypt_assertion=args.encrypt_assertion, encrypt_nameid=args.encrypt_nameid,
        attributes=args.attributes, sign_response=args.sign_response,
        sign_assertion=args.sign_assertion, session_minutes=args.session_minutes,
        loa=args.loa))
    logging.getLogger('roeid_idp').info(
        'ROeID stand-in %s/metadata (attributes %s, LoA %s, encrypt assertion=%s NameID=%s)',
        args.base_url, args.attributes, args.loa, args.encrypt_assertion, args.encrypt_nameid)
    waitress.serve(app, host=args.host, port=args.port, threads=4, ident='roeid-idp')


if __name__ == '__main__':
    main()
