"""Building a mail message: headers, UTF-8 that survives any relay, no header injection.

No network here: delivery is tested against the real SMTP sink in
tests/integration/test_mail.py.
"""
import email
import email.policy
import unittest

SUBJECT = 'Confirmați adresa de e-mail — Portalul Unic'
BODY = ('Bună ziua, Ștefan Țăranu,\n\n'
        'Vă rugăm să confirmați adresa: ș ț ă î â Ș Ț Ă Î Â.\n')


def _parse(msg):
    return email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)


def _text(part):
    # on the wire lines end in CRLF; a mail reader shows them as line ends
    return part.get_content().replace('\r\n', '\n')


class Test_build_message(unittest.TestCase):

    def _callFUT(self, sender='Portalul Unic <portal@localhost>', to='ion@example.ro',
                 subject=SUBJECT, text=BODY, **kw):
        from cityportal.connectors.mail import build_message
        return build_message(sender, to, subject, text, **kw)

    def test_headers(self):
        msg = self._callFUT(to='Ion Popescu <ion@example.ro>', date=1_700_000_000)
        parsed = _parse(msg)
        self.assertEqual(str(parsed['From']), 'Portalul Unic <portal@localhost>')
        self.assertEqual(str(parsed['To']), 'Ion Popescu <ion@example.ro>')
        self.assertEqual(str(parsed['Subject']), SUBJECT)
        self.assertEqual(parsed['Date'].datetime.timestamp(), 1_700_000_000)
        self.assertRegex(str(parsed['Message-ID']), r'^<[^@<>\s]+@localhost>$')
        self.assertEqual(str(parsed['Auto-Submitted']), 'auto-generated')
        self.assertIsNone(parsed['Reply-To'])

    def test_message_ids_differ(self):
        self.assertNotEqual(self._callFUT()['Message-ID'], self._callFUT()['Message-ID'])

    def test_romanian_text_survives_and_wire_is_7bit(self):
        msg = self._callFUT()
        raw = msg.as_bytes()
        raw.decode('ascii')                             # 7-bit clean: any relay carries it
        self.assertIn(b'\r\n', raw)                     # policy SMTP: CRLF line ends
        self.assertIn(b'\r\nSubject: =?utf-8?', raw)   # RFC 2047
        parsed = _parse(msg)
        self.assertEqual(parsed.get_content_type(), 'text/plain')
        self.assertEqual(parsed.get_content_charset(), 'utf-8')
        self.assertEqual(parsed['Content-Transfer-Encoding'], 'quoted-printable')
        self.assertEqual(_text(parsed), BODY)

    def test_html_alternative(self):
        html = '<p>Bună ziua, <strong>Ștefan</strong>: ș ț ă î â</p>\n'
        parsed = _parse(self._callFUT(html=html))
        self.assertEqual(parsed.get_content_type(), 'multipart/alternative')
        self.assertEqual(_text(parsed.get_body(('plain',))), BODY)
        self.assertEqual(_text(parsed.get_body(('html',))), html)

    def test_several_recipients_and_reply_to(self):
        parsed = _parse(self._callFUT(
            to=['ion@example.ro', '"Popescu, Maria" <maria@example.com>'],
            reply_to='Direcția Urbanism <urbanism@primariatm.ro>'))
        self.assertEqual([a.addr_spec for a in parsed['To'].addresses],
                         ['ion@example.ro', 'maria@example.com'])
        self.assertEqual(parsed['Reply-To'].addresses[0].display_name, 'Direcția Urbanism')
        self.assertEqual(parsed['Reply-To'].addresses[0].addr_spec, 'urbanism@primariatm.ro')

    def test_diacritics_in_display_names(self):
        parsed = _parse(self._callFUT(sender='Primăria Timișoara <portal@localhost>',
                                      to='Ștefan Țăranu <stefan@example.ro>'))
        self.assertEqual(parsed['From'].addresses[0].display_name, 'Primăria Timișoara')
        self.assertEqual(parsed['To'].addresses[0].display_name, 'Ștefan Țăranu')

    # refusals --------------------------------------------------------------

    def test_newline_in_subject_refused(self):
        for subject in ('Salut\r\nBcc: victim@example.com', 'Salut\nBcc: x@y.ro',
                        'Salut\rX: y', 'Salut\u2028X: y', 'Salut\x00'):
            with self.assertRaises(ValueError, msg=repr(subject)):
                self._callFUT(subject=subject)

    def test_newline_in_to_refused(self):
        for to in ('ion@example.ro\r\nBcc: victim@example.com',
                   'ion@example.ro\nSubject: x', ['ok@example.ro', 'a@b.ro\r\nX: y']):
            with self.assertRaises(ValueError, msg=repr(to)):
                self._callFUT(to=to)

    def test_newline_in_reply_to_and_sender_refused(self):
        with self.assertRaises(ValueError):
            self._callFUT(reply_to='a@b.ro\r\nBcc: c@d.ro')
        with self.assertRaises(ValueError):
            self._callFUT(sender='Portal <portal@localhost>\r\nBcc: c@d.ro')

    def test_not_one_address_refused(self):
        for to in ('ion', 'ion@', '@example.ro', 'ion@example.ro, maria@example.ro',
                   'Popescu, Ion <ion@example.ro>', '', []):
            with self.assertRaises(ValueError, msg=repr(to)):
                self._callFUT(to=to)

    def test_non_ascii_local_part_refused(self):
        # no SMTPUTF8: a relay could not carry it
        with self.assertRaises(ValueError):
            self._callFUT(to='ștefan@example.ro')


class TestMailer(unittest.TestCase):

    def _makeOne(self, tmp, **settings):
        from cityportal.connectors.mail import Mailer
        settings.setdefault('cityportal.var', tmp)
        return Mailer.from_settings(settings)

    def setUp(self):
        import tempfile
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def test_defaults(self):
        import os
        mailer = self._makeOne(self.tmp)
        self.assertEqual((mailer.host, mailer.port), ('127.0.0.1', 8025))
        self.assertEqual(mailer.sender, 'Portalul Unic <portal@localhost>')
        self.assertTrue(mailer.enabled)
        self.assertFalse(mailer.starttls)
        self.assertEqual(mailer.timeout, 10)
        self.assertEqual(mailer.outbox, os.path.join(self.tmp, 'mail', 'outbox'))
        self.assertEqual(mailer.pending(), [])

    def test_settings(self):
        mailer = self._makeOne(self.tmp, **{
            'cityportal.mail.host': 'smtp.primariatm.ro', 'cityportal.mail.port': '587',
            'cityportal.mail.sender': 'Primăria Timișoara <portal@primariatm.ro>',
            'cityportal.mail.enabled': 'false', 'cityportal.mail.starttls': 'true',
            'cityportal.mail.user': 'portal', 'cityportal.mail.password': 'from-ini'})
        self.assertEqual((mailer.host, mailer.port), ('smtp.primariatm.ro', 587))
        self.assertFalse(mailer.enabled)
        self.assertTrue(mailer.starttls)
        self.assertEqual((mailer.user, mailer.password), ('portal', 'from-ini'))
        parsed = _parse(mailer.build('ion@example.ro', SUBJECT, BODY))
        self.assertEqual(parsed['From'].addresses[0].display_name, 'Primăria Timișoara')
        self.assertTrue(str(parsed['Message-ID']).endswith('@primariatm.ro>'))

    def test_password_from_environment_wins(self):
        from unittest import mock
        with mock.patch.dict('os.environ', {'CITYPORTAL_MAIL_PASSWORD': 'from-env'}):
            mailer = self._makeOne(self.tmp, **{'cityportal.mail.password': 'from-ini'})
        self.assertEqual(mailer.password, 'from-env')

    def test_bad_sender_setting_refused(self):
        with self.assertRaises(ValueError):
            self._makeOne(self.tmp, **{'cityportal.mail.sender': 'portal'})

    def test_send_needs_a_transaction(self):
        import transaction
        from transaction.interfaces import NoTransaction
        mailer = self._makeOne(self.tmp)
        with self.assertRaises(NoTransaction):
            mailer.send(transaction.TransactionManager(explicit=True),
                        'ion@example.ro', SUBJECT, BODY)

    def test_send_refuses_injection_before_queueing(self):
        import transaction
        mailer = self._makeOne(self.tmp)
        tm = transaction.TransactionManager(explicit=True)
        tm.begin()
        with self.assertRaises(ValueError):
            mailer.send(tm, 'ion@example.ro', 'a\r\nBcc: x@y.ro', BODY)
        self.assertEqual(list(tm.get().getAfterCommitHooks()), [])
        tm.abort()

    def test_includeme_and_get_mailer(self):
        from pyramid import testing

        from cityportal.connectors.mail import Mailer
        from cityportal.connectors.mail import get_mailer
        config = testing.setUp(settings={'cityportal.var': self.tmp})
        try:
            config.include('cityportal.connectors.mail')
            mailer = get_mailer(config.registry)
            self.assertIsInstance(mailer, Mailer)
            self.assertIs(get_mailer(testing.DummyRequest(registry=config.registry)), mailer)
        finally:
            testing.tearDown()
