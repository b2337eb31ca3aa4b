"""Run `tracegraph bench` from a checkout: `python3 bench/run.py --quick` (same options as the command).

Works without installing: the repository's `src` and `backends` folders are put on the path.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "src"), os.path.join(ROOT, "backends")]

from tracegraph.cli import main  # noqa: E402 - after the path set-up above

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
