"""`citewatch export ARTICLE_ID --wacz FILE` packages the evidence; the wacz validator accepts it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch


def test_export_article_as_valid_wacz(tmp_path: Path, site: TestSite, cw: Citewatch) -> None:
    article = tmp_path / "a.md"
    article.write_text(
        f"[one]({site.url('/plain')}) and [two]({site.url('/statements/3', host='127.0.0.2')})\n",
        encoding="utf-8",
    )
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
    validator = Path(sys.executable).with_name("wacz")
    check = subprocess.run([str(validator), "validate", "-f", str(out)], capture_output=True, text=True)
    assert check.returncode == 0 and "valid" in (check.stdout + check.stderr).lower(), (
        check.stdout + check.stderr
    )


def test_export_unknown_article_fails_clearly(tmp_path: Path, cw: Citewatch) -> None:
    proc = cw.run("export", "999", "--wacz", str(tmp_path / "x.wacz"), check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("citewatch: error:")
    assert not (tmp_path / "x.wacz").exists()
