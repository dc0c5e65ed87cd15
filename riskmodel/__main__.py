"""Entry point for ``python -m riskmodel``."""

import sys

from riskmodel.cli.main import main

if __name__ == "__main__":  # worker processes (Dask, multiprocessing spawn) import this module too
    sys.exit(main())
