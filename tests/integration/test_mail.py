"""The transaction-aware mailer against the real SMTP sink (integrations/smtp_sink), over loopback.

The sink runs as a subprocess (``python -m integrations.smtp_sink``, started by the launcher's
:func:`start_smtp_sink`) on free ports; what it received is read back over its HTTP API
(``/messages``), never from the mailer. Each mailer is built from settings, with its own var/
(hence its own outbox) under the test's tmp_path, and its clock replaced where the backoff
is walked through.
"""
import email
import email.policy
import json
import logging
import os
import sys
import time
import urllib.error
import urllib.request

import pytest
import transaction

from integrations.launcher import Process
from integrations.launcher import free_port
from integrations.launcher import start_smtp_sink

SUBJECT = 'Confirmați adresa de e-mail — Portalul Unic'
BODY = ('Bună ziua, Ștefan Țăranu,\n\n'
        'Confirmați adresa de e-mail a contului din Portalul Unic: ș ț ă î â, Ș Ț Ă Î Â.\n')
TO = 'Ștefan Țăranu <stefan.taranu@example.ro>'
T0 = 1_750_000_000.0

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Sink:
    """One sink subprocess: SMTP on ``port``, HTTP on ``http_port``."""

    def __init__(self, tmp_path, name='sink', port=None, extra=()):
        self.port = port or free_port()
        self.http_port = free_port()
        self.maildir = str(tmp_path / name)
        log_path = str(tmp_path / (name + '.log'))
        if extra:
            argv = [sys.executable, '-m', 'integrations.smtp_sink', '--port', str(self.port),
                    '--http-port', str(self.http_port), '--maildir', self.maildir, *extra]
            self.process = Process('smtp_sink', argv, log_path, self.url('/health'))
        else:
            self.process = start_smtp_sink(self.port, self.http_port, self.maildir, log_path)
        self.process.wait_ready(timeout=30)

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.http_port, path)

    def get(self, path):
        with _opener.open(self.url(path), timeout=5) as res:
            return res.status, res.headers.get_content_type(), res.read()

    def messages(self):
        return json.loads(self.get('/messages')[2])

    def wait_for(self, count, timeout=5):
        """The message list once it holds ``count`` messages (fails after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages()
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) == count, found
                return found
            time.sleep(0.05)

    def raw(self, message_id):
        return self.get('/messages/' + message_id)[2]

    def clear(self):
        req = urllib.request.Request(self.url('/clear'), data=b'', method='POST')
        with _opener.open(req, timeout=5) as res:
            return json.loads(res.read())

    def stop(self):
        self.process.stop()


@pytest.fixture(scope='module')
def sink(tmp_path_factory):
    s = Sink(tmp_path_factory.mktemp('mail'))
    yield s
    s.stop()


@pytest.fixture
def clean_sink(sink):
    sink.clear()
    return sink


def make_mailer(tmp_path, port, **settings):
    from cityportal.connectors.mail import Mailer
    settings = {'cityportal.var': str(tmp_path / 'var'), 'cityportal.mail.host': '127.0.0.1',
                'cityportal.mail.port': str(port), **settings}
    return Mailer.from_settings(settings)


def dead_port():
    """A loopback port nobody listens on (connections are refused at once)."""
    return free_port()


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


def send_committed(mailer, **kw):
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    message_id = mailer.send(tm, kw.pop('to', TO), kw.pop('subject', SUBJECT),
                             kw.pop('text', BODY), **kw)
    tm.commit()
    return message_id


def text_of(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return msg, msg.get_body(('plain',)).get_content().replace('\r\n', '\n')


def retry_record(mailer, name):
    with open(os.path.join(mailer.outbox, name + '.retry'), encoding='utf-8') as f:
        return json.load(f)


# -- delivery after commit --------------------------------------------------------------

def test_committed_message_arrives_with_romanian_intact(clean_sink, tmp_path, caplog):
    mailer = make_mailer(tmp_path, clean_sink.port)
    caplog.set_level(logging.DEBUG, logger='cityportal.mail')
    html = '<p>Bună ziua, <b>Ștefan</b>: ș ț ă î â</p>\n'
    message_id = send_committed(mailer, html=html,
                                reply_to='Direcția Urbanism <urbanism@primariatm.ro>')

    [listed] = clean_sink.wait_for(1)
    assert listed['subject'] == SUBJECT
    assert listed['from'] == 'Portalul Unic <portal@localhost>'
    assert listed['to'] == TO
    assert listed['message_id'] == message_id
    assert listed['envelope_from'] == 'portal@localhost'
    assert listed['envelope_to'] == ['stefan.taranu@example.ro']
    msg, text = text_of(clean_sink.raw(listed['id']))
    assert text == BODY
    assert msg.get_body(('html',)).get_content().replace('\r\n', '\n') == html
    assert str(msg['Reply-To']) == 'Direcția Urbanism <urbanism@primariatm.ro>'
    assert msg['Date'] is not None
    assert mailer.pending() == []
    # the log names the domain and the subject, never the address or the body
    logged = '\n'.join(r.getMessage() for r in caplog.records)
    assert '@example.ro' in logged and SUBJECT in logged
    assert 'stefan.taranu' not in logged and 'Bună ziua' not in logged


def test_several_messages_of_one_transaction(clean_sink, tmp_path):
    mailer = make_mailer(tmp_path, clean_sink.port)
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    mailer.send(tm, 'ion@example.ro', 'Cererea 1 a fost înregistrată', 'Număr: 1/2025')
    mailer.send(tm, ['maria@example.ro', 'ana@example.com'], 'Cererea 2 a fost înregistrată',
                'Număr: 2/2025')
    assert clean_sink.messages() == []                  # nothing before the commit
    tm.commit()
    found = clean_sink.wait_for(2)
    assert [m['subject'] for m in found] == ['Cererea 1 a fost înregistrată',
                                             'Cererea 2 a fost înregistrată']
    assert found[1]['envelope_to'] == ['maria@example.ro', 'ana@example.com']


def test_aborted_transaction_sends_nothing(clean_sink, tmp_path):
    mailer = make_mailer(tmp_path, clean_sink.port)
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    mailer.send(tm, TO, SUBJECT, BODY)
    tm.abort()
    # the same manager, a new transaction: the aborted message does not come back
    tm.begin()
    mailer.send(tm, TO, 'Al doilea mesaj', BODY)
    tm.commit()
    [only] = clean_sink.wait_for(1)
    assert only['subject'] == 'Al doilea mesaj'
    assert mailer.pending() == []


class FailingVote:
    """A data manager whose vote fails: the commit fails after our hook was registered."""

    transaction_manager = None

    def abort(self, txn):
        pass

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        raise RuntimeError('vote refused')

    def tpc_finish(self, txn):
        pass

    def tpc_abort(self, txn):
        pass

    def sortKey(self):
        return 'failing-vote'


def test_failed_commit_sends_nothing(clean_sink, tmp_path):
    mailer = make_mailer(tmp_path, clean_sink.port)
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    mailer.send(tm, TO, SUBJECT, BODY)
    tm.get().join(FailingVote())
    with pytest.raises(RuntimeError):
        tm.commit()
    tm.abort()
    assert clean_sink.messages() == []
    assert mailer.pending() == []


# -- the outbox -------------------------------------------------------------------------

def test_stopped_sink_commit_succeeds_message_waits_in_outbox(tmp_path):
    first = Sink(tmp_path, 'first')
    port = first.port
    first.stop()
    mailer = make_mailer(tmp_path, port)
    mailer.clock = clock = Clock()
    message_id = send_committed(mailer)        # does not raise: the commit stands

    [name] = mailer.pending()
    assert name.startswith('20250615T')        # <timestamp>-<id>.eml
    with open(os.path.join(mailer.outbox, name + '.eml'), 'rb') as f:
        msg, text = text_of(f.read())
    assert str(msg['Message-ID']) == message_id and text == BODY
    record = retry_record(mailer, name)
    assert record['attempts'] == 1
    assert record['next_attempt'] == T0 + 60
    assert 'ConnectionRefusedError' in record['last_error']
    assert not any(n.endswith('.tmp') for n in os.listdir(mailer.outbox))

    # the sink is back on the same port; the outbox is sent once the wait is over
    second = Sink(tmp_path, 'second', port=port)
    try:
        assert mailer.flush_outbox() == {'sent': 0, 'failed': 0, 'refused': 0, 'waiting': 1}
        assert second.messages() == []
        clock.now = T0 + 60
        assert mailer.flush_outbox() == {'sent': 1, 'failed': 0, 'refused': 0, 'waiting': 0}
        [listed] = second.wait_for(1)
        assert listed['message_id'] == message_id and listed['subject'] == SUBJECT
        assert text_of(second.raw(listed['id']))[1] == BODY
        assert mailer.pending() == []
        assert sorted(os.listdir(mailer.outbox)) == ['.flush.lock']
        assert mailer.flush_outbox() == {'sent': 0, 'failed': 0, 'refused': 0, 'waiting': 0}
    finally:
        second.stop()


def test_backoff_doubles_and_is_respected(clean_sink, tmp_path):
    mailer = make_mailer(tmp_path, dead_port())
    mailer.clock = clock = Clock()
    send_committed(mailer)
    [name] = mailer.pending()
    assert retry_record(mailer, name)['attempts'] == 1

    # right after the failure: not retried before its time
    assert mailer.flush_outbox()['waiting'] == 1
    clock.now = T0 + 59
    assert mailer.flush_outbox()['waiting'] == 1
    assert retry_record(mailer, name)['attempts'] == 1

    clock.now = T0 + 60
    assert mailer.flush_outbox()['failed'] == 1
    record = retry_record(mailer, name)
    assert (record['attempts'], record['next_attempt']) == (2, T0 + 60 + 120)

    clock.now = T0 + 179
    assert mailer.flush_outbox()['waiting'] == 1
    clock.now = T0 + 180
    assert mailer.flush_outbox()['failed'] == 1
    assert retry_record(mailer, name)['next_attempt'] == T0 + 180 + 240

    # the server is reachable again: the next due flush delivers
    mailer.port = clean_sink.port
    clock.now = T0 + 420
    assert mailer.flush_outbox()['sent'] == 1
    assert clean_sink.wait_for(1)[0]['subject'] == SUBJECT
    assert mailer.pending() == []


def test_backoff_is_capped(tmp_path):
    mailer = make_mailer(tmp_path, dead_port(), **{'cityportal.mail.retry_max': '300'})
    mailer.clock = clock = Clock()
    send_committed(mailer)
    [name] = mailer.pending()
    for _ in range(5):
        clock.now = retry_record(mailer, name)['next_attempt']
        assert mailer.flush_outbox()['failed'] == 1
    record = retry_record(mailer, name)
    assert record['attempts'] == 6
    assert record['next_attempt'] - clock.now == 300


def test_disabled_keeps_messages_in_the_outbox(clean_sink, tmp_path):
    mailer = make_mailer(tmp_path, clean_sink.port, **{'cityportal.mail.enabled': 'false'})
    send_committed(mailer)
    [name] = mailer.pending()
    assert not os.path.exists(os.path.join(mailer.outbox, name + '.retry'))
    assert mailer.flush_outbox() == {'sent': 0, 'failed': 0, 'refused': 0, 'waiting': 1}
    assert clean_sink.messages() == []
    # once enabled, the outbox goes out on the next flush
    mailer.enabled = True
    assert mailer.flush_outbox()['sent'] == 1
    assert clean_sink.wait_for(1)[0]['subject'] == SUBJECT


# -- production settings: login, permanent refusal -------------------------------------

@pytest.fixture(scope='module')
def strict_sink(tmp_path_factory):
    s = Sink(tmp_path_factory.mktemp('mail-strict'), 'strict',
             extra=('--accept-any-login', '--max-message-bytes', '4096'))
    yield s
    s.stop()


def test_login(strict_sink, tmp_path):
    mailer = make_mailer(tmp_path, strict_sink.port, **{
        'cityportal.mail.user': 'portal', 'cityportal.mail.password': 'secret'})
    mailer.check_config()
    before = len(strict_sink.messages())
    send_committed(mailer, subject='Cu autentificare')
    assert strict_sink.wait_for(before + 1)[-1]['subject'] == 'Cu autentificare'


def test_permanent_refusal_moves_to_failed(strict_sink, tmp_path):
    mailer = make_mailer(tmp_path, strict_sink.port)
    before = len(strict_sink.messages())
    send_committed(mailer, text='ș' * 10000)       # over the sink's 4096 bytes: 552
    assert mailer.pending() == []
    [eml, record] = sorted(os.listdir(mailer.failed))
    assert eml.endswith('.eml') and record.endswith('.retry')
    with open(os.path.join(mailer.failed, record), encoding='utf-8') as f:
        assert '552' in json.load(f)['error']
    assert len(strict_sink.messages()) == before


# -- the sink's own pages ---------------------------------------------------------------

def test_sink_pages(clean_sink, tmp_path):
    mailer = make_mailer(tmp_path, clean_sink.port)
    send_committed(mailer, subject='Subiect cu <etichete> & ș')
    [listed] = clean_sink.wait_for(1)
    status, ctype, body = clean_sink.get('/health')
    assert (status, body) == (200, b'ok\n')
    status, ctype, body = clean_sink.get('/')
    page = body.decode('utf-8')
    assert ctype == 'text/html'
    assert 'Mesaje trimise de portal' in page
    assert 'Subiect cu &lt;etichete&gt; &amp; ș' in page
    status, ctype, body = clean_sink.get('/messages/' + listed['id'])
    assert ctype == 'message/rfc822' and len(body) == listed['size']
    status, ctype, body = clean_sink.get('/view/' + listed['id'])
    assert 'ș ț ă î â' in body.decode('utf-8')
    with pytest.raises(urllib.error.HTTPError) as e:
        clean_sink.get('/messages/../../etc/passwd')
    assert e.value.code == 404
    assert clean_sink.clear() == {'deleted': 1}
    assert clean_sink.messages() == []
