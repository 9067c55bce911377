"""`python -m bot` is the same as `procwatch`."""

from .cli import main

raise SystemExit(main())
