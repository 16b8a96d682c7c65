"""URLs the browsing UI builds for archived material: replay paths and their timestamps (defined
below the web package, in `archive.links`, and re-exported here)."""

from __future__ import annotations

from archive.links.memento import timestamp14
from archive.links.paths import diff_path, replay_path

__all__ = ["diff_path", "replay_path", "timestamp14"]
