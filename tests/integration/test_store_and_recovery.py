"""WARCs in S3 (a real SeaweedFS), a store that is down, and a crawl killed with SIGKILL mid-run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from archive.warc.reader import read_record
from tests.fixtures.site import TestSite, free_port
from tests.integration.conftest import Citewatch
from tests.seaweed import TEST_CREDENTIALS, SeaweedFS


def s3_env(weed: SeaweedFS, bucket: str) -> dict[str, str]:
    return {
        "CITEWATCH_STORE": f"s3://{bucket}/archive",
        "AWS_ENDPOINT_URL": weed.endpoint_url,
        "AWS_ACCESS_KEY_ID": TEST_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": TEST_CREDENTIALS["aws_secret_access_key"],
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def statements_article(tmp_path: Path, site: TestSite, count: int, path: str = "/statements/{n}") -> Path:
    hosts = site.hosts
    lines = [
        f"- [statement {n}]({site.url(path.format(n=n), host=hosts[n % len(hosts)])})"
        for n in range(1, count + 1)
    ]
    article = tmp_path / "statements.md"
    article.write_text("# Statements\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return article


def warcio_check(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", *map(str, paths)], capture_output=True, text=True
    )


def test_s3_store_holds_the_warcs(tmp_path: Path, site: TestSite, cw: Citewatch, seaweed: SeaweedFS) -> None:
    client = seaweed.client()
    client.create_bucket(Bucket="evidence")
    cw.env.update(s3_env(seaweed, "evidence"))
    article = statements_article(tmp_path, site, 6)

    cw.json("ingest", str(article))

    keys = [o["Key"] for o in client.list_objects_v2(Bucket="evidence").get("Contents", [])]
    warc_keys = [k for k in keys if k.startswith("archive/warcs/") and k.endswith(".warc.gz")]
    assert warc_keys, keys
    assert any(k.startswith("archive/indexes/") and k.endswith(".cdxj") for k in keys)
    assert not list((cw.home / "spool").glob("*.warc.gz")), "uploaded WARCs leave the spool"
    assert not (cw.home / "archive").exists(), "nothing goes to the local store when S3 is configured"
    # Each capture can be read back from the bucket with one ranged GET of its record.
    for source in cw.json("sources"):
        (capture,) = cw.json("captures", source["url"])
        start, length = capture["offset"], capture["length"]
        obj = client.get_object(
            Bucket="evidence",
            Key=f"archive/warcs/{capture['warc']}",
            Range=f"bytes={start}-{start + length - 1}",
        )
        record = read_record(obj["Body"].read())
        assert record.target_uri == source["url"]
        assert record.http_status == 200
    # And the WARCs in the bucket validate.
    local = []
    for key in warc_keys:
        path = tmp_path / Path(key).name
        client.download_file("evidence", key, str(path))
        local.append(path)
    assert warcio_check(local).returncode == 0
    db = sqlite3.connect(cw.home / "catalog.db")
    states = db.execute("select state, store_key from warc_file").fetchall()
    # Keys are relative to the store URL (s3://evidence/archive).
    assert states and all(state == "stored" and key.startswith("warcs/") for state, key in states)


def test_store_down_keeps_warcs_in_spool_until_next_run(
    tmp_path: Path, site: TestSite, cw: Citewatch, seaweed: SeaweedFS
) -> None:
    env = s3_env(seaweed, "later")
    env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    cw.env.update(env)
    article = statements_article(tmp_path, site, 3)

    down = cw.run("ingest", str(article), "--json", check=False)

    assert down.returncode != 0
    last = down.stderr.strip().splitlines()[-1]
    assert last.startswith("citewatch: error:") and "spool" in last and "Traceback" not in down.stderr
    spooled = list((cw.home / "spool").glob("*.warc.gz"))
    assert spooled, "the capture must survive in the spool"
    assert len(cw.json("sources")) == 3, "the catalog keeps what was captured"

    seaweed.client().create_bucket(Bucket="later")
    cw.env.update(s3_env(seaweed, "later"))
    cw.run("crawl", "--due", "--json")  # nothing is due: this run only uploads the spool

    keys = [o["Key"] for o in seaweed.client().list_objects_v2(Bucket="later").get("Contents", [])]
    assert {f"archive/warcs/{p.name}" for p in spooled} <= set(keys)
    assert not list((cw.home / "spool").glob("*.warc.gz"))


def test_sigkill_mid_crawl_loses_nothing_completed(tmp_path: Path, site: TestSite, cw: Citewatch) -> None:
    # Slow pages keep the crawl busy long enough to kill it in the middle.
    cw.config(autothrottle=False, download_timeout=10.0, concurrent_per_domain=1, requisites=False)
    article = statements_article(tmp_path, site, 30, path="/slow?delay=0.4&n={n}")

    proc = cw.popen("ingest", str(article))
    db_path = cw.home / "catalog.db"
    deadline = time.monotonic() + 60
    captured = 0
    while time.monotonic() < deadline and captured < 6:
        time.sleep(0.2)
        if db_path.exists():
            try:
                captured = sqlite3.connect(db_path).execute("select count(*) from capture").fetchone()[0]
            except sqlite3.OperationalError:
                captured = 0
    assert captured >= 6, "the crawl did not get going"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)

    before = (
        sqlite3.connect(db_path)
        .execute("select url, warc_name, offset, length from capture where role = 'source'")
        .fetchall()
    )
    assert before
    assert list((cw.home / "spool").glob("*.warc.gz.open")), "the killed run left an open WARC"

    cw.run("crawl", "--all", "--json")

    assert not list((cw.home / "spool").glob("*")), "start-up recovered and uploaded the spool"
    warcs = sorted((cw.home / "archive" / "warcs").glob("*.warc.gz"))
    assert len(warcs) >= 2
    check = warcio_check(warcs)
    assert check.returncode == 0, check.stdout + check.stderr
    # Every capture recorded before the kill still points at a readable, complete record.
    for url, warc, offset, length in before:
        with (cw.home / "archive" / "warcs" / warc).open("rb") as f:
            f.seek(offset)
            record = read_record(f.read(length))
        assert record.target_uri == url
    after = {s["url"]: s["captures"] for s in cw.json("sources")}
    assert len(after) == 30 and all(n >= 1 for n in after.values())
