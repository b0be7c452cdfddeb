"""`python -m papersift` runs the same CLI as the `papersift` script."""

from papersift.cli import main

raise SystemExit(main())
