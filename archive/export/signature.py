"""The ``signedData`` of a WACZ's ``datapackage-digest.json``: the WACZ Signing and Verification
spec's *anonymous signature* (https://specs.webrecorder.net/wacz-auth/0.1.0/).

Byte-exact with the implementations that exist: ArchiveWeb.page makes anonymous signatures with
WebCrypto (``ECDSA`` on ``P-384`` with ``SHA-256`` over the UTF-8 bytes of the ``hash`` string,
``"sha256:<hex>"``), and ReplayWeb.page (wabac.js ``verifyWACZSignature``) checks them with the
same WebCrypto call.  WebCrypto's ECDSA signatures are the raw ``r || s`` concatenation (48 + 48
bytes on P-384), not the DER that OpenSSL and ``cryptography`` produce, so we convert both ways;
``publicKey`` is base64 DER SubjectPublicKeyInfo (WebCrypto's ``spki``).  authsign's verifier
handles only the other format (a domain certificate plus an RFC 3161 timestamp), which needs a
public CA and timestamp service; a local archive has neither, so it signs anonymously and
publishes its public key (`archive.export.keys`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from archive.export.keys import CURVE, PublicKey, SigningKey

SPEC_VERSION = "0.1.0"
# The anonymous format's fields, in the spec's order; the spec allows no others.
FIELDS = ("hash", "created", "software", "version", "signature", "publicKey")
REQUIRED = ("hash", "signature", "publicKey")
_HALF = (CURVE.key_size + 7) // 8  # bytes of r, and of s


@dataclass(frozen=True)
class SignedData:
    """An anonymous ``signedData`` object."""

    hash: str  # "sha256:<hex>", exactly the digest file's ``hash``
    created: str
    software: str
    signature: str  # base64 of r || s
    public_key: PublicKey
    version: str = SPEC_VERSION

    def as_json(self) -> dict[str, str]:
        """The object as it goes into ``datapackage-digest.json``."""
        return {
            "hash": self.hash,
            "created": self.created,
            "software": self.software,
            "version": self.version,
            "signature": self.signature,
            "publicKey": self.public_key.spki_b64,
        }


def sign(key: SigningKey, digest: str, *, created: str, software: str) -> SignedData:
    """Sign ``digest`` (the ``"sha256:<hex>"`` of ``datapackage.json``) with ``key``."""
    der = key.private_key.sign(digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(_HALF, "big") + s.to_bytes(_HALF, "big")
    return SignedData(digest, created, software, base64.b64encode(raw).decode("ascii"), key.public)


def check(signed: Mapping[str, object]) -> list[str]:
    """What is wrong with a ``signedData`` object as found in a package (empty: the signature of its
    ``hash`` verifies with its ``publicKey``).  Whether ``hash`` is the package's is the caller's check."""
    if "domainCert" in signed and "publicKey" not in signed:
        return [
            "signedData is a domain-certificate signature (authsign's format), which this check does "
            "not verify; check it with py-wacz: wacz validate --verify-auth -f FILE"
        ]
    problems = [f"signedData has no {name}" for name in REQUIRED if not isinstance(signed.get(name), str)]
    if problems:
        return problems
    extra = sorted(set(signed) - set(FIELDS))
    if extra:
        # A domain-certificate signature (authsign's) has these; we verify only anonymous ones.
        return [f"signedData has fields the anonymous signature format does not allow: {', '.join(extra)}"]
    digest, signature, public = (str(signed[name]) for name in REQUIRED)
    try:
        key = serialization.load_der_public_key(base64.b64decode(public, validate=True))
    except (ValueError, binascii.Error):
        return ["signedData.publicKey is not a base64 DER public key"]
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != CURVE.name:
        return ["signedData.publicKey is not an ECDSA P-384 key (ReplayWeb.page reads it as one)"]
    try:
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        return ["signedData.signature is not base64"]
    if len(raw) != 2 * _HALF:
        return [
            f"signedData.signature is {len(raw)} bytes, not the {2 * _HALF} of a raw P-384 r||s signature"
        ]
    der = encode_dss_signature(int.from_bytes(raw[:_HALF], "big"), int.from_bytes(raw[_HALF:], "big"))
    try:
        key.verify(der, digest.encode("utf-8"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return ["signedData.signature does not verify: the hash was not signed by signedData.publicKey"]
    return []
