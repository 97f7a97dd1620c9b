import sys

from linkspider.cli import main

sys.exit(main())
