"""``python -m tasklink.runtime`` is the ``tasklink`` command."""

import sys

from ._cli import main

sys.exit(main())
