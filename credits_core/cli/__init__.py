"""The command line, ``python -m credits_core COMMAND``: one module a command that needs more than a few lines
(``report``, ``imports``), ``session`` (how a command opens the database: its wait, its author, a clear error) and
``main`` (the parser and the small commands). Nothing below the CLI imports it."""
