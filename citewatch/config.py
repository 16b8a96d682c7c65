"""Settings: one typed object, read from the environment and `$CITEWATCH_HOME/citewatch.toml`.

Precedence, highest first: environment variables (``CITEWATCH_STORE`` …), then the TOML file
(keys either as ``store = "…"`` or exactly like the variables, ``CITEWATCH_STORE = "…"``),
then the defaults below.  ``CITEWATCH_HOME`` itself can only come from the environment,
since it says where the TOML file is.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from citewatch.errors import ConfigError

CONFIG_FILE_NAME = "citewatch.toml"
DEFAULT_HOME = "./citewatch-data"
ENV_PREFIX = "CITEWATCH_"


class _TomlSource(PydanticBaseSettingsSource):
    """Reads `$CITEWATCH_HOME/citewatch.toml`, accepting both `store` and `CITEWATCH_STORE` spellings."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls)
        self._values: dict[str, Any] = {}
        if path.is_file():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path} is not valid TOML ({exc}); fix or remove it") from exc
            for key, value in raw.items():
                name = key.lower().removeprefix(ENV_PREFIX.lower())
                if name not in settings_cls.model_fields or name == "home":
                    # A typo ("alert_url") must not silently mean "no alerts".
                    raise ConfigError(
                        f"{path}: unknown setting {key!r}; see citewatch/config.py or the README for the keys"
                    )
                self._values[name] = value

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if k in self.settings_cls.model_fields}


class MementoArchiveSetting(BaseModel):
    """One Memento archive: its name (shown as "recovered from NAME") and its TimeGate, the URL
    the source URL is appended to (``https://web.archive.org/web/``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$")
    timegate: str

    @field_validator("timegate")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/]+/\S*", value):
            raise ValueError("a TimeGate must be an http(s) URL, e.g. https://web.archive.org/web/")
        return value


class Settings(BaseSettings):
    """Everything citewatch can be told, with the defaults a newcomer's first run needs."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    home: Path = Field(default=Path(DEFAULT_HOME), description="data directory")
    store: str | None = Field(default=None, description="directory, file://… or s3://bucket/prefix")
    db: str | None = Field(default=None, description="SQLAlchemy URL of the catalog")
    allow_private: bool = Field(default=False, description="let the crawler fetch private addresses")
    redis_url: str | None = Field(
        default=None, description="redis://… or unix://…: distribute crawling over workers (scrapy-redis)"
    )

    # Crawling politeness and limits.
    contact_url: str = "https://github.com/citewatch/citewatch#crawler"
    obey_robots: bool = True
    concurrent_requests: int = 16
    concurrent_per_domain: int = 2
    autothrottle: bool = True
    autothrottle_target_concurrency: float = 1.0
    download_delay: float = 0.0
    download_timeout: float = 30.0
    max_body_mb: float = 50.0
    max_redirects: int = 10
    requisites: bool = True
    max_requisites: int = 40
    max_requisite_mb: float = 5.0
    retry_times: int = 1

    # Change detection and alerts.
    failure_threshold: int = Field(default=3, ge=1, description="failures in a row before 'unreachable'")
    alert_urls: list[str] = Field(default_factory=list, description="Apprise URLs for every alert")
    alert_tag_urls: dict[str, list[str]] = Field(
        default_factory=dict, description="Apprise URLs for alerts about sources cited by articles with a tag"
    )
    ui_base_url: str | None = None
    report_digest_seconds: float = Field(
        default=86400.0, gt=0, description="each tag's link-health digest covers this period (UTC-aligned)"
    )

    # The web UI: read-only unless the operator sets a token for the actions that change state.
    admin_token: str | None = Field(default=None, description="at least 16 characters; unset: read-only UI")
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="host names the UI answers to besides loopback, the bind address and ui_base_url's host",
    )
    ui_max_connections: int = Field(default=1000, ge=1, description="connections `serve` handles at once")
    # A tenth of the whole: one client alone cannot fill the server; a browser opens about six.
    ui_max_connections_per_client: int = Field(
        default=100, ge=1, description="connections one client IP (IPv6: one /64) may hold open on `serve`"
    )
    ui_request_timeout: float = Field(
        default=20.0, gt=0, description="seconds a client has to send a whole request to `serve`"
    )
    ui_ingest_concurrency: int = Field(default=2, ge=1, description="ingests started from the UI run at once")
    ui_ingest_queue: int = Field(
        default=100, ge=1, description="ingests from the UI waiting their turn, at most"
    )

    # The daemon's job intervals, in seconds.
    dispatch_seconds: float = Field(default=60.0, gt=0)
    alert_seconds: float = Field(default=30.0, gt=0)
    upload_seconds: float = Field(default=300.0, gt=0)
    # The fixity audit (`citewatch verify`): at start, then this often (daily by default).
    verify_seconds: float = Field(default=86_400.0, gt=0)

    # Scale-out over Redis (with redis_url): leases, workers and the dispatcher.
    lease_seconds: float = Field(
        default=300.0, gt=0, description="a leased source is held this long (renewed while in work)"
    )
    worker_id: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$",
        description="this worker's name: its WARC prefix and spool (default: the host name)",
    )
    worker_round_seconds: float = Field(
        default=300.0, gt=0, description="a worker judges changes and uploads its WARCs at least this often"
    )
    worker_idle_seconds: float = Field(
        default=5.0, gt=0, description="a worker's round ends once the queue has been empty this long"
    )
    dispatch_queue_limit: int = Field(
        default=1000, ge=1, description="the dispatcher keeps at most this many requests queued"
    )
    dispatcher_lease_seconds: float = Field(
        default=30.0, gt=0, description="a standby daemon takes over this long after the dispatcher died"
    )

    # The revisit policy (see scheduler/policy.py), in hours.
    revisit_fresh_hours: float = Field(default=24.0, gt=0)
    revisit_fresh_interval_hours: float = Field(default=1.0, gt=0)
    revisit_recent_hours: float = Field(default=24.0 * 30, gt=0)
    revisit_recent_interval_hours: float = Field(default=24.0, gt=0)
    revisit_old_interval_hours: float = Field(default=24.0 * 7, gt=0)

    # Browser captures (sources that need JavaScript; `citewatch mode`).
    chromium: str | None = Field(default=None, description="Chromium executable (default: chromium on PATH)")
    browser_allow_private: bool | None = Field(
        default=None, description="let the browser reach private addresses (default: allow_private)"
    )
    browser_allow_addresses: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="addresses the browser may reach although private (tests)"
    )
    browser_timeout_seconds: float = Field(default=30.0, gt=0)
    browser_max_resources: int = Field(default=200, gt=0)
    browser_max_mb: float = Field(default=50.0, gt=0)
    mode_recheck_days: float = Field(default=30.0, gt=0)

    # Memento in: TimeGates asked for a source already dead when it is first captured (none by
    # default).  TOML: ``[[memento_archives]]`` tables with ``name`` and ``timegate``, or a
    # ``[memento_archives]`` table of name = TimeGate; the environment takes the same as JSON.
    memento_archives: list[MementoArchiveSetting] = Field(
        default_factory=list,
        description="Memento TimeGates a dead-at-ingest source is recovered from, asked in order",
    )

    # WARC output.
    warc_prefix: str = "citewatch"
    warc_max_mb: float = 1000.0
    s3_multipart_threshold_mb: float = 64.0

    @field_validator("memento_archives", mode="before")
    @classmethod
    def _archives_by_name(cls, value: Any) -> Any:
        """``{name = timegate}`` (a TOML table, or a JSON object in the environment) as the list."""
        if isinstance(value, dict):
            return [{"name": name, "timegate": timegate} for name, timegate in value.items()]
        return value

    @field_validator("allowed_hosts", "browser_allow_addresses", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        """``CITEWATCH_ALLOWED_HOSTS=a.example,b.example`` (or a JSON list) from the environment."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def store_url(self) -> str:
        return self.store or str(self.home_dir / "archive")

    @property
    def db_url(self) -> str:
        return self.db or f"sqlite:///{self.home_dir / 'catalog.db'}"

    @property
    def spool_dir(self) -> Path:
        return self.home_dir / "spool"

    @property
    def user_agent(self) -> str:
        from citewatch import __version__

        return f"citewatch/{__version__} (+{self.contact_url}; web archiving of cited sources)"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        home = Path(os.environ.get(f"{ENV_PREFIX}HOME", DEFAULT_HOME)).expanduser()
        return (init_settings, env_settings, _TomlSource(settings_cls, home / CONFIG_FILE_NAME))


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation errors into one actionable line."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"setting {ENV_PREFIX}{field.upper()} is invalid: {first['msg']}; fix the environment "
            f"variable or {CONFIG_FILE_NAME}"
        ) from exc
