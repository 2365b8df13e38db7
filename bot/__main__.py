"""``python -m bot`` runs the same command line as ``linernotes``."""

import sys

from bot.app.cli import main

sys.exit(main())
