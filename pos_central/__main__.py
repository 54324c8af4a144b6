import sys

from pos_central.cli import main

sys.exit(main())
