"""Reproducible benchmarks (not collected by pytest); each script runs on its own, see README.md."""
