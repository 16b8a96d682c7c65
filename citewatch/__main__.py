"""`python -m citewatch` is the `citewatch` command."""

from citewatch.cli import main

main()
