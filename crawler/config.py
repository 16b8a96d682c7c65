"""The crawl's knobs as one frozen value, built by the composition root from the user's settings."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class CrawlConfig:
    """Politeness and limits of one crawl; defaults are what a polite archiver does."""

    user_agent: str = "citewatch/0.1.0 (+https://github.com/citewatch/citewatch#crawler)"
    obey_robots: bool = True
    allow_private: bool = False
    concurrent_requests: int = 16
    concurrent_per_domain: int = 2
    autothrottle: bool = True
    autothrottle_target_concurrency: float = 1.0
    download_delay: float = 0.0
    download_timeout: float = 30.0
    max_body_bytes: int = 50 * MB
    max_redirects: int = 10
    requisites: bool = True
    max_requisites: int = 40
    max_requisite_bytes: int = 5 * MB
    retry_times: int = 1
    # How often the sink is asked to write the captures it holds (it also writes every hundred).
    flush_seconds: float = 0.1
    log_level: str = "WARNING"
    # One Redis shared by every worker (scale-out): per-host politeness and robots.txt go through it.
    redis_url: str | None = None
