"""redline_host: the CPython side of redline.

Trainer, exporter, calibrator, host reference, harness and the ``redline``
command line. The host reference *is* the firmware package ``redline`` run on
CPython, so host and board compute the same integers::

    from redline_host.text.modelfile import load_model_dir
    model = load_model_dir("models/default")

Layout: ``cli`` (the ``redline`` command: a table of ``commands/``, one module
per subcommand), ``errors``, ``paths``, and the libraries by concern: ``text/``
(corpus, trainer, exporter, model files), ``sensor/`` (calibrator, evaluation,
baselines, data sets, scenarios) and ``device/`` (runtimes, virtual boards,
harness, deployment, the scripts that run on MicroPython).
"""
