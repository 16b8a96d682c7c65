"""The browsing UI: an ASGI app (FastAPI, server-rendered Jinja2) over the catalog and the WARC store.

Build it with `create_app`; replay lives in `archive.web.replay`, included by the caller.
"""

from archive.web.app import create_app
from archive.web.paths import replay_path

__all__ = ["create_app", "replay_path"]
