"""``python -m gancourse ...``: the same as the ``gancourse`` command."""

from .denoising.cli import main

raise SystemExit(main())
