"""The sink's maildir: one ``<id>.eml`` per message, exactly the bytes received.

The envelope (MAIL FROM, RCPT TO, peer, time received) sits beside it in ``<id>.json``.
Ids sort by arrival time: ``<UTC timestamp with microseconds>-<8 hex>``. Files are written
to a hidden temporary name and renamed, so a reader never sees half a message.
"""
import datetime
import email.policy
import json
import os
import re
import threading
import uuid
from email.parser import BytesHeaderParser

ID_RE = re.compile(r'^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}$')


class Maildir:

    def __init__(self, path):
        self.path = os.path.abspath(path)
        os.makedirs(self.path, exist_ok=True)
        self._lock = threading.Lock()

    def _file(self, message_id, ext):
        if not ID_RE.match(message_id or ''):
            raise KeyError(message_id)
        return os.path.join(self.path, message_id + ext)

    def _write(self, path, data):
        tmp = os.path.join(self.path, '.%s.tmp' % os.path.basename(path))
        with open(tmp, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)

    def save(self, data, mail_from, rcpt_tos, peer=None):
        """Store one message; return its id."""
        now = datetime.datetime.now(datetime.timezone.utc)
        message_id = '%s-%s' % (now.strftime('%Y%m%dT%H%M%S%fZ'), uuid.uuid4().hex[:8])
        envelope = {'mail_from': mail_from, 'rcpt_tos': list(rcpt_tos),
                    'received': now.isoformat(timespec='seconds'),
                    'peer': '%s:%s' % tuple(peer[:2]) if peer else None}
        with self._lock:
            self._write(self._file(message_id, '.json'),
                        json.dumps(envelope, ensure_ascii=False).encode('utf-8'))
            # the .eml last: its rename is what makes the message visible
            self._write(self._file(message_id, '.eml'), data)
        return message_id

    def ids(self):
        return sorted(n[:-4] for n in os.listdir(self.path)
                      if n.endswith('.eml') and ID_RE.match(n[:-4]))

    def raw(self, message_id):
        try:
            with open(self._file(message_id, '.eml'), 'rb') as f:
                return f.read()
        except FileNotFoundError:
            raise KeyError(message_id) from None

    def summary(self, message_id):
        """id, from, to, subject (decoded), date, size and the envelope of one message."""
        data = self.raw(message_id)
        headers = BytesHeaderParser(policy=email.policy.default).parsebytes(data)
        try:
            with open(self._file(message_id, '.json'), encoding='utf-8') as f:
                envelope = json.load(f)
        except (FileNotFoundError, ValueError):
            envelope = {}

        def header(name):
            return ', '.join(str(v) for v in headers.get_all(name, []))
        return {
            'id': message_id,
            'from': header('From'),
            'to': header('To'),
            'subject': header('Subject'),
            'date': header('Date'),
            'message_id': header('Message-ID'),
            'size': len(data),
            'envelope_from': envelope.get('mail_from'),
            'envelope_to': envelope.get('rcpt_tos', []),
            'received': envelope.get('received'),
        }

    def list(self):
        out = []
        for message_id in self.ids():
            try:
                out.append(self.summary(message_id))
            except KeyError:        # cleared meanwhile
                continue
        return out

    def clear(self):
        """Delete every message; return how many there were."""
        with self._lock:
            ids = self.ids()
            for name in os.listdir(self.path):
                if name.endswith(('.eml', '.json', '.tmp')):
                    try:
                        os.remove(os.path.join(self.path, name))
                    except FileNotFoundError:
                        pass
        return len(ids)
