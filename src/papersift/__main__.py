"""`python -m papersift` runs the same CLI as the `papersift` script."""

from papersift.cli import main

# The guard matters: import's worker processes ("spawn") import this module again.
if __name__ == "__main__":
    raise SystemExit(main())
