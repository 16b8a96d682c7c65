"""Signed WACZ exports (issue 11, item 5c): the archive's key, the spec's anonymous ``signedData``,
and the package check, against py-wacz's validator as the independent reader of the hashes.

ReplayWeb.page's own check of our signatures runs in tests/integration/test_wacz_replayweb.py.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.export import (
    SigningKeyError,
    UnreadablePackage,
    export_wacz,
    load_key,
    load_or_create_key,
    verify_wacz,
)
from archive.export.keys import SigningKey
from archive.export.signature import check, sign
from archive.export.wacz import ExportReport
from tests.archive.export.evidence_world import World, counting_ids

CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)

# Two anonymous signatures ArchiveWeb.page made (WebCrypto in a browser), as found in public
# repositories: ours must read them, or our format is not the spec's as the tools write it.
ARCHIVEWEB_PAGE_SIGNATURES = [
    {
        "hash": "sha256:2b346207e049fe30ad65415d48a137bca3b969ec425b7a47d34c5d70823d782f",
        "signature": (
            "njdrQ8Snsck3rDNXbqO/HnBItf98OiQ+QX8NfX0WWbBpHdZK14zAPgVpC2pydck6"
            "pJkwCTfNl57ZHUVVPKmtBdYm6f+Ik8S45rr1Ed4EV2H5CaoIZ6W77wdiB4G/ohOY"
        ),
        "publicKey": (
            "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE/R/QL0x1ijcwralLX/vNBniFbfbBeJpQ"
            "AHKy8Gk1r8EkTseqyeYap9QCk+QQcWtLzqUNHKTY408dK1N6ZPk90frmsa/aRWq5"
            "XLsxV9928nXcm0bXeCk467nOQKh/P2FL"
        ),
        "created": "2025-02-19T09:13:52.274Z",
        "software": "Webrecorder ArchiveWeb.page 0.14.2, using warcio.js 2.4.2",
    },
    {
        "hash": "sha256:aef48a18637f95a74e8537015a322b3894a88a8a54b310b2e6855d9f370b6b6c",
        "signature": (
            "mFeJLayQT4Si3/JO3BRDFyw0b90TUSMEOmvNwsQfV1Hwz5pMUgEweu0kx67KwFna"
            "SpgCg7Bs2FKkKsKJgS3GIBnCL169sFX/GH44dUofoGmb25JYLQO5DtZ+KzwHQ270"
        ),
        "publicKey": (
            "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEdyJB4zGpvCzhNblldx8b12sz+ECGk8Ry"
            "q4y+bg9woRu3OSKWO2uS+n8CD258iVvg0hP0JRg4C7YxGc7lqGsI9bHj0NaC9b4N"
            "XazeuR80iVCg96oTYIOLdWcII9rfaFMU"
        ),
    },
]


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return load_or_create_key(tmp_path / "home" / "keys" / "wacz-signing-key.pem")


def _export(world: World, out: Path, key: SigningKey | None) -> ExportReport:
    return export_wacz(
        world.catalog,
        article_id=world.article_id,
        read_range=world.read_range,
        out_path=out,
        clock=lambda: CREATED,
        new_id=counting_ids("ffff"),
        signing_key=key,
    )


def _wacz_validate(*paths: Path) -> list[int]:
    """py-wacz's ``wacz validate -f PATH`` on each path: the exit statuses.  One process for all
    (its start is most of its cost), of its own: importing py-wacz's indexer changes
    cdxj-indexer's behaviour for the whole process."""
    script = (
        "import contextlib, io, json, sys\n"
        "from wacz.main import main\n"
        "codes = []\n"
        "for path in sys.argv[1:]:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        codes.append(main(['validate', '-f', path]))\n"
        "print(json.dumps(codes))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    codes: list[int] = json.loads(result.stdout)
    return codes


def _rezip(package: Path, out: Path, change: Callable[[str, bytes], bytes]) -> None:
    """``package`` with members changed by ``change(name, data)``, zipped anew (every CRC right,
    the WARC still stored): what someone altering a package on purpose would make."""
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, change(info.filename, src.read(info)))


def _flip_warc_byte(name: str, data: bytes) -> bytes:
    if name != "archive/data.warc.gz":
        return data
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _edit_datapackage(name: str, data: bytes) -> bytes:
    if name != "datapackage.json":
        return data
    doc = json.loads(data)
    doc["title"] = "an edited title"
    return json.dumps(doc, indent=2).encode()


def _other_signature(name: str, data: bytes) -> bytes:
    if name != "datapackage-digest.json":
        return data
    doc = json.loads(data)
    raw = bytearray(base64.b64decode(doc["signedData"]["signature"]))
    raw[10] ^= 0x01
    doc["signedData"]["signature"] = base64.b64encode(bytes(raw)).decode()
    return json.dumps(doc, indent=2).encode()


def test_the_key_is_made_once_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "home" / "keys" / "wacz-signing-key.pem"
    assert load_key(path) is None

    first = load_or_create_key(path)
    again = load_or_create_key(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert again.public == first.public
    assert base64.b64decode(first.public.spki_b64).startswith(
        bytes.fromhex("3076301006072a8648ce3d020106052b81040022")
    )
    assert first.public.fingerprint.startswith("sha256:") and len(first.public.fingerprint) == 7 + 64
    assert first.public.pem.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert list(path.parent.iterdir()) == [path]  # no temporary file left beside it


def test_processes_making_the_key_at_once_all_use_one(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "wacz-signing-key.pem"
    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda _: load_or_create_key(path).public, range(16)))

    assert len(set(keys)) == 1 and keys[0] == load_or_create_key(path).public
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_key_others_can_read_or_not_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    load_or_create_key(path)
    os.chmod(path, 0o644)
    with pytest.raises(SigningKeyError, match="readable by others; run chmod 600"):
        load_or_create_key(path)
    path.write_bytes(b"not a key")
    os.chmod(path, 0o600)
    with pytest.raises(SigningKeyError, match="not an unencrypted PEM private key"):
        load_key(path)


def test_archiveweb_page_signatures_verify_and_a_changed_hash_does_not() -> None:
    for signed in ARCHIVEWEB_PAGE_SIGNATURES:
        assert check(signed) == []
        assert check({**signed, "hash": signed["hash"][:-1] + "0"}) == [
            "signedData.signature does not verify: the hash was not signed by signedData.publicKey"
        ]


def test_our_signature_is_in_webcrypto_form(key: SigningKey) -> None:
    signed = sign(key, "sha256:" + "ab" * 32, created="2026-12-01T09:30:00Z", software="citewatch test")
    doc = signed.as_json()

    assert list(doc) == ["hash", "created", "software", "version", "signature", "publicKey"]
    assert len(base64.b64decode(doc["signature"])) == 96  # raw r || s on P-384, as WebCrypto signs
    assert doc["publicKey"] == key.public.spki_b64
    assert check(doc) == []
    assert check({**doc, "domain": "example.org"}) == [
        "signedData has fields the anonymous signature format does not allow: domain"
    ]
    (authsign,) = check({"hash": doc["hash"], "signature": doc["signature"], "domainCert": "PEM"})
    assert authsign.startswith("signedData is a domain-certificate signature (authsign's format)")


def test_a_signed_export_verifies_with_ours_and_with_wacz_validate(
    world: World, tmp_path: Path, key: SigningKey
) -> None:
    report = _export(world, tmp_path / "signed.wacz", key)

    ours = verify_wacz(report.path, trusted_keys=[key.public])
    tampered = {
        change: tmp_path / f"{change.__name__}.wacz" for change in (_flip_warc_byte, _edit_datapackage)
    }
    for change, path in tampered.items():
        _rezip(report.path, path, change)
    statuses = _wacz_validate(report.path, *tampered.values())

    assert ours.problems == ()
    assert ours.ok and ours.signed and ours.public_key == key.public == report.public_key
    assert ours.files == 3 and ours.created == "2026-12-01T09:30:00Z"
    # py-wacz checked every file's hash and datapackage.json's, and that signedData.created is the
    # package's; it fails a changed WARC byte and an edited datapackage.json (as ours does, below).
    assert statuses == [0, 1, 1]
    with zipfile.ZipFile(report.path) as package:
        digest = json.loads(package.read("datapackage-digest.json"))
        assert digest["signedData"]["hash"] == digest["hash"]
        assert not any(b"PRIVATE KEY" in package.read(name) for name in package.namelist())


def test_only_the_signature_differs_between_two_exports(
    world: World, tmp_path: Path, key: SigningKey
) -> None:
    unsigned = _export(world, tmp_path / "unsigned.wacz", None)
    signed = _export(world, tmp_path / "signed.wacz", key)

    with zipfile.ZipFile(unsigned.path) as a, zipfile.ZipFile(signed.path) as b:
        for name in a.namelist():
            if name != "datapackage-digest.json":
                assert a.read(name) == b.read(name), name
        assert "signedData" not in json.loads(a.read("datapackage-digest.json"))
    assert unsigned.public_key is None
    assert verify_wacz(unsigned.path).problems == (
        "the package is not signed: datapackage-digest.json has no signedData",
    )


@pytest.mark.parametrize(
    ("change", "ours_says"),
    [
        (_flip_warc_byte, "archive/data.warc.gz was altered: its hash is sha256:"),
        (_edit_datapackage, "datapackage.json was altered: its hash is sha256:"),
        # py-wacz cannot check an anonymous signature (its --verify-auth knows only authsign's
        # domain certificates); ReplayWeb.page's check of this case is in test_wacz_replayweb.py.
        (_other_signature, "signedData.signature does not verify"),
    ],
)
def test_a_tampered_package_fails(
    world: World,
    tmp_path: Path,
    key: SigningKey,
    change: Callable[[str, bytes], bytes],
    ours_says: str,
) -> None:
    report = _export(world, tmp_path / "signed.wacz", key)
    tampered = tmp_path / "tampered.wacz"
    _rezip(report.path, tampered, change)

    ours = verify_wacz(tampered)

    assert not ours.ok
    assert len(ours.problems) == 1 and ours.problems[0].startswith(ours_says), ours.problems


def test_a_package_signed_by_another_key_fails_when_ours_is_required(
    world: World, tmp_path: Path, key: SigningKey
) -> None:
    other = load_or_create_key(tmp_path / "other.pem")
    report = _export(world, tmp_path / "signed.wacz", other)

    assert verify_wacz(report.path).ok
    (problem,) = verify_wacz(report.path, trusted_keys=[key.public]).problems
    assert problem.startswith("the signature verifies, but with a key that is not a trusted one")


def test_added_removed_and_damaged_members_are_named(world: World, tmp_path: Path, key: SigningKey) -> None:
    report = _export(world, tmp_path / "signed.wacz", key)
    added = tmp_path / "added.wacz"
    _rezip(report.path, added, lambda name, data: data)
    with zipfile.ZipFile(added, "a") as package:
        package.writestr("archive/extra.warc.gz", b"smuggled")
    damaged = tmp_path / "damaged.wacz"
    raw = bytearray(report.path.read_bytes())
    with zipfile.ZipFile(report.path) as package:
        info = package.getinfo("archive/data.warc.gz")
    header = info.header_offset
    start = header + 30 + int.from_bytes(raw[header + 26 : header + 28], "little")
    start += int.from_bytes(raw[header + 28 : header + 30], "little")
    raw[start + info.compress_size // 2] ^= 0x01  # inside the stored WARC: its CRC-32 no longer matches
    damaged.write_bytes(bytes(raw))

    assert verify_wacz(added).problems == (
        "archive/extra.warc.gz is in the package but not listed in datapackage.json",
    )
    (problem,) = verify_wacz(damaged).problems
    assert problem.startswith("archive/data.warc.gz is damaged:")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UnreadablePackage, match=r"no such file; give the path of a \.wacz file"):
        verify_wacz(tmp_path / "nothing.wacz")
    not_zip = tmp_path / "text.wacz"
    not_zip.write_text("hello", encoding="utf-8")
    with pytest.raises(UnreadablePackage, match="it is not a zip file"):
        verify_wacz(not_zip)
