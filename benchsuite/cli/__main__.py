"""``python -m benchsuite.cli``, as ``python -m benchsuite``."""

import sys

from benchsuite.cli import main

# guarded: worker processes of the process executor import the main module
if __name__ == "__main__":
    sys.exit(main())
