"""Host libraries that talk to MicroPython: runtimes, virtual boards, harness, deployment.

``runtimes`` (one script on CPython, unix or WebAssembly MicroPython),
``mpy`` (mpy-cross, cached), ``scripts`` (the sift, pipeline and guard loops
that run the firmware on a runtime; their MicroPython side is in ``mp/``),
``vboard`` and ``vboard_sim`` (virtual boards behind a pty; the WebAssembly
bridge is in ``js/``), ``harness`` and ``harness_vectors`` (a board against
the host reference), ``deploy``, ``flash``, ``manifest_eval``, ``fuzz``,
``demo``.
"""
