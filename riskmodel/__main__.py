"""Entry point for ``python -m riskmodel``."""

import sys

from riskmodel.cli import main

sys.exit(main())
