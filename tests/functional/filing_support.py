"""What the filing tests share: a service with every kind of field, citizens, the mail outbox.

The demo service "Autorizație de construire" (department ``urbanism``, where the demo
``functionar`` is a clerk) gets a form whose last file field provides a document the city
obtains itself (never asked). Forms are posted as the browser would post them: peppercorn
controls in document order, files inside their mapping (:func:`controls`).
"""
import email
import email.policy
import io
import os
import zipfile

import pytest
import webtest

from cityportal.testing import make_citizen, sign_in_citizen, valid_cnp

SERVICE = '/servicii/urbanism-si-constructii/autorizatie-de-construire'
DEPARTMENT = 'urbanism'
ONCE_ONLY = 'Extras de carte funciară pentru informare'

FIELDS = (
    {'name': 'scop', 'type': 'select', 'label': 'Scopul lucrărilor',
     'options': [{'value': 'construire', 'label': 'Construire'},
                 {'value': 'desfiintare', 'label': 'Desființare'}]},
    {'name': 'descriere', 'type': 'textarea', 'label': 'Descrierea lucrărilor',
     'max_length': 3000},
    {'name': 'suprafata', 'type': 'number', 'label': 'Suprafața terenului (m²)',
     'min': 1, 'max': 100000},
    {'name': 'data_inceperii', 'type': 'date', 'label': 'Data estimată a începerii',
     'required': False},
    {'name': 'email_contact', 'type': 'email', 'label': 'E-mail pentru comunicare'},
    {'name': 'acord', 'type': 'checkbox', 'label': 'Declar pe propria răspundere că datele '
     'sunt corecte'},
    {'name': 'plan', 'type': 'file', 'label': 'Plan de situație',
     'document': 'Plan de situație', 'file': {'types': ['pdf', 'jpg', 'png'],
                                              'max_size_mb': 1}},
    {'name': 'anexe', 'type': 'file', 'label': 'Alte documente', 'required': False,
     'file': {'types': ['pdf', 'docx'], 'max_size_mb': 1, 'max_count': 3}},
    {'name': 'extras_cf', 'type': 'file', 'label': 'Extras de carte funciară',
     'document': ONCE_ONLY, 'file': {'types': ['pdf'], 'max_size_mb': 5}},
)
DOCUMENTS = (
    {'name': 'Plan de situație', 'mandatory': True, 'obtained_by_city': False},
    {'name': ONCE_ONLY, 'mandatory': True, 'obtained_by_city': True},
)
GOOD = {'scop': 'construire', 'descriere': 'Locuință P+1E cu garaj.', 'suprafata': '450',
        'data_inceperii': '2026-12-20', 'email_contact': 'ioana@example.ro', 'acord': 'true'}

PDF = b'%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 64

CNP_A = valid_cnp('285031535001')
CNP_B = valid_cnp('190120135002')


def docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as z:
        z.writestr('[Content_Types].xml', '<Types/>')
        z.writestr('word/document.xml', '<w:document/>')
    return buffer.getvalue()


def file_control(uid=None, upload=None, remove=False):
    return {'uid': uid, 'upload': upload, 'remove': remove}


def controls(values, files=None, button='save', csrf='', fields=FIELDS):
    """The form's controls in document order, as a browser posts them.

    ``values``: field -> text; ``files``: field -> Upload (or a list for several
    slots), absent fields post an empty file control.
    """
    files = files or {}
    out = [('_charset_', 'UTF-8'), ('__formid__', 'cpform')]
    for field in fields:
        name = field['name']
        if field['type'] == 'file':
            if field.get('document') == ONCE_ONLY:
                continue
            count = field['file'].get('max_count', 1)
            given = files.get(name)
            given = given if isinstance(given, list) else [given]
            if count == 1:
                out += _file(name, given[0])
            else:
                out.append(('__start__', name + ':mapping'))
                for i in range(count):
                    out += _file('fisier_%d' % (i + 1), given[i] if i < len(given) else None)
                out.append(('__end__', name + ':mapping'))
        elif field['type'] == 'checkbox':
            if values.get(name):
                out.append((name, values[name]))
        else:
            out.append((name, values.get(name, '')))
    out += [('csrf_token', csrf), (button, button)]
    return out


def _file(name, value):
    out = [('__start__', name + ':mapping')]
    if isinstance(value, tuple):       # (uid, Upload or None)
        uid, upload = value
        out.append(('upload', upload if upload is not None else ''))
        out.append(('uid', uid))
    else:
        out.append(('upload', value if value is not None else ''))
    out.append(('__end__', name + ':mapping'))
    return out


def post(testapp, url, params, status=None, **kw):
    """POST ``params`` as multipart/form-data (as the browser does with these forms)."""
    kw.setdefault('expect_errors', status is not None and status >= 400)
    return testapp.post(url, params, content_type='multipart/form-data', status=status, **kw)


class Outbox:
    """The e-mails the portal queued, read from the mailer's outbox directory."""

    def __init__(self, path):
        self.path = path

    def messages(self):
        if not os.path.isdir(self.path):
            return []
        out = []
        for name in sorted(os.listdir(self.path)):
            if name.endswith('.eml'):
                with open(os.path.join(self.path, name), 'rb') as f:
                    out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out


@pytest.fixture
def outbox(registry, tmp_path, monkeypatch):
    """The app's mailer, disabled, keeping every message in an outbox under tmp_path."""
    from cityportal.connectors.mail import Mailer
    monkeypatch.setattr(registry, 'mailer', Mailer(var=str(tmp_path), enabled=False))
    return Outbox(str(tmp_path / 'mail' / 'outbox'))


@pytest.fixture
def service(root):
    from pyramid.traversal import find_resource
    svc = find_resource(root._root, SERVICE)
    svc.form_fields = FIELDS
    svc.documents = DOCUMENTS
    svc.deadline = {'days': 30, 'kind': 'calendar', 'basis': 'Legea nr. 50/1991'}
    svc.fee = {'kind': 'fixed', 'amount_lei': 25}
    svc.form_intro = 'Completați datele imobilului.'
    root.commit()
    return svc


@pytest.fixture
def citizens(root, registry):
    a, dossier_a = make_citizen(root._root, registry, CNP_A, 'Ioana', 'Ștefănescu',
                                email='ioana@example.ro')
    b, dossier_b = make_citizen(root._root, registry, CNP_B, 'Mihai', 'Țurcanu')
    root.commit()
    return {'a': (a, dossier_a.__name__), 'b': (b, dossier_b.__name__)}


def sign_in(testapp, root, account):
    sign_in_citizen(testapp, root.conn, account)
    root.commit()


def csrf(testapp):
    """The CSRF token of ``testapp``'s session (a page view plants it)."""
    if not testapp.cookies.get('cp_csrf'):
        testapp.get('/')
    return testapp.cookies['cp_csrf']


def upload(name, data, mimetype='application/pdf'):
    return webtest.Upload(name, data, mimetype)
