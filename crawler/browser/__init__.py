"""Browser captures (issue 10): Chromium driven by Playwright, recorded by a warcprox sidecar.

Imported only when a browser capture runs.  Stdlib-only at package level, because
``sidecar_main`` is run by .venv-warcprox's python, which has neither Scrapy nor Playwright.
"""
