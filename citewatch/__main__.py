"""`python -m citewatch` is the `citewatch` command."""

from citewatch.cli import main

if __name__ == "__main__":  # a spawned worker process imports this module without running it
    main()
