"""``python -m hocbaso`` runs the command-line interface."""

from hocbaso.cli import main

raise SystemExit(main())
