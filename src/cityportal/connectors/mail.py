"""Mail: a transaction-aware mailer, so that a notification leaves only with its data.

``mailer.send(tm, to, subject, text)`` builds the message at once (a bad address or a
newline in a header fails inside the request, where the caller can see it) and queues it
on the current transaction of ``tm``. It is handed to the SMTP server only **after a
successful commit**: an aborted or failed transaction sends nothing, and a retried request
(pyramid_retry) sends once, from the attempt that committed.

Delivery never breaks the request and never loses the message. When the server cannot be
reached, or answers with a temporary error, the message is written to a file outbox,
``<cityportal.var>/mail/outbox/<timestamp>-<id>.eml`` (atomically: a hidden temporary file,
fsync, rename), with its retry record beside it (``<timestamp>-<id>.retry``, JSON: attempts,
next attempt, last error). :meth:`Mailer.flush_outbox` sends what is due, deletes each file
once the server took it and otherwise backs off exponentially (``retry_base`` doubled at
every failure, at most ``retry_max``); the scheduler calls it. A permanent refusal (5xx for
every recipient, or for the data) moves the message to ``<cityportal.var>/mail/failed/`` for
an operator: retrying it cannot help, deleting it would lose it.

Limits, stated: between the commit and the first delivery attempt the message lives only in
memory, so a crash in that window loses it; a crash after the server accepted a message from
the outbox and before its file is deleted sends it twice (at least once, not exactly once).

Message bodies may hold personal data: logs name the recipients' domains and the subject,
never an address or a body.

Settings (all optional):

``cityportal.mail.enabled``        false keeps every message in the outbox, unsent (true)
``cityportal.mail.host``           SMTP server (127.0.0.1: the local sink of ``make run``)
``cityportal.mail.port``           its port (8025)
``cityportal.mail.sender``         From: of every message (``Portalul Unic <portal@localhost>``);
                                   also the envelope sender and the Message-ID domain
``cityportal.mail.starttls``       upgrade the connection with STARTTLS, verifying the
                                   server's certificate (false)
``cityportal.mail.user``           log in with this user after STARTTLS (none: no login)
``cityportal.mail.password``       its password; better in the environment,
                                   ``CITYPORTAL_MAIL_PASSWORD``, which wins
``cityportal.mail.timeout``        seconds for each connect and SMTP reply (10)
``cityportal.mail.local_hostname`` the name given in EHLO (default: this host's FQDN)
``cityportal.mail.retry_base``     seconds before the first retry from the outbox (60)
``cityportal.mail.retry_max``      longest wait between two retries, in seconds (21600)

``cityportal.mail.sink_http_port`` is read by ``integrations/launcher.py`` only (the web
page of the local sink), never here.
"""

import datetime
import email.charset
import email.header
import email.policy
import email.utils
import fcntl
import functools
import json
import logging
import os
import smtplib
import ssl
import time
import uuid
from collections import namedtuple
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesHeaderParser

from pyramid.settings import asbool
from zope.interface import implementer

from ..config import var_dir
from ..interfaces import IMailer

log = logging.getLogger('cityportal.mail')

DEFAULT_SENDER = 'Portalul Unic <portal@localhost>'
POLICY = email.policy.SMTP

# refused in header values: CR/LF (header injection) and every other control character
_FORBIDDEN = {chr(c) for c in range(0x20) if c != 0x09} | {'\x7f', '\x85', '\u2028', '\u2029'}


# -- building a message ------------------------------------------------------------------

def _check_header_value(name, value):
    if not isinstance(value, str):
        raise ValueError('%s must be a string, not %s' % (name, type(value).__name__))
    if _FORBIDDEN.intersection(value):
        raise ValueError('%s may not contain a line break or a control character' % name)
    return value


def parse_address(value, name='address'):
    """One mailbox (``x@example.ro`` or ``Name <x@example.ro>``) as a headerregistry Address.

    Raises ValueError for anything else: no domain, two addresses, a control character,
    a non-ASCII local part (the mailer does not speak SMTPUTF8).
    """
    value = _check_header_value(name, str(value)).strip()
    try:
        header = POLICY.header_factory('To', value)
        addresses = header.addresses
    except Exception:       # the stdlib parser raises more than HeaderParseError on junk
        raise ValueError('%s is not an e-mail address: %r' % (name, value)) from None
    if len(addresses) != 1 or header.defects:
        raise ValueError('%s must be exactly one e-mail address: %r' % (name, value))
    address = addresses[0]
    if not address.username or not address.domain:
        raise ValueError('%s must be exactly one e-mail address: %r' % (name, value))
    try:
        address.addr_spec.encode('ascii')
    except UnicodeEncodeError:
        raise ValueError('%s must be an ASCII e-mail address: %r' % (name, value)) from None
    return address


def _addresses(value, name):
    values = [value] if isinstance(value, str) else list(value)
    if not values:
        raise ValueError('%s: at least one address is needed' % name)
    return [parse_address(v, name) for v in values]


#: how the message is written: the compat32 classes with CRLF line ends. The
#: headers are checked and parsed once (``parse_address``) and written here as
#: RFC 2047 words; ``email.message.EmailMessage`` parsed and folded each of
#: them again (1.2 ms a message, a sixth of a submission).
WIRE_POLICY = email.policy.compat32.clone(linesep='\r\n')
_UTF8_QP = email.charset.Charset('utf-8')
_UTF8_QP.body_encoding = email.charset.QP


def _mailbox(address):
    """``Name <local@domain>`` with a non-ASCII name as an RFC 2047 word."""
    return email.utils.formataddr((address.display_name, address.addr_spec), charset='utf-8')


def _text_part(text, subtype):
    return MIMEText(text, subtype, _UTF8_QP, policy=WIRE_POLICY)


def _build(sender, to, subject, text, html=None, reply_to=None, date=None):
    """(message, recipients' addresses, subject) of :func:`build_message`."""
    sender = _sender_address(sender)
    recipients = _addresses(to, 'to')
    _check_header_value('subject', subject)
    if not isinstance(text, str):
        raise ValueError('text must be a string')
    if html is None:
        msg = _text_part(text, 'plain')
    else:
        msg = MIMEMultipart('alternative', policy=WIRE_POLICY)
        msg.attach(_text_part(text, 'plain'))
        msg.attach(_text_part(html, 'html'))
    subject = subject.strip()
    msg['From'] = _mailbox(sender)
    msg['To'] = ', '.join(_mailbox(a) for a in recipients)
    if reply_to:
        msg['Reply-To'] = ', '.join(_mailbox(a) for a in _addresses(reply_to, 'reply_to'))
    msg['Subject'] = email.header.Header(subject, 'utf-8') if not subject.isascii() else subject
    msg['Date'] = email.utils.formatdate(date, localtime=True)
    msg['Message-ID'] = email.utils.make_msgid(domain=sender.domain)
    # RFC 3834: a notification, not a person: vacation responders stay quiet
    msg['Auto-Submitted'] = 'auto-generated'
    return msg, [a.addr_spec for a in recipients], subject


@functools.lru_cache(maxsize=16)
def _sender_address(sender):
    return parse_address(sender, 'sender')


def build_message(sender, to, subject, text, html=None, reply_to=None, date=None):
    """The message the mailer sends (CRLF, RFC 2047 headers, MIME 1.0).

    ``to`` and ``reply_to`` are one address or a list. The text (and the optional HTML
    alternative) travel as UTF-8 quoted-printable: 7-bit clean, readable, whatever the
    relay. ``date`` is a POSIX timestamp (default: now). A line break in any header value
    raises ValueError: nothing a citizen typed can add a header.
    """
    return _build(sender, to, subject, text, html=html, reply_to=reply_to, date=date)[0]


def _envelope(data):
    """(sender, recipients, subject, recipient domains) read back from a message's headers."""
    headers = BytesHeaderParser(policy=email.policy.default).parsebytes(data)
    sender = email.utils.parseaddr(str(headers.get('From', '')))[1]
    fields = [str(v) for name in ('To', 'Cc') for v in headers.get_all(name, [])]
    recipients = [addr for _, addr in email.utils.getaddresses(fields) if addr]
    subject = str(headers.get('Subject', ''))
    return sender, recipients, subject, _domains(recipients)


def _domains(addresses):
    return ','.join(sorted({a.rpartition('@')[2].lower() for a in addresses})) or '-'


def _describe(error):
    """An error as logged and recorded: its kind and SMTP code, never an address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return '%s: %s' % (type(error).__name__,
                           ' '.join(sorted({str(c) for c, _ in error.recipients.values()})))
    if isinstance(error, smtplib.SMTPResponseException):
        return '%s: %s' % (type(error).__name__, error.smtp_code)
    if isinstance(error, OSError) and error.strerror:
        return '%s: %s' % (type(error).__name__, error.strerror)
    return type(error).__name__


def _permanent(error):
    """True when retrying cannot help: the server refused the message itself (5xx).

    A refused sender or login is not: that is configuration, and the outbox waits for it.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return 500 <= error.smtp_code < 600
    if isinstance(error, smtplib.SMTPSenderRefused):
        return error.smtp_code == 552      # SIZE over the server's limit (RFC 1870)
    return False


#: a message waiting for its transaction: file stem, bytes, and what may be logged
Queued = namedtuple('Queued', 'name data subject domains')


# -- the mailer --------------------------------------------------------------------------

@implementer(IMailer)
class Mailer:
    """One per application (``registry.mailer``); safe to share between threads."""

    def __init__(self, *, var, host='127.0.0.1', port=8025, sender=DEFAULT_SENDER,
                 enabled=True, starttls=False, user='', password='', timeout=10,
                 local_hostname=None, retry_base=60, retry_max=6 * 3600, clock=time.time):
        self.host = host
        self.port = int(port)
        self.sender = str(parse_address(sender, 'cityportal.mail.sender'))
        self.enabled = enabled
        self.starttls = starttls
        self.user = user
        self.password = password
        self.timeout = timeout
        self.local_hostname = local_hostname or None
        self.retry_base = retry_base
        self.retry_max = retry_max
        #: seconds since the epoch; tests replace it to walk through the backoff
        self.clock = clock
        self.outbox = os.path.join(var, 'mail', 'outbox')
        self.failed = os.path.join(var, 'mail', 'failed')

    @classmethod
    def from_settings(cls, settings, **kw):
        get = settings.get
        options = dict(
            var=var_dir(settings),
            host=get('cityportal.mail.host') or '127.0.0.1',
            port=int(get('cityportal.mail.port') or 8025),
            sender=get('cityportal.mail.sender') or DEFAULT_SENDER,
            enabled=asbool(get('cityportal.mail.enabled', True)),
            starttls=asbool(get('cityportal.mail.starttls', False)),
            user=get('cityportal.mail.user') or '',
            password=(os.environ.get('CITYPORTAL_MAIL_PASSWORD') or
                      get('cityportal.mail.password') or ''),
            timeout=float(get('cityportal.mail.timeout') or 10),
            local_hostname=get('cityportal.mail.local_hostname') or None,
            retry_base=float(get('cityportal.mail.retry_base') or 60),
            retry_max=float(get('cityportal.mail.retry_max') or 6 * 3600),
        )
        options.update(kw)
        return cls(**options)

    def __repr__(self):
        return '<Mailer %s:%d%s>' % (self.host, self.port, '' if self.enabled else ' disabled')

    # sending -------------------------------------------------------------

    def build(self, to, subject, text, html=None, reply_to=None):
        """The message :meth:`send` would queue (From: the configured sender)."""
        return build_message(self.sender, to, subject, text, html=html, reply_to=reply_to,
                             date=self.clock())

    def send(self, tm, to, subject, text, html=None, reply_to=None):
        """Queue a message on ``tm``'s current transaction; return its Message-ID.

        It is delivered after that transaction commits, never if it aborts. Raises
        ValueError for a bad address or header, ``transaction.interfaces.NoTransaction``
        when an explicit ``tm`` has no transaction begun.
        """
        msg, recipients, subject = _build(self.sender, to, subject, text, html=html,
                                          reply_to=reply_to, date=self.clock())
        data = msg.as_bytes()
        now = self.clock()
        stamp = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        name = '%s-%s' % (stamp.strftime('%Y%m%dT%H%M%S%fZ'), uuid.uuid4().hex)
        queued = Queued(name, data, subject, _domains(recipients))
        txn = tm.get()
        try:
            txn.data(self).append(queued)
        except KeyError:
            txn.set_data(self, [queued])
            txn.addAfterCommitHook(self._after_commit, args=(txn,))
        return str(msg['Message-ID'])

    def _after_commit(self, status, txn):
        """Deliver what ``txn`` queued, if it committed; what fails goes to the outbox."""
        queue = txn.data(self)
        if not status:
            log.info('transaction failed: %d message(s) not sent', len(queue))
            return
        # the commit is done: from here on nothing may reach the request
        if self.enabled:
            try:
                results = self._deliver([item.data for item in queue])
            except Exception as e:
                log.exception('mail delivery after commit')
                results = [e] * len(queue)
        else:
            results = [None] * len(queue)
        now = self.clock()
        for item, error in zip(queue, results):
            try:
                if not self.enabled:
                    self._write_outbox(item.name, item.data)
                    log.info('mail disabled, kept in the outbox: to @%s %r',
                             item.domains, item.subject)
                elif error is None:
                    log.info('sent to @%s: %r', item.domains, item.subject)
                elif _permanent(error):
                    self._write_failed(item.name, item.data, error, now)
                    log.error('refused (%s), moved to %s: to @%s %r', _describe(error),
                              self.failed, item.domains, item.subject)
                else:
                    # the record first: a flush running meanwhile must not see the
                    # message without its wait
                    wait = self._record_failure(item.name, error, now, attempts=0)
                    self._write_outbox(item.name, item.data)
                    log.warning('not sent (%s), in the outbox, retry in %ds: to @%s %r',
                                _describe(error), wait, item.domains, item.subject)
            except Exception:
                log.exception('mail LOST, the outbox could not be written: to @%s %r',
                              item.domains, item.subject)

    # SMTP ------------------------------------------------------------------

    def connect(self):
        """An open ``smtplib.SMTP`` (STARTTLS and login as configured)."""
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout,
                            local_hostname=self.local_hostname)
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def check_config(self):
        """Raise (OSError, smtplib.SMTPException) unless the server takes a connection."""
        smtp = self.connect()
        try:
            smtp.noop()
        finally:
            smtp.quit()

    def _deliver(self, messages):
        """Send each message (bytes) on one connection: a list of None (sent) or the error.

        When the server cannot be reached, every message gets that error and no more
        connection is attempted (one timeout, not one per message).
        """
        results = []
        smtp = None
        try:
            for data in messages:
                if smtp is None:
                    try:
                        smtp = self.connect()
                    except Exception as e:
                        results.extend([e] * (len(messages) - len(results)))
                        break
                try:
                    sender, recipients, _, _ = _envelope(data)
                    refused = smtp.sendmail(sender, recipients, data)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                        smtplib.SMTPSenderRefused) as e:
                    results.append(e)       # smtplib reset the session: it can go on
                except Exception as e:
                    results.append(e)
                    smtp.close()
                    smtp = None
                else:
                    if refused:
                        # sent to the others; retrying would send to them twice
                        log.warning('%d recipient(s) refused at @%s', len(refused),
                                    _domains(list(refused)))
                    results.append(None)
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except Exception:
                    smtp.close()
        return results

    # the outbox ------------------------------------------------------------

    def _write_outbox(self, name, data):
        _write_atomic(self.outbox, name + '.eml', data)

    def _write_failed(self, name, data, error, now):
        _write_atomic(self.failed, name + '.retry', json.dumps({
            'refused_at': _iso(now), 'error': _describe(error)}).encode())
        _write_atomic(self.failed, name + '.eml', data)

    def _read_record(self, name):
        try:
            with open(os.path.join(self.outbox, name + '.retry'), encoding='utf-8') as f:
                return json.load(f)
        except (FileNotFoundError, ValueError):
            return {}

    def _record_failure(self, name, error, now, attempts=None):
        """Note one more failed attempt beside the message; return the seconds to wait."""
        if attempts is None:
            attempts = int(self._read_record(name).get('attempts', 0))
        attempts += 1
        wait = min(self.retry_max, self.retry_base * 2 ** (attempts - 1))
        _write_atomic(self.outbox, name + '.retry', json.dumps({
            'attempts': attempts,
            'next_attempt': now + wait,
            'next_attempt_utc': _iso(now + wait),
            'last_attempt_utc': _iso(now),
            'last_error': _describe(error),
        }, indent=1).encode())
        return wait

    def pending(self):
        """The names (``<timestamp>-<id>``) of the messages in the outbox, oldest first."""
        try:
            names = os.listdir(self.outbox)
        except FileNotFoundError:
            return []
        return sorted(n[:-4] for n in names if n.endswith('.eml') and not n.startswith('.'))

    def flush_outbox(self, now=None):
        """Send the outbox messages that are due; return counts.

        ``{'sent': n, 'failed': n, 'refused': n, 'waiting': n}``: sent and deleted, failed
        again (backing off), refused for good (moved to ``failed/``), not yet due. While
        ``cityportal.mail.enabled`` is false nothing is sent (all are ``waiting``). Two
        flushes at once (two processes) do not both send: the second returns at once,
        with ``'busy': True``.
        """
        now = self.clock() if now is None else now
        counts = {'sent': 0, 'failed': 0, 'refused': 0, 'waiting': 0}
        names = self.pending()
        if not names:
            return counts
        if not self.enabled:
            counts['waiting'] = len(names)
            return counts
        with _OutboxLock(self.outbox) as locked:
            if not locked:
                counts['busy'] = True
                return counts
            due = []
            for name in self.pending():       # again: another flush may have sent some
                if float(self._read_record(name).get('next_attempt', 0)) > now:
                    counts['waiting'] += 1
                    continue
                try:
                    with open(os.path.join(self.outbox, name + '.eml'), 'rb') as f:
                        due.append((name, f.read()))
                except FileNotFoundError:
                    continue
            if not due:
                return counts
            for (name, data), error in zip(due, self._deliver([d for _, d in due])):
                _, _, subject, domains = _envelope(data)
                if error is None:
                    _remove(os.path.join(self.outbox, name + '.eml'))
                    _remove(os.path.join(self.outbox, name + '.retry'))
                    counts['sent'] += 1
                    log.info('sent from the outbox to @%s: %r', domains, subject)
                elif _permanent(error):
                    self._write_failed(name, data, error, now)
                    _remove(os.path.join(self.outbox, name + '.eml'))
                    _remove(os.path.join(self.outbox, name + '.retry'))
                    counts['refused'] += 1
                    log.error('refused (%s), moved to %s: to @%s %r', _describe(error),
                              self.failed, domains, subject)
                else:
                    wait = self._record_failure(name, error, now)
                    counts['failed'] += 1
                    log.warning('outbox: not sent (%s), retry in %ds: to @%s %r',
                                _describe(error), wait, domains, subject)
        return counts


class _OutboxLock:
    """A non-blocking flock on ``outbox/.flush.lock``: true in ``with`` when we hold it."""

    def __init__(self, directory):
        self.path = os.path.join(directory, '.flush.lock')
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = None
            return False
        return True

    def __exit__(self, *exc):
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _write_atomic(directory, filename, data):
    """Write ``data`` so that readers see the whole file or none (tmp, fsync, rename)."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    tmp = os.path.join(directory, '.%s.%s.tmp' % (filename, uuid.uuid4().hex[:8]))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, os.path.join(directory, filename))
    except BaseException:
        _remove(tmp)
        raise


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _iso(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).isoformat(
        timespec='seconds')


def get_mailer(request_or_registry):
    """The application's :class:`Mailer`, from a request or a registry."""
    registry = getattr(request_or_registry, 'registry', request_or_registry)
    return registry.mailer


def includeme(config):
    settings = config.registry.settings
    mailer = Mailer.from_settings(settings)
    if mailer.user and not mailer.starttls and mailer.host not in ('127.0.0.1', 'localhost'):
        log.warning('cityportal.mail.user is set without cityportal.mail.starttls: '
                    'the password would cross the network in clear')
    config.registry.mailer = mailer
