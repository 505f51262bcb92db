"""`python -m indexer.cli`: the same as the `docsift` command."""

import sys

from indexer.cli import main

sys.exit(main())
