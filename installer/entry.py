"""The frozen app's entry point: ``python -m app``, as one executable."""

import multiprocessing

from app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    raise SystemExit(main())
