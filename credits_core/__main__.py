"""``python -m credits_core``: the command line (``credits_core.cli``)."""

from credits_core.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
