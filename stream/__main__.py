"""`python -m stream` is the same as the `riskstream` console script."""

import sys

from stream.cli import main

sys.exit(main())
