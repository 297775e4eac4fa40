"""Uploads held between two renderings of a form that is not a case's draft.

A form that comes back with errors must keep what the citizen sent, the file
included (deform shows it by name and posts its uid again, without the file).
A draft case holds its uploads itself (``cases.uploads``); the other forms
of a citizen (a representation request) hold theirs here: on the citizen's
account, as ZODB blobs, for :data:`HOLD_SECONDS`, found only by the uid
deform gave them, and only from that account.
"""
import time

from BTrees.OOBTree import OOBTree
from persistent import Persistent
from ZODB.blob import Blob

from ..cases.uploads import TempStore, close_files

#: how long an upload waits for its form to be sent again
HOLD_SECONDS = 3600
#: the most files one account holds at a time (older ones go first)
MAX_HELD = 10


class HeldUpload(Persistent):
    def __init__(self, filename, mimetype, size, blob, created):
        self.filename = filename
        self.mimetype = mimetype
        self.size = size
        self.blob = blob
        self.created = created


class HeldUploads(TempStore):
    """deform's ``FileUploadTempStore`` on ``account.held_uploads`` (made when first needed).

    ``max_bytes``: a bigger file is not held (its validator refuses it anyway).
    Call :meth:`close` at the end of the request (blob files opened for reading).
    """

    def __init__(self, account, max_bytes, now=time.time):
        self.account = account
        self.max_bytes = max_bytes
        self.now = now
        self._opened = []
        self._request = {}        # this request's uploads, as deform gave them

    def _tree(self, create=False):
        tree = getattr(self.account, 'held_uploads', None)
        if tree is None and create:
            tree = self.account.held_uploads = OOBTree()
        return tree

    def _entry(self, uid):
        tree = self._tree()
        if tree is None or not isinstance(uid, str):
            return None
        entry = tree.get(uid)
        if entry is None or self.now() - entry.created > HOLD_SECONDS:
            return None
        return entry

    def __setitem__(self, uid, value):
        self._request[uid] = value
        fp = value.get('fp')
        if fp is None or self._entry(uid) is not None:
            return
        fp.seek(0)
        data = fp.read(self.max_bytes + 1)
        fp.seek(0)
        if not data or len(data) > self.max_bytes:
            return
        blob = Blob()
        with blob.open('w') as out:
            out.write(data)
        tree = self._tree(create=True)
        self._prune(tree)
        tree[uid] = HeldUpload(value.get('filename') or '', value.get('mimetype') or '',
                               len(data), blob, self.now())

    def _prune(self, tree):
        now = self.now()
        for uid, entry in list(tree.items()):
            if now - entry.created > HOLD_SECONDS:
                del tree[uid]
        while len(tree) >= MAX_HELD:
            oldest = min(tree.items(), key=lambda item: item[1].created)[0]
            del tree[oldest]

    def get(self, uid, default=None):
        if uid in self._request:
            return self._request[uid]
        entry = self._entry(uid)
        if entry is None:
            return default
        fp = entry.blob.open('r')
        self._opened.append(fp)
        return {'uid': uid, 'filename': entry.filename, 'mimetype': entry.mimetype,
                'size': entry.size, 'fp': fp, 'preview_url': None}

    def __contains__(self, uid):
        return uid in self._request or self._entry(uid) is not None

    def discard(self, uid):
        tree = self._tree()
        if tree is not None and isinstance(uid, str) and uid in tree:
            del tree[uid]

    def close(self):
        close_files(self._opened)
