"""redline_host: the CPython side of redline.

Trainer, exporter, calibrator, host reference, harness and the ``redline``
command line. The host reference *is* the firmware package ``redline`` run on
CPython, so host and board compute the same integers::

    from redline_host.models import load_model_dir
    model = load_model_dir("models/default")
"""
