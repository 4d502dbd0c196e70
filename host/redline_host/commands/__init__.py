"""The ``redline`` subcommands, one module each: ``add_arguments(parser)`` and ``run(args)``.

Only ``redline_host.cli`` imports these modules; the work they call lives in the
libraries (``redline_host.text``, ``.sensor``, ``.device``).
"""
