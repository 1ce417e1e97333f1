"""``python -m mktnews``: the same command as the ``mktnews`` script."""

from __future__ import annotations

import sys

from mktnews.cli import main

if __name__ == "__main__":
    sys.exit(main())
