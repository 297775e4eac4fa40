"""Command line of the SMTP sink: ``python -m integrations.smtp_sink [options]``.

SMTP (aiosmtpd, in its own thread) and the web page (waitress) in this one process, on
loopback only; logs to stderr. See README.md beside this file.
"""
import argparse
import ipaddress
import logging
import signal
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m integrations.smtp_sink',
        description='Stand-in mail server for cityportal: an SMTP sink that keeps every '
                    'message in a directory and lists them over HTTP.')
    parser.add_argument('--host', default='127.0.0.1',
                        help='loopback address to listen on, SMTP and HTTP (127.0.0.1)')
    parser.add_argument('--port', type=int, default=8025, help='SMTP port (8025)')
    parser.add_argument('--http-port', type=int, default=8026,
                        help='port of /health, /messages and the page (8026)')
    parser.add_argument('--maildir', default='var/mail/sink',
                        help='where each message is stored as <id>.eml (var/mail/sink)')
    parser.add_argument('--max-message-bytes', type=int, default=20 * 1024 * 1024,
                        help='bigger messages are refused with 552 (20 MiB)')
    parser.add_argument('--accept-any-login', action='store_true',
                        help='offer AUTH without TLS and accept any user and password')
    args = parser.parse_args(argv)
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        parser.error('--host must be a loopback address: the sink is for this machine only')
    if args.port == args.http_port:
        parser.error('--port and --http-port must differ')
    return args


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    logging.getLogger('mail.log').setLevel(logging.WARNING)     # aiosmtpd's per-command log

    import waitress
    from aiosmtpd.controller import Controller

    from .server import SinkApp
    from .server import SinkHandler
    from .server import accept_any_login
    from .store import Maildir

    maildir = Maildir(args.maildir)
    smtp_options = {}
    if args.accept_any_login:
        smtp_options.update(authenticator=accept_any_login, auth_require_tls=False)
    controller = Controller(
        SinkHandler(maildir), hostname=args.host, port=args.port,
        server_hostname='smtp-sink.localhost', ident='cityportal smtp_sink',
        data_size_limit=args.max_message_bytes, **smtp_options)
    controller.start()
    # TERM (the launcher, a service manager) ends as cleanly as Ctrl-C
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    log = logging.getLogger('smtp_sink')
    log.info('SMTP sink on %s:%d, messages in %s, web page http://%s:%d/',
             args.host, args.port, maildir.path, args.host, args.http_port)
    try:
        waitress.serve(SinkApp(maildir), host=args.host, port=args.http_port, threads=2,
                       ident='smtp-sink')
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == '__main__':
    main()
