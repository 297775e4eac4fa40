"""Service-provider metadata the IdP trusts, and the pysaml2 Server built on it.

``--sp-metadata`` takes files and http(s) URLs. Files are read whenever the Server is (re)built.
URLs are fetched lazily: at start-up if the SP already answers, otherwise on first need, and
again whenever a message arrives from an entity id the IdP does not know or fails its signature
check (the SP may have started after the IdP, or made itself a new key pair). Each fetched
document is kept under ``KEYS_DIR/sp-metadata/`` and handed to pysaml2 as a local file, so an
SP that stops answering keeps the metadata last seen. After the first such re-fetch, the next
waits at least :data:`REFRESH_INTERVAL` seconds.
"""
import hashlib
import logging
import os
import threading
import time
import urllib.error
import urllib.request

from .idp import RoeidServer
from .idp import build_config

log = logging.getLogger('roeid_idp')

FETCH_TIMEOUT = 5
REFRESH_INTERVAL = 2.0


def is_url(source):
    return source.startswith(('http://', 'https://'))


class SpMetadata:
    """The ``--sp-metadata`` sources and the Server that trusts them."""

    def __init__(self, sources, cache_dir, base_url, keys):
        self.sources = list(sources)
        self.cache_dir = cache_dir
        self.base_url = base_url
        self.keys = keys
        self._lock = threading.Lock()
        self._last_refresh = None
        self._fetch_urls()
        self.server = self._build()

    @property
    def has_urls(self):
        return any(is_url(source) for source in self.sources)

    def knows(self, entity_id):
        return entity_id in self.server.metadata.keys()

    def refresh(self, reason):
        """Re-fetch the URL sources and rebuild the Server; False if too soon to try again."""
        with self._lock:
            now = time.monotonic()
            if self._last_refresh is not None and now - self._last_refresh < REFRESH_INTERVAL:
                log.info('metadata: not re-reading SP metadata again so soon (%s)', reason)
                return False
            self._last_refresh = now
            log.info('metadata: re-reading SP metadata (%s)', reason)
            self._fetch_urls()
            try:
                self.server = self._build()
            except Exception:
                log.exception('metadata: unusable SP metadata, keeping the previous set')
            return True

    def _files(self):
        files = []
        for source in self.sources:
            path = self._cache_path(source) if is_url(source) else source
            if os.path.exists(path):
                files.append(path)
            elif not is_url(source):
                log.warning('metadata: file %s does not exist', path)
        return files

    def _build(self):
        config = build_config(self.base_url, self.keys.key_file, self.keys.cert_file,
                              {'local': self._files()})
        server = RoeidServer(config)
        log.info('metadata: trusting %s', ', '.join(sorted(server.metadata.keys())) or 'no SP yet')
        return server

    def _fetch_urls(self):
        for source in self.sources:
            if is_url(source):
                self._fetch(source)

    def _fetch(self, url):
        try:
            with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as answer:
                document = answer.read()
        except (urllib.error.URLError, OSError) as exc:
            log.warning('metadata: cannot fetch %s yet (%s)', url, getattr(exc, 'reason', exc))
            return
        if b'EntityDescriptor' not in document:
            log.warning('metadata: %s is not SAML metadata, ignored', url)
            return
        os.makedirs(self.cache_dir, mode=0o700, exist_ok=True)
        path = self._cache_path(url)
        tmp = f'{path}.tmp'
        with open(tmp, 'wb') as f:
            f.write(document)
        os.replace(tmp, path)
        log.info('metadata: fetched %s (%d bytes)', url, len(document))

    def _cache_path(self, url):
        digest = hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]
        return os.path.join(self.cache_dir, f'{digest}.xml')
