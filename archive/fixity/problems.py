"""What an audit reports: each problem says what is wrong, where, and what was expected and found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One mismatch.  ``check`` names the test that failed (e.g. ``warc-sha256``,
    ``record-digest``, ``row-record-id``, ``log-hash``); the location fields that apply are set."""

    check: str
    message: str
    warc: str | None = None
    offset: int | None = None
    record_id: str | None = None
    capture_id: int | None = None
    evidence_id: int | None = None
    seq: int | None = None
    expected: str | None = None
    found: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line for a person: where, what, expected vs found."""
        where = [
            f"{name} {value}"
            for name, value in (
                ("warc", self.warc),
                ("offset", self.offset),
                ("record", self.record_id),
                ("capture", self.capture_id),
                ("evidence", self.evidence_id),
                ("log entry", self.seq),
            )
            if value is not None
        ]
        text = f"{self.check}: {self.message}"
        if where:
            text += f" [{', '.join(where)}]"
        if self.expected is not None or self.found is not None:
            text += f" (expected {self.expected}, found {self.found})"
        return text


@dataclass
class AuditReport:
    """What an audit checked and found wrong; ``skipped`` says what it could not check and why."""

    warcs: int = 0
    records: int = 0
    rows: int = 0
    log_entries: int = 0
    bad: list[Problem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    log_head: str | None = None

    @property
    def checked(self) -> int:
        return self.warcs + self.records + self.rows + self.log_entries

    @property
    def ok(self) -> bool:
        return not self.bad

    def as_dict(self) -> dict[str, Any]:
        """The `citewatch verify --json` document."""
        return {
            "checked": self.checked,
            "ok": self.ok,
            "bad": [p.as_dict() for p in self.bad],
            "warcs": self.warcs,
            "records": self.records,
            "rows": self.rows,
            "log_entries": self.log_entries,
            "log_head": self.log_head,
            "skipped": self.skipped,
        }
