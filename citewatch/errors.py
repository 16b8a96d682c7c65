"""Errors the command line turns into one actionable line and a non-zero exit."""

from __future__ import annotations

from pathlib import Path


class CitewatchError(Exception):
    """Base class: its message is shown to the user as is."""


class ConfigError(CitewatchError):
    """A setting is missing or malformed."""


class BadInput(CitewatchError):
    """An argument the user gave cannot be used (missing file, non-http URL …)."""


class NothingArchived(CitewatchError):
    """A command that only reads found no catalog: nothing has been archived there yet."""

    def __init__(self, home: Path, catalog: Path | None) -> None:
        where = f"no catalog at {catalog}" if catalog is not None else "the catalog database has no tables"
        super().__init__(f"nothing archived in {home} yet ({where}); `citewatch ingest` starts an archive")
        self.home = home


class ClusterUnavailable(CitewatchError):
    """The Redis of a scale-out deployment cannot be reached, or no worker takes the work."""
