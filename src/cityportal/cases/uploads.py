"""Uploaded files of a case: checked, then kept as ZODB blobs.

An upload is accepted only when all of this holds, checked in this order
(the first failure is the message the citizen sees next to the field):

- its name is a plain file name: no path (``/``, ``\\``, ``..``), no NUL, no
  control or bidi-override character (a name is shown to clerks and offered
  back as a download name); a long name is shortened, its extension kept;
- its extension is one of the field's types (``formgen.FILE_TYPES``);
- it is not empty and not larger than the field's limit (measured on the
  data, never taken from the browser's word);
- its first bytes show that type (:func:`sniff`): a PDF starts with
  ``%PDF-``, a DOCX is a ZIP with ``[Content_Types].xml`` and ``word/``...
  An ``.exe`` renamed ``.pdf`` or a text file called ``plan.pdf`` is refused.

Accepted files become :class:`~.resources.Attachment` objects in
``case.attachments`` with their size, declared and sniffed types, SHA-256 and
the blob. :class:`CaseUploads` is deform's upload temp store on a *draft*
case: a file the citizen uploaded once survives a re-render of the form with
errors elsewhere and a "save the draft and come back later". Uploads wait in
memory until the form says the field is valid; only then :meth:`CaseUploads.keep`
writes them, so a refused file is never stored.
"""
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from collections import namedtuple

from ZODB.blob import Blob

from ..exceptions import CityPortalError
from ..i18n import _

#: how much of a file :func:`sniff` looks at
HEAD_BYTES = 4096
#: longest file name kept (characters, extension included)
MAX_FILENAME = 150
CHUNK = 1 << 16
#: attachment ids (also deform's upload uids on a draft)
_ID = re.compile(r'^[0-9a-f]{16}$')
_MIMETYPE = re.compile(r'^[\w.+-]{1,60}/[\w.+-]{1,80}$')
#: characters never accepted in a file name (besides the separators)
_BAD_CATEGORIES = {'Cc', 'Cf', 'Cs', 'Co', 'Cn', 'Zl', 'Zp'}
#: characters some systems cannot store in a name: replaced by '_'
_AWKWARD = set('<>:"|?*')

#: the DER encoding of the OID of PKCS #7 signedData (1.2.840.113549.1.7.2)
_PKCS7_SIGNED = bytes.fromhex('06092a864886f70d010702')


class UploadError(CityPortalError):
    """A file was refused (``message``: why, in Romanian, for the citizen)."""


#: what :func:`check_upload` found out about an acceptable upload
UploadInfo = namedtuple('UploadInfo', 'filename type mimetype size')


# what a file is -------------------------------------------------------------

def _types():
    from ..services.formgen import FILE_TYPES
    return FILE_TYPES


def extensions_of(kind):
    from ..services.formgen import EXTENSIONS
    return EXTENSIONS.get(kind, ('.' + kind,))


def mimetype_of(kind):
    """The MIME type a file of ``kind`` (a FILE_TYPES key) is stored and served as."""
    return _types()[kind][0]


def _zip_kind(fp):
    """'docx', 'xlsx' or 'zip' for a readable ZIP, None for a broken one."""
    if fp is None:
        return 'zip'
    try:
        fp.seek(0)
        with zipfile.ZipFile(fp) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError,
            NotImplementedError):
        return None
    finally:
        fp.seek(0)
    if '[Content_Types].xml' in names:
        if any(n.startswith('word/') for n in names):
            return 'docx'
        if any(n.startswith('xl/') for n in names):
            return 'xlsx'
    return 'zip'


def _is_p7s(head):
    if head[:1] == b'\x30' and _PKCS7_SIGNED in head[:64]:
        return True      # DER
    text = head.lstrip()
    return text.startswith((b'-----BEGIN PKCS7-----', b'-----BEGIN CMS-----'))


def _is_dxf(head):
    if head.startswith(b'AutoCAD Binary DXF\r\n\x1a\x00'):
        return True
    lines = [line.strip() for line in head.decode('latin-1').splitlines()]
    lines = [line for line in lines if line]
    while len(lines) >= 2 and lines[0] == '999':       # comments before the first section
        lines = lines[2:]
    return len(lines) >= 2 and lines[0] == '0' and lines[1] == 'SECTION'


def _is_xml(head):
    text = head[3:] if head.startswith(b'\xef\xbb\xbf') else head
    text = text.lstrip(b' \t\r\n')
    if text.startswith(b'<?xml'):
        return True
    if not re.match(rb'<[A-Za-z_]', text):
        return False
    # HTML is not an XML document one may file (and a browser would run it)
    return not re.match(rb'<(html|head|body|script)\b', text, re.I)


def sniff(head, fp=None):
    """The kind of file (a ``FILE_TYPES`` key) its first bytes show, or None.

    ``head``: the first bytes (:data:`HEAD_BYTES` are enough); ``fp``, seekable,
    lets a ZIP be told apart from a DOCX or an XLSX (left at position 0).
    """
    if head.startswith(b'%PDF-'):
        return 'pdf'
    if head.startswith(b'\xff\xd8\xff'):
        return 'jpg'
    if head.startswith(b'\x89PNG\r\n\x1a\n'):
        return 'png'
    if head[:4] in (b'II*\x00', b'MM\x00*'):
        return 'tiff'
    if head.startswith(b'AC10') and head[4:6].isdigit():
        return 'dwg'
    if head.startswith((b'PK\x03\x04', b'PK\x05\x06')):
        return _zip_kind(fp)
    if _is_p7s(head):
        return 'p7s'
    if _is_dxf(head):
        return 'dxf'
    if _is_xml(head):
        return 'xml'
    return None


def content_matches(kind, sniffed):
    """True when content sniffed as ``sniffed`` may carry the extension of ``kind``."""
    if sniffed is None:
        return False
    return sniffed == kind or (kind == 'zip' and sniffed in ('docx', 'xlsx'))


# names ---------------------------------------------------------------------

def safe_filename(filename):
    """``filename`` as it may be stored and shown; UploadError when it is not acceptable.

    Refused: no name, a path (``/``, ``\\``, ``..``), NUL, control, format
    (bidi override) or unassigned characters. Kept: the name's own letters
    (NFC), with ``<>:"|?*`` replaced by ``_``, shortened to
    :data:`MAX_FILENAME` characters with the extension kept.
    """
    if not isinstance(filename, str):
        raise UploadError(_('Fișierul nu are nume.'))
    name = unicodedata.normalize('NFC', filename).strip()
    if not name:
        raise UploadError(_('Fișierul nu are nume.'))
    if any(unicodedata.category(c) in _BAD_CATEGORIES for c in name):
        raise UploadError(_('Numele fișierului conține caractere nepermise '
                            '(caractere de control). Redenumiți fișierul și '
                            'încărcați-l din nou.'))
    if '/' in name or '\\' in name or '..' in name:
        raise UploadError(_('Numele fișierului nu poate conține o cale („/”, „\\” sau „..”). '
                            'Redenumiți fișierul și încărcați-l din nou.'))
    name = ''.join('_' if c in _AWKWARD else c for c in name).strip(' .')
    stem, ext = os.path.splitext(name)
    if not stem:
        raise UploadError(_('Fișierul nu are nume.'))
    if len(name) > MAX_FILENAME:
        ext = ext[:16]
        name = stem[:MAX_FILENAME - len(ext)].rstrip(' .') + ext
    return name


def kind_of_name(filename, types):
    """The type among ``types`` whose extension ``filename`` has, or None."""
    lower = filename.lower()
    for kind in types:
        if lower.endswith(extensions_of(kind)):
            return kind
    return None


def _mb(value):
    return ('%g' % value).replace('.', ',')


def type_list(types):
    return ', '.join(t.upper() for t in types)


def measure(fp):
    """The size of ``fp`` in bytes (left at position 0)."""
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    fp.seek(0)
    return size


def check_upload(fp, filename, types, max_bytes):
    """UploadInfo of an acceptable upload, or UploadError with the reason (see module doc)."""
    name = safe_filename(filename)
    kind = kind_of_name(name, types)
    if kind is None:
        raise UploadError(_('Tip de fișier nepermis. Se acceptă: ${types}.',
                            mapping={'types': type_list(types)}))
    if fp is None:
        raise UploadError(_('Fișierul nu a putut fi citit. Încărcați-l din nou.'))
    size = measure(fp)
    if size == 0:
        raise UploadError(_('Fișierul este gol.'))
    if size > max_bytes:
        raise UploadError(_('Fișierul depășește ${mb} MB.',
                            mapping={'mb': _mb(max_bytes / (1024 * 1024))}))
    head = fp.read(HEAD_BYTES)
    fp.seek(0)
    sniffed = sniff(head, fp)
    if not content_matches(kind, sniffed):
        raise UploadError(_('Conținutul fișierului nu este ${type}, deși numele lui spune '
                            'așa: fișierul este de alt tip sau este deteriorat.',
                            mapping={'type': kind.upper()}))
    return UploadInfo(name, sniffed, mimetype_of(sniffed), size)


# storing ---------------------------------------------------------------------

def new_attachment_id(case):
    while True:
        aid = secrets.token_hex(8)
        if aid not in case.attachments:
            return aid


def _declared(mimetype):
    mimetype = (mimetype or '').strip().lower()
    return mimetype if _MIMETYPE.match(mimetype) else ''


def store_file(case, field, fp, filename, types, max_bytes, actor, declared_type='',
               document=None, aid=None):
    """Check the upload and keep it as an Attachment of ``case``; return the Attachment.

    ``aid``: the id to use when it is free and well formed (deform's uid on a
    draft), else a new one. The data is copied into a blob in one pass that
    also measures it and computes its SHA-256; UploadError when it is refused.
    """
    from .resources import Attachment
    info = check_upload(fp, filename, types, max_bytes)
    blob = Blob()
    digest = hashlib.sha256()
    size = 0
    fp.seek(0)
    with blob.open('w') as out:
        while True:
            chunk = fp.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise UploadError(_('Fișierul depășește ${mb} MB.',
                                    mapping={'mb': _mb(max_bytes / (1024 * 1024))}))
            digest.update(chunk)
            out.write(chunk)
    if size == 0:
        raise UploadError(_('Fișierul este gol.'))
    if not (isinstance(aid, str) and _ID.match(aid) and aid not in case.attachments):
        aid = new_attachment_id(case)
    attachment = Attachment(field, info.filename, _declared(declared_type), info.mimetype,
                            size, digest.hexdigest(), blob, actor, document=document)
    attachment.id = aid
    case.attachments[aid] = attachment
    return attachment


def human_size(size):
    """'820 KB', '1,4 MB': sizes as the pages show them."""
    if size < 1024:
        return '%d B' % size
    if size < 1024 * 1024:
        return '%d KB' % max(1, round(size / 1024))
    return ('%.1f MB' % (size / (1024 * 1024))).replace('.', ',')


def remove_attachments(case, ids):
    for aid in ids:
        case.attachments.pop(aid, None)


# deform's temp store on a draft ----------------------------------------------------

class TempStore:
    """What every deform ``FileUploadTempStore`` of the portal shares: no previews."""

    def get(self, uid, default=None):
        raise NotImplementedError

    def __getitem__(self, uid):
        value = self.get(uid)
        if value is None:
            raise KeyError(uid)
        return value

    def preview_url(self, uid):
        return None


def close_files(opened):
    """Close (and forget) the blob files a request opened for reading."""
    while opened:
        fp = opened.pop()
        try:
            fp.close()
        except Exception:      # a blob file that is already gone
            pass


class FieldUploads(TempStore):
    """deform's ``FileUploadTempStore`` for one file field of a draft case.

    A uid is an attachment id. Only this field's attachments (and the uploads
    of this request) are found: a uid typed into the form cannot fetch a file
    of another field or another case.
    """

    def __init__(self, uploads, field):
        self.uploads = uploads
        self.field = field

    def _attachment(self, uid):
        if not self.uploads.stored or not isinstance(uid, str) or not _ID.match(uid):
            return None
        attachment = self.uploads.case.attachments.get(uid)
        if attachment is None or attachment.field != self.field:
            return None
        return attachment

    def get(self, uid, default=None):
        pending = self.uploads.pending.get(uid)
        if pending is not None:
            return pending[1] if pending[0] == self.field else default
        attachment = self._attachment(uid)
        if attachment is None:
            return default
        return self.uploads.file_data(uid, attachment)

    def __contains__(self, uid):
        pending = self.uploads.pending.get(uid)
        if pending is not None:
            return pending[0] == self.field
        return self._attachment(uid) is not None

    def __setitem__(self, uid, value):
        # a new upload (or a value deform re-renders): kept in memory until
        # the form says it is valid, see CaseUploads.keep
        if self._attachment(uid) is not None and value.get('fp') is None:
            return
        self.uploads.pending[uid] = (self.field, value)

    def is_stored(self, uid):
        return self._attachment(uid) is not None and uid not in self.uploads.pending


class CaseUploads:
    """The upload temp store of a draft case: one :class:`FieldUploads` per field.

    ``pending``: uploads of this request, uid -> (field, file data), not yet
    stored. :meth:`keep` stores one once its field validated; :meth:`close`
    closes the blob files opened for reading (call it at the end of the view).
    ``stored=False``: the store of a form that adds files to a filed case (a
    message, a completion): only this request's uploads, never a stored file.
    """

    def __init__(self, case, actor=None, stored=True):
        self.case = case
        self.actor = actor
        self.stored = stored
        self.pending = {}
        self._opened = []
        self._fields = {}

    def for_field(self, name):
        store = self._fields.get(name)
        if store is None:
            store = self._fields[name] = FieldUploads(self, name)
        return store

    def file_data(self, uid, attachment):
        """A fresh file-data dict for deform, ``fp`` opened on the blob."""
        fp = attachment.blob.open('r')
        self._opened.append(fp)
        return {'uid': uid, 'filename': attachment.filename,
                'mimetype': attachment.sniffed_type, 'size': attachment.size,
                'fp': fp, 'preview_url': None}

    def described(self, uid, field):
        """The file data of a stored attachment without opening it (for rendering)."""
        attachment = self.for_field(field)._attachment(uid)
        if attachment is None:
            return None
        return {'uid': uid, 'filename': attachment.filename,
                'mimetype': attachment.sniffed_type, 'size': attachment.size,
                'fp': None, 'preview_url': None}

    def keep(self, field, data, types, max_bytes, document=None, purpose=None):
        """Store ``data`` (a validated value of ``field``); return its attachment id.

        A stored file's id comes back as it is. A new upload becomes an
        Attachment (``data['uid']`` is updated to its id) whose ``field`` is
        ``purpose`` if given (a message's files), else ``field``. UploadError
        when the data is refused after all.
        """
        uid = data.get('uid')
        pending = self.pending.get(uid)
        if pending is None or pending[0] != field or pending[1] is not data:
            if self.for_field(field)._attachment(uid) is None:
                raise UploadError(_('Fișierul nu a putut fi citit. Încărcați-l din nou.'))
            return uid
        attachment = store_file(
            self.case, purpose or field, data['fp'], data.get('filename'), types, max_bytes,
            self.actor, declared_type=data.get('mimetype') or '', document=document,
            aid=uid)
        del self.pending[uid]
        data['uid'] = attachment.id
        data['filename'] = attachment.filename
        data['size'] = attachment.size
        return attachment.id

    def forget(self, uid):
        """Drop a refused upload."""
        self.pending.pop(uid, None)

    def close(self):
        close_files(self._opened)
