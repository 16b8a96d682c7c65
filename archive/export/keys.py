"""The archive's WACZ signing key: an ECDSA P-384 key pair kept in one private PEM file.

The WACZ signing spec's anonymous signature carries the public key inside every package, so a
reader can check a package against the key it holds; whether that key is *ours* is known only by
comparing it with what we publish (the UI's ``/keys`` page, ``citewatch signing-key``).  P-384 is
what ArchiveWeb.page generates and what ReplayWeb.page imports an anonymous ``publicKey`` as.

The key is made on first use, in a file only its owner can read (0600, in a 0700 directory), and
never leaves it: the store and exports hold only the public part.  Creation is race-free: the new
key is written to a temporary file and hard-linked to its name, which fails if another process got
there first, and then that process's key is the one used.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from archive.durability import fsync_dir
from archive.export.errors import SigningKeyError

CURVE = ec.SECP384R1()
KEY_MODE = 0o600
DIR_MODE = 0o700
_REPLACE = "move it aside and the next export makes a new key (publish its public part)"


@dataclass(frozen=True)
class SigningKey:
    """The private key and the file it came from."""

    private_key: ec.EllipticCurvePrivateKey
    path: Path

    @property
    def public(self) -> PublicKey:
        """The public part, as packages and the UI show it."""
        return PublicKey.of(self.private_key.public_key())


@dataclass(frozen=True)
class PublicKey:
    """A public key as the spec's ``publicKey`` (base64 of its DER SubjectPublicKeyInfo)."""

    spki_b64: str

    @classmethod
    def of(cls, key: ec.EllipticCurvePublicKey) -> PublicKey:
        der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return cls(base64.b64encode(der).decode("ascii"))

    @property
    def fingerprint(self) -> str:
        """``sha256:`` and the hex SHA-256 of the DER key: short enough to read out and compare."""
        return "sha256:" + hashlib.sha256(base64.b64decode(self.spki_b64)).hexdigest()

    @property
    def pem(self) -> str:
        """The same key as a PEM block, for tools that want one (openssl, authsign)."""
        lines = [self.spki_b64[i : i + 64] for i in range(0, len(self.spki_b64), 64)]
        return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def load_key(path: Path) -> SigningKey | None:
    """The key stored at ``path``, None if there is none yet; `SigningKeyError` if it is unusable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SigningKeyError(path, f"cannot read it ({exc.strerror}); check its owner and mode") from exc
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # Like ssh: a key others can read may have been copied; refuse rather than sign with it.
        raise SigningKeyError(path, f"its mode is {mode:04o}, readable by others; run chmod 600 on it")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(path, f"it is not an unencrypted PEM private key; {_REPLACE}") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != CURVE.name:
        raise SigningKeyError(path, f"it is not an ECDSA P-384 key; {_REPLACE}")
    return SigningKey(key, path)


def load_or_create_key(path: Path) -> SigningKey:
    """The key at ``path``, made there first if there is none (see the module doc)."""
    existing = load_key(path)
    if existing is not None:
        return existing
    try:
        path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        private_key = ec.generate_private_key(CURVE)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # mkstemp creates the file 0600 already: the private key is never readable by others.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, KEY_MODE)
            # FileExistsError: another process made one meanwhile, and that one is used.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
        fsync_dir(path.parent)
    except OSError as exc:
        raise SigningKeyError(
            path, f"cannot create it ({exc.strerror}); check that CITEWATCH_HOME is writable"
        ) from exc
    created = load_key(path)
    if created is None:  # pragma: no cover - the link above succeeded or the file was there
        raise SigningKeyError(path, "it vanished right after it was created")
    return created
