"""``python -m bot`` runs the same command line as ``linernotes``."""

import sys

from linernotes.bot.cli import main

sys.exit(main())
