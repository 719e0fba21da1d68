"""``python -m os_vif``: the ``os-vif`` command."""

import sys

from os_vif._cli import main

sys.exit(main())
