"""Subcommands of the ``linkspider`` command line, one module each.

A module here becomes a subcommand by defining ``NAME`` (the word typed after ``linkspider``),
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``; ``linkspider.cli`` finds it.
"""
