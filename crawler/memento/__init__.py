"""Memento in: recovering sources already dead at ingest from Memento archives (RFC 7089)."""

from crawler.memento.recovery import MementoArchive, MementoRecovery

__all__ = ["MementoArchive", "MementoRecovery"]
