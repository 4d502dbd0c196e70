"""The promise verdict: a held-back count judged against [budget / 2, 2 x budget] by a Poisson test."""
import math

import pytest

from redline_host.sensor.evalreport import poisson_tail, promise_verdict


def test_poisson_tail_exact():
    m = 0.5
    assert poisson_tail(0, m) == 1.0
    assert poisson_tail(1, m) == pytest.approx(1 - math.exp(-m))
    assert poisson_tail(2, m) == pytest.approx(1 - math.exp(-m) * (1 + m))
    assert poisson_tail(0, m, upper=False) == pytest.approx(math.exp(-m))
    assert poisson_tail(1, m, upper=False) == pytest.approx(math.exp(-m) * (1 + m))
    assert poisson_tail(3, 0.0) == 0.0 and poisson_tail(3, 0.0, upper=False) == 1.0


def test_promise_verdicts():
    day = 86400
    # 1 halt where 0.5 were expected (2x budget: 1.0): 2x the budget exactly, inside the band
    assert promise_verdict(0.5, 1, day) == "kept"
    # 1 halt where 0.2 were expected: 5x, but a single halt happens under 2 x budget 33 % of the time
    assert promise_verdict(0.2, 1, day) == "kept: chance (5.0x, p 0.33)"
    # 3 halts where 0.01 were expected: far outside the band, not chance
    assert promise_verdict(0.01, 3, day).startswith("missed (300.0x, p 1.3e-06")
    # the lower side: 18 halts where 43.5 were expected is within chance of 21.75; 5 is not
    assert promise_verdict(43.5, 18, day) == "kept: chance (0.41x, p 0.25)"
    assert promise_verdict(43.5, 5, day) == "missed (0.11x, p 1.9e-05)"
    assert promise_verdict(43.5, 30, day) == "kept"
    # no halt where 0.05 were expected: nothing to judge on the lower side
    assert promise_verdict(0.05, 0, day) == "kept"
    assert promise_verdict(1.9, 0, day) == "kept" and promise_verdict(2.0, 0, day) == "kept: chance (0.00x, p 0.37)"
