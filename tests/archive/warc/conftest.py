"""Make the repository root importable (``archive``, ``tests.seaweed``) when pytest runs as a script.

Stopgap: ``pythonpath = ["."]`` under ``[tool.pytest.ini_options]`` in pyproject.toml (or an editable
install) makes this unnecessary.
"""

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

# The path fix above must run before these imports.
from collections.abc import Callable  # noqa: E402
from datetime import datetime  # noqa: E402

import pytest  # noqa: E402

from archive.warc.exchange import FetchFailure, HttpExchange  # noqa: E402
from tests.archive.warc.samples import counting_ids, fixed_clock, sample_exchanges, sample_failure  # noqa: E402


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return fixed_clock()


@pytest.fixture
def new_id() -> Callable[[], str]:
    return counting_ids()


@pytest.fixture
def exchanges() -> dict[str, HttpExchange]:
    return sample_exchanges()


@pytest.fixture
def failure() -> FetchFailure:
    return sample_failure()
