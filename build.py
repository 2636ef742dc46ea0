"""Build the blog: `python build.py` (see `python build.py --help`)."""

import sys

from storyblog.cli import main

if __name__ == "__main__":
    sys.exit(main(hard_exit=True))
