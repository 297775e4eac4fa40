"""The sink's two faces: the SMTP handler (aiosmtpd) and a small web application (WebOb).

Endpoints:

=========================  ============================================================
``GET /health``            ``ok``
``GET /messages``          JSON list, oldest first: id, from, to, subject (decoded), date,
                           message_id, size, envelope_from, envelope_to, received
``GET /messages/<id>``     the message as received (``message/rfc822``)
``GET /view/<id>``         the message for a person: headers and its text, decoded
``GET /``                  "Mesaje trimise de portal": the list, in Romanian
``POST /clear``            delete every message: JSON ``{"deleted": n}`` (a form post from
                           the page is sent back to it)
=========================  ============================================================
"""
import email.policy
import html
import json
import logging

from aiosmtpd.smtp import AuthResult
from webob import Request
from webob import Response

log = logging.getLogger('smtp_sink')


class SinkHandler:
    """aiosmtpd handler: every message accepted is stored, none is relayed."""

    def __init__(self, maildir):
        self.maildir = maildir

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        message_id = self.maildir.save(data, envelope.mail_from, envelope.rcpt_tos,
                                       session.peer)
        log.info('message %s stored: %d recipient(s), %d bytes', message_id,
                 len(envelope.rcpt_tos), len(data))
        return '250 2.0.0 Message accepted (%s)' % message_id


def accept_any_login(server, session, envelope, mechanism, auth_data):
    """--accept-any-login: any user and password will do (to exercise the client's login)."""
    return AuthResult(success=True)


PAGE = """<!DOCTYPE html>
<html lang="ro">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ccc;
         vertical-align: top; }}
pre {{ white-space: pre-wrap; background: #f5f5f5; padding: 1rem; }}
</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


def _page(title, body, status=200):
    return Response(PAGE.format(title=html.escape(title), body=body), status=status,
                    content_type='text/html', charset='utf-8')


def _count(n):
    """'1 mesaj', '2 mesaje', '20 de mesaje': Romanian takes 'de' from 20 on."""
    if n == 1:
        return '1 mesaj'
    return '%d %smesaje' % (n, 'de ' if n % 100 == 0 or n % 100 >= 20 else '')


def _text_of(message):
    part = message.get_body(preferencelist=('plain', 'html'))
    if part is None:
        return ''
    try:
        return part.get_content()
    except Exception:       # an odd charset: show what can be shown
        return part.get_payload(decode=True).decode('utf-8', 'replace')


class SinkApp:
    """The WSGI application over a :class:`~.store.Maildir`."""

    def __init__(self, maildir):
        self.maildir = maildir

    def __call__(self, environ, start_response):
        request = Request(environ)
        method = 'GET' if request.method == 'HEAD' else request.method
        path = request.path_info
        try:
            response = self.route(method, path, request)
        except KeyError:
            response = _page('Mesajul nu există',
                             '<h1>Mesajul nu există</h1><p><a href="/">Înapoi la listă</a></p>',
                             404)
        except Exception:
            log.exception('error in %s %s', request.method, path)
            response = Response('internal error\n', status=500, content_type='text/plain')
        log.info('%s %s %s', request.method, path, response.status_code)
        return response(environ, start_response)

    def route(self, method, path, request):
        if path == '/health' and method == 'GET':
            return Response('ok\n', content_type='text/plain', charset='utf-8')
        if path == '/messages' and method == 'GET':
            return Response(json.dumps(self.maildir.list(), ensure_ascii=False),
                            content_type='application/json', charset='utf-8')
        if path.startswith('/messages/') and method == 'GET':
            return Response(self.maildir.raw(path[len('/messages/'):]),
                            content_type='message/rfc822')
        if path.startswith('/view/') and method == 'GET':
            return self.view(path[len('/view/'):])
        if path == '/' and method == 'GET':
            return self.index()
        if path == '/clear' and method == 'POST':
            deleted = self.maildir.clear()
            log.info('cleared %d message(s)', deleted)
            if request.POST.get('back') == 'page':      # the page's own button
                return Response(status=303, location='/')
            return Response(json.dumps({'deleted': deleted}), content_type='application/json',
                            charset='utf-8')
        if path in ('/health', '/messages', '/', '/clear') or path.startswith(
                ('/messages/', '/view/')):
            return Response('method not allowed\n', status=405, content_type='text/plain')
        raise KeyError(path)

    def index(self):
        rows = []
        for m in reversed(self.maildir.list()):      # newest first
            rows.append(
                '<tr><td>{received}</td><td>{sender}</td><td>{to}</td>'
                '<td><a href="/view/{id}">{subject}</a></td><td>{size}&nbsp;o</td>'
                '<td><a href="/messages/{id}">.eml</a></td></tr>'.format(
                    received=html.escape(m['received'] or m['date']),
                    sender=html.escape(m['from']), to=html.escape(m['to']),
                    subject=html.escape(m['subject'] or '(fără subiect)'),
                    size=m['size'], id=m['id']))
        if rows:
            listing = ('<p>{n}, cel mai nou primul.</p>'
                       '<table><thead><tr><th>Primit (UTC)</th><th>De la</th><th>Către</th>'
                       '<th>Subiect</th><th>Mărime</th><th>Sursă</th></tr></thead>'
                       '<tbody>{rows}</tbody></table>'
                       '<form method="post" action="/clear"><p>'
                       '<input type="hidden" name="back" value="page">'
                       '<button type="submit">Șterge toate mesajele</button></p></form>'
                       ).format(n=_count(len(rows)), rows='\n'.join(rows))
        else:
            listing = '<p>Niciun mesaj deocamdată.</p>'
        body = ('<h1>Mesaje trimise de portal</h1>'
                '<p>Serverul SMTP local păstrează aici tot ce trimite portalul; '
                'nimic nu pleacă mai departe.</p>' + listing)
        return _page('Mesaje trimise de portal', body)

    def view(self, message_id):
        data = self.maildir.raw(message_id)
        message = email.message_from_bytes(data, policy=email.policy.default)
        heads = ''.join(
            '<tr><th>{}</th><td>{}</td></tr>'.format(label, html.escape(str(message[name] or '')))
            for label, name in (('De la', 'From'), ('Către', 'To'), ('Răspuns către', 'Reply-To'),
                                ('Subiect', 'Subject'), ('Data', 'Date')))
        body = ('<p><a href="/">Înapoi la listă</a> · <a href="/messages/{id}">sursa (.eml)</a></p>'
                '<h1>{subject}</h1><table>{heads}</table><pre>{text}</pre>').format(
                    id=message_id, subject=html.escape(str(message['Subject'] or '')),
                    heads=heads, text=html.escape(_text_of(message)))
        return _page(str(message['Subject'] or 'Mesaj'), body)
