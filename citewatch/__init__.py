"""citewatch: keep the receipts. Archive every source an article cites, and watch it for changes."""

__version__ = "0.1.0"
