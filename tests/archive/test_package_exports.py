"""Package exports loaded on first use (`archive.exports`): the names still work, and reaching a
light submodule no longer drags in the heavy ones."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import archive.store
import archive.text
import archive.warc
import crawler.ingest

LIGHT = (
    "archive.text.patterns",
    "archive.text.characters",
    "archive.warc.exchange",
    "crawler.ingest.canonical",
)
HEAVY = ("trafilatura", "pypdf", "lxml", "warcio", "boto3", "botocore", "markdown_it")
SCRIPT = f"""
import json, sys
import {", ".join(LIGHT)}
light = sorted({{m.split(".")[0] for m in sys.modules}})
import archive.store
store = sorted({{m.split(".")[0] for m in sys.modules}})
print(json.dumps([light, store]))
"""


def test_light_submodules_do_not_load_the_heavy_libraries() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    light, store = (set(names) for names in json.loads(proc.stdout))
    assert {"archive", "crawler"} <= light
    assert light.isdisjoint(HEAVY), sorted(light & set(HEAVY))
    assert "warcio" in store  # the spool writes WARCs; only the S3 client is left for S3 stores
    assert store.isdisjoint({"boto3", "botocore"})


def test_lazy_names_resolve_to_the_submodules_objects() -> None:
    from archive.store.s3 import S3Store
    from archive.text.extract import main_text
    from archive.warc.writer import WarcWriter
    from crawler.ingest.dispatch import extract

    assert archive.text.main_text is main_text
    assert archive.warc.WarcWriter is WarcWriter
    assert archive.store.S3Store is S3Store
    assert crawler.ingest.extract is extract
    assert {"main_text", "normalise"} <= set(dir(archive.text))


def test_a_name_shared_with_a_submodule_is_the_function() -> None:
    # Importing archive.text.normalise binds `normalise` on the package to the module: the function
    # of that name must be imported eagerly to win (see archive/exports.py).
    submodule = importlib.import_module("archive.text.normalise")
    from archive.text import normalise

    assert normalise is submodule.normalise


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"'archive\.text' has no attribute 'nothing_here'"):
        archive.text.nothing_here  # noqa: B018
    with pytest.raises(ImportError):
        from archive.warc import nothing_here  # noqa: F401
