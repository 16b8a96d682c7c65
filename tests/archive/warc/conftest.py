"""Shared fixtures for these tests."""

from collections.abc import Callable
from datetime import datetime

import pytest

from archive.warc.exchange import FetchFailure, HttpExchange
from tests.archive.warc.samples import counting_ids, fixed_clock, sample_exchanges, sample_failure


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
