import sys

from netkernel.cli import main

sys.exit(main())
