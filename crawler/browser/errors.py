"""Browser-capture errors (stdlib only: see the package docstring)."""

from __future__ import annotations


class RecorderError(Exception):
    """The warcprox sidecar could not be started, or stopped badly."""


class RecorderMissing(RecorderError):
    """.venv-warcprox (the sidecar's own venv) is not installed."""

    def __init__(self, python: str) -> None:
        super().__init__(f"browser captures need warcprox's venv, but {python} is missing: run make install")
        self.python = python


class BrowserMissing(Exception):
    """No Chromium to drive."""

    def __init__(self) -> None:
        super().__init__("browser captures need Chromium, but none was found: apt-get install chromium")
