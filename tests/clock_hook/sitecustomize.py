"""Shifted clocks for the processes a test starts (a CLI command, the dashboard): imported at interpreter start
because ``tests/conftest.py`` puts this folder first on ``PYTHONPATH`` during a shifted-clock run. The process's
clock is moved by the offset the test set (``SHIFTED_CLOCK_OFFSET_US``) and keeps ticking, so the test and every
process it starts read the same instant. Only the tests use it; nothing of the product imports it."""

import os

_offset = os.environ.get("SHIFTED_CLOCK_OFFSET_US")
if _offset:
    import time

    import time_machine

    time_machine.travel(time.time() + int(_offset) / 1e6, tick=True).start()
