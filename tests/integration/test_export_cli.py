"""`citewatch export ARTICLE_ID --wacz FILE` packages the evidence; the wacz validator accepts it."""

from __future__ import annotations

import io
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch


def test_export_article_as_valid_wacz(tmp_path: Path, site: TestSite, cw: Citewatch) -> None:
    article = tmp_path / "a.md"
    two = site.url("/statements/3", host="127.0.0.2")
    moved = site.url("/redirect/chain", host="127.0.0.3")
    article.write_text(f"[one]({site.url('/plain')}), [two]({two}) and [moved]({moved})\n", encoding="utf-8")
    (created,) = cw.json("ingest", str(article))
    out = tmp_path / "evidence.wacz"

    report = cw.json("export", str(created["article_id"]), "--wacz", str(out))

    assert report["path"] == str(out) and report["bytes"] == out.stat().st_size and report["records"] >= 4
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert {
            "archive/data.warc.gz",
            "indexes/index.cdxj",
            "pages/pages.jsonl",
            "datapackage.json",
        } <= names
        assert z.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        pages = z.read("pages/pages.jsonl").decode()
        assert site.url("/plain") in pages
        responses = {
            record.rec_headers.get_header("WARC-Target-URI")
            for record in ArchiveIterator(io.BytesIO(z.read("archive/data.warc.gz")))
            if record.rec_type == "response"
        }
    # Every redirect hop of the moved statement is evidence too, not only where it ended.
    for hop in ("/redirect/chain", "/redirect/hop2", "/redirect/hop3", "/plain"):
        assert site.url(hop, host="127.0.0.3") in responses, hop
    validator = Path(sys.executable).with_name("wacz")
    check = subprocess.run([str(validator), "validate", "-f", str(out)], capture_output=True, text=True)
    assert check.returncode == 0 and "valid" in (check.stdout + check.stderr).lower(), (
        check.stdout + check.stderr
    )
    # Signed with the archive's own key (issue 11, item 5c), made on first use, private to its owner.
    key_file = cw.home / "keys" / "wacz-signing-key.pem"
    assert report["signed"] is True and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert cw.json("signing-key")["fingerprint"] == report["fingerprint"]
    verified = cw.json("verify-wacz", str(out), "--ours")
    assert verified["ok"] is True and verified["key_is_ours"] is True and verified["problems"] == []
    assert verified["public_key"] == report["public_key"] and verified["files"] == 3
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(
                info,
                data.replace(b'"title": "', b'"title": "Not ')
                if info.filename == "datapackage.json"
                else data,
            )
    unsigned = cw.json("export", str(created["article_id"]), "--wacz", str(tmp_path / "u.wacz"), "--unsigned")
    assert unsigned["signed"] is False and unsigned["public_key"] is None
    failed = cw.run("verify-wacz", str(tampered), check=False)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert f"citewatch: {tampered}: datapackage.json was altered: its hash is sha256:" in failed.stderr


def test_export_unknown_article_fails_clearly(tmp_path: Path, cw: Citewatch) -> None:
    proc = cw.run("export", "999", "--wacz", str(tmp_path / "x.wacz"), check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("citewatch: error:")
    assert not (tmp_path / "x.wacz").exists()
