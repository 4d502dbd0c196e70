"""The text modules' private copies of redline.codes / redline.ladder numbers equal the public ones.

MicroPython folds private constants away, so the names exist only on CPython: there every
``_NAME`` of a text module whose ``NAME`` is public in codes or ladder is compared.
"""
from redline import codes, ladder
from redline.text import adv, decision, goal, kernel, mem, pipe, policy


def _checked(mod):
    n = 0
    for name in dir(mod):
        if not name.startswith("_") or name.startswith("__"):
            continue
        public = name[1:]
        for src in (codes, ladder):
            if hasattr(src, public) and isinstance(getattr(src, public), int):
                assert getattr(mod, name) == getattr(src, public), (mod.__name__, name)
                n += 1
                break
    return n


def test_private_codes_and_ladder_numbers_match():
    if not hasattr(policy, "_PROCEED"):
        return                      # MicroPython: the names are folded away (CPython checks them)
    counts = [_checked(m) for m in (policy, kernel, mem, goal, adv, pipe, decision)]
    assert counts == [17, 3, 3, 1, 1, 19, 3], counts
