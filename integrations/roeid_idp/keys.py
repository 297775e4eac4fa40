"""The IdP's signing key and certificate: made once with `cryptography`, reused afterwards.

The keys directory (``--keys-dir``, default ``var/roeid_idp``, which git ignores) holds:

* ``idp-key.pem``: RSA-2048 private key, mode 0600;
* ``idp-cert.pem``: self-signed certificate for it, valid ten years;
* ``sp-metadata/``: copies of service-provider metadata fetched from URLs (see metadata.py).

The same pair signs responses, signs logout messages and decrypts what a service provider
encrypts to the IdP. The persistent NameIDs are derived from the private key as well
(see :func:`name_id_secret`), so they stay stable exactly as long as the keys directory is kept.
"""
import datetime
import hashlib
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

KEY_NAME = 'idp-key.pem'
CERT_NAME = 'idp-cert.pem'
VALIDITY = datetime.timedelta(days=3650)


@dataclass(frozen=True)
class KeyPair:
    key_file: str
    cert_file: str

    def key_pem(self):
        with open(self.key_file, 'rb') as f:
            return f.read()

    def cert_pem(self):
        with open(self.cert_file, 'rb') as f:
            return f.read()


def ensure_keys(keys_dir, common_name='ROeID IdP (mediu de test)'):
    """The key pair in ``keys_dir``, generated on first use."""
    os.makedirs(keys_dir, mode=0o700, exist_ok=True)
    pair = KeyPair(os.path.join(keys_dir, KEY_NAME), os.path.join(keys_dir, CERT_NAME))
    if os.path.exists(pair.key_file) and os.path.exists(pair.cert_file):
        return pair

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, 'RO'),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'cityportal (mediu de test)'),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    _write(pair.key_file, key_pem, 0o600)
    _write(pair.cert_file, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return pair


def name_id_secret(key_pem):
    """The HMAC key behind the persistent NameIDs, derived from the IdP private key."""
    return hashlib.sha256(b'roeid-idp persistent NameID\x00' + key_pem).digest()


def _write(path, data, mode):
    """Write a new file with ``mode`` from the start (the key is never world-readable)."""
    tmp = f'{path}.{os.getpid()}.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    os.chmod(tmp, mode)  # in case the umask narrowed it
    os.replace(tmp, path)
