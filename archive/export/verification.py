"""Checking a signed WACZ the way the WACZ Signing and Verification spec says, in its order:

1. every file of the package has the hash and size ``datapackage.json`` lists for it, and no file
   is there that it does not list (one added after signing would otherwise ride along unchecked);
2. ``datapackage-digest.json`` holds the hash of ``datapackage.json`` as it is in the package;
3. its ``signedData`` is an anonymous signature of that same hash (and ``created`` is the
   package's, as py-wacz checks), and the signature verifies with the ``publicKey`` it carries
   (`archive.export.signature`);
4. optionally, that public key is one the caller trusts (ours: `archive.export.keys`).

Every problem found is reported, not only the first, each naming the file or field: a reader
should learn *what* was altered.  Any reader can run the same checks with other tools: py-wacz's
``wacz validate`` does 1 and 2, ReplayWeb.page does 3 when it opens the package.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.export import signature
from archive.export.errors import UnreadablePackage
from archive.export.keys import PublicKey

DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class WaczCheck:
    """The outcome of checking one package."""

    path: Path
    files: int  # files whose hash and size were checked
    signed: bool  # it carries a signedData that verifies
    public_key: PublicKey | None  # the key it says signed it, if any
    created: str | None
    software: str | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_wacz(path: Path, *, trusted_keys: Collection[PublicKey] | None = None) -> WaczCheck:
    """Check the package at ``path`` (see the module doc); `UnreadablePackage` if it is no zip file.

    ``trusted_keys``: when given, a package signed by any other key fails.
    """
    path = Path(path)
    try:
        package = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise UnreadablePackage(path, "no such file") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadablePackage(path, f"it is not a zip file ({exc})") from exc
    with package:
        return _Checker(path, package).run(trusted_keys)


class _Checker:
    def __init__(self, path: Path, package: zipfile.ZipFile) -> None:
        self.path = path
        self.package = package
        self.problems: list[str] = []
        self.files = 0

    def run(self, trusted_keys: Collection[PublicKey] | None) -> WaczCheck:
        names = self.package.namelist()
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.problems.append(f"{name} is in the package more than once")
        raw = self._read(DATAPACKAGE)
        datapackage = self._json(DATAPACKAGE, raw) if raw is not None else None
        if datapackage is not None:
            self._check_resources(datapackage, set(names))
        digest_raw = self._read(DIGEST)
        digest = self._json(DIGEST, digest_raw) if digest_raw is not None else None
        public_key = created = software = None
        signed = False
        if digest is not None and raw is not None:
            actual = "sha256:" + hashlib.sha256(raw).hexdigest()
            if digest.get("path") != DATAPACKAGE:
                self.problems.append(f"{DIGEST} names {digest.get('path')!r}, not {DATAPACKAGE}")
            if digest.get("hash") != actual:
                self.problems.append(
                    f"{DATAPACKAGE} was altered: its hash is {actual}, {DIGEST} says {digest.get('hash')}"
                )
            signed_data = digest.get("signedData")
            if not isinstance(signed_data, Mapping):
                self.problems.append(f"the package is not signed: {DIGEST} has no signedData")
            else:
                public_key, created, software = _described(signed_data)
                signed = self._check_signed(signed_data, digest, datapackage)
                if signed and trusted_keys is not None and public_key not in trusted_keys:
                    assert public_key is not None
                    self.problems.append(
                        f"the signature verifies, but with a key that is not a trusted one "
                        f"(fingerprint {public_key.fingerprint})"
                    )
        return WaczCheck(self.path, self.files, signed, public_key, created, software, tuple(self.problems))

    def _read(self, name: str) -> bytes | None:
        try:
            return self.package.read(name)
        except KeyError:
            self.problems.append(f"{name} is missing")
        except (zipfile.BadZipFile, OSError) as exc:  # a CRC mismatch: the zip itself was damaged
            self.problems.append(f"{name} is damaged: {exc}")
        return None

    def _json(self, name: str, raw: bytes) -> dict[str, Any] | None:
        try:
            doc = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.problems.append(f"{name} is not JSON: {exc}")
            return None
        if not isinstance(doc, dict):
            self.problems.append(f"{name} is not a JSON object")
            return None
        return doc

    def _check_resources(self, datapackage: Mapping[str, Any], names: set[str]) -> None:
        resources = datapackage.get("resources")
        if not isinstance(resources, list):
            self.problems.append(f"{DATAPACKAGE} has no resources list")
            return
        listed: set[str] = set()
        for entry in resources:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
                self.problems.append(f"{DATAPACKAGE} has a resource without a path: {entry!r}")
                continue
            name = str(entry["path"])
            listed.add(name)
            if name not in names:
                self.problems.append(f"{name} is listed in {DATAPACKAGE} but missing from the package")
                continue
            self._check_file(name, entry.get("hash"), entry.get("bytes"))
        for name in sorted(names - listed - {DATAPACKAGE, DIGEST}):
            if not name.endswith("/"):
                self.problems.append(f"{name} is in the package but not listed in {DATAPACKAGE}")

    def _check_file(self, name: str, expected_hash: object, expected_size: object) -> None:
        if not isinstance(expected_hash, str) or not expected_hash.startswith("sha256:"):
            self.problems.append(f"{name}: {DATAPACKAGE} gives no sha256 hash for it ({expected_hash!r})")
            return
        digest = hashlib.sha256()
        size = 0
        try:
            with self.package.open(name) as stream:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, OSError) as exc:
            self.problems.append(f"{name} is damaged: {exc}")
            return
        self.files += 1
        actual = "sha256:" + digest.hexdigest()
        if actual != expected_hash:
            self.problems.append(
                f"{name} was altered: its hash is {actual}, {DATAPACKAGE} says {expected_hash}"
            )
        elif expected_size is not None and expected_size != size:
            self.problems.append(f"{name} is {size} bytes, {DATAPACKAGE} says {expected_size}")

    def _check_signed(
        self, signed_data: Mapping[str, Any], digest: Mapping[str, Any], datapackage: Mapping[str, Any] | None
    ) -> bool:
        before = len(self.problems)
        if signed_data.get("hash") != digest.get("hash"):
            self.problems.append(
                f"signedData.hash {signed_data.get('hash')} is not the hash in {DIGEST} "
                f"({digest.get('hash')})"
            )
        if datapackage is not None and signed_data.get("created") != datapackage.get("created"):
            self.problems.append(
                f"signedData.created {signed_data.get('created')} is not the package's created "
                f"({datapackage.get('created')})"
            )
        self.problems.extend(signature.check(signed_data))
        return len(self.problems) == before


def _described(signed_data: Mapping[str, Any]) -> tuple[PublicKey | None, str | None, str | None]:
    key = signed_data.get("publicKey")
    created = signed_data.get("created")
    software = signed_data.get("software")
    return (
        PublicKey(key) if isinstance(key, str) else None,
        created if isinstance(created, str) else None,
        software if isinstance(software, str) else None,
    )
