"""`python3 -m tracegraph ...` runs the `tracegraph` console command (e.g. `bench --quick`)."""
import sys

from .cli import main

sys.exit(main())
