"""Entry point for ``python -m riskmodel``."""

import sys

from riskmodel.cli.main import main

sys.exit(main())
