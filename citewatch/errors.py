"""Errors the command line turns into one actionable line and a non-zero exit."""


class CitewatchError(Exception):
    """Base class: its message is shown to the user as is."""


class ConfigError(CitewatchError):
    """A setting is missing or malformed."""


class BadInput(CitewatchError):
    """An argument the user gave cannot be used (missing file, non-http URL …)."""
