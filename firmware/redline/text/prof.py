"""A deployment's text profile: which feature buckets its nominal traffic uses, and surprise cuts.

``redline calibrate-text NOMINAL.txt --out DIR`` writes ``DIR/redline_profile.py``
(generated, SHA-256 checked like the model): 65,536 bits (8 KB of flash), one per
profile bucket of a word or word pair (set when the nominal log produced it), the
SHA-256 of the model it was fitted with (its folding table decides what a word
is), and the surprise cuts that hold the stated false escalation budget on that
log. With a profile, surprise is the share of a message's words and word pairs
the node's own traffic never produced::

    from redline.text.prof import load_profile
    prof = load_profile(model)          # None when no redline_profile module is on the path
    prof.ok, prof.warn, prof.escalate, prof.seen

A profile that fails its checks (format, size, model, SHA-256) fails closed:
``ok`` is False, and its cuts are 0, so every message with a feature escalates.
"""
from redline.compat import const

PROFILE_FORMAT = const(1)
PROFILE_BITS = const(16)
_MAGIC = "redline-profile"


def profile_header(fmt, bits, model_sha, warn, escalate):
    return ("%s:%d:%d:%s:%d:%d\n" % (_MAGIC, fmt, bits, model_sha, warn, escalate)).encode()


class Profile:
    def __init__(self, seen, bits, warn, escalate, ok=True, error=""):
        self.seen = seen
        self.bits = bits
        self.warn = warn
        self.escalate = escalate
        self.ok = ok
        self.error = error


def _failed(reason):
    return Profile(bytes(1 << (PROFILE_BITS - 3)), PROFILE_BITS, 0, 0, False, reason)


def check_profile(mod, model):
    """A Profile from a generated module, or the fail-closed profile with the reason."""
    from redline.text.model import sha256_hex

    try:
        fmt = mod.FORMAT
        seen = mod.SEEN
        pbits = mod.BITS
        msha = mod.MODEL_SHA256
        warn = mod.WARN_SURPRISE
        esc = mod.ESCALATE_SURPRISE
        want = mod.SHA256
    except AttributeError as exc:
        return _failed("profile module incomplete: %s" % exc)
    if fmt != PROFILE_FORMAT:
        return _failed("profile format %d, firmware understands %d" % (fmt, PROFILE_FORMAT))
    if pbits != PROFILE_BITS or len(seen) != 1 << (PROFILE_BITS - 3):
        return _failed("profile table has the wrong size")
    if msha != model.sha256:
        return _failed("profile was fitted with another model")
    if not (0 <= warn <= esc <= 65535):
        return _failed("profile cuts out of range")
    if sha256_hex((profile_header(fmt, pbits, msha, warn, esc), seen)) != want:
        return _failed("profile SHA-256 mismatch")
    return Profile(seen, pbits, warn, esc)


def load_profile(model, module=None):
    """The profile for ``model`` (``import redline_profile`` by default); None when there is none."""
    if getattr(model, "format", 1) != 2:
        return None
    if module is None:
        try:
            import redline_profile as module
        except ImportError:
            return None
    return check_profile(module, model)
