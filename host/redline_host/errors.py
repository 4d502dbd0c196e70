"""The one error type of the command line: a problem the user can fix.

    raise UserError("model directory models/x has no redline_model.py")

``redline`` prints ``redline: <message>`` to stderr and exits 1.
"""


class UserError(Exception):
    """Bad input from the user (file, option, data); never a bug."""
