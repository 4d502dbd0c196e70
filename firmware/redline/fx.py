"""Integer fixed-point helpers: the scales and ratios of the sensor and text gauges.

Scales used across ``redline.sensor`` (all plain ints, |x| < 2**30):

- z-scores are **Q8**: 256 means one standard deviation (one calibrated
  ``scale`` unit). Normalised readings are clamped to +-Z_CLAMP (32 sigma).
- working memory stores **Q6** sigma units (z >> 2, clamped to +-2047), so
  that a square stays under 2**22 and a sum of squares over 128 slots under
  2**29.
- variances are **Q12** sigma squared (4096 = the calibrated variance).
- gauges (surprise, entropy, bias, drift score, confidence) are 0..65535.

Two ratios, two names: ``ratio16(d, t)`` is the sensor bias gauge (32768 when
the disagreement equals its tolerance, saturating at 65535 for twice it);
``frac16(num, den)`` is a plain fraction of full scale (65535 when num == den),
the text path's classifier confidence. They differ on every input with
``num > 0`` (tests/firmware/test_fx.py checks it over the whole domain).

Example::

    >>> from redline.fx import z_q8, ratio16, frac16
    >>> z_q8(150, 50)        # 150 reading units at scale 50 -> 3 sigma
    768
    >>> ratio16(5, 10)       # half the tolerance -> 16384 of 65535
    16384
    >>> ratio16(10, 10), frac16(10, 10), frac16(5, 10)
    (32768, 65535, 32767)
"""
from redline.compat import const

Q8_ONE = const(256)
Z_CLAMP = const(8191)        # 32 sigma in Q8
U_CLAMP = const(2047)        # 32 sigma in Q6 (memory units)
GAUGE_MAX = const(65535)
READING_LIMIT = const(536870912)   # 2**29: readings at or beyond are out of range
SCALE_MAX = const(4194304)         # 2**22: keeps (d % scale) * 256 < 2**30
NOISE_MAX = const(4194304)         # 2**22: above the largest memory variance (32 sigma)^2 in Q12


def z_q8(d, scale):
    """floor(d * 256 / scale) clamped to +-Z_CLAMP; d is a small int, 0 < scale <= SCALE_MAX."""
    q = d // scale
    if q >= 32:
        return Z_CLAMP
    if q < -32:
        return -Z_CLAMP
    z = q * 256 + ((d - q * scale) * 256) // scale
    if z > Z_CLAMP:
        return Z_CLAMP
    if z < -Z_CLAMP:
        return -Z_CLAMP
    return z


def ratio16(d, t):
    """min(65535, floor(d * 32768 / t)) for d >= 0, t > 0: 32768 means d == t.

    A large tolerance is shifted down first so the product stays a small int.
    """
    if d >= t + t:
        return GAUGE_MAX
    while t >= 16384:
        t >>= 1
        d >>= 1
    if t == 0:
        return GAUGE_MAX
    r = (d * 32768) // t
    return r if r < GAUGE_MAX else GAUGE_MAX


def variance_ratio16(var_q12, noise_q12):
    """min(65535, floor(var * 16384 / noise)): 16384 means the nominal variance.

    A noise of 65536 or more is halved (with the variance) until it is below,
    so (var % noise) * 16384 stays a small int; the result then rounds down.
    """
    if var_q12 >= noise_q12 * 4:
        return GAUGE_MAX
    while noise_q12 >= 65536:
        noise_q12 >>= 1
        var_q12 >>= 1
    q = var_q12 // noise_q12
    r = q * 16384 + ((var_q12 - q * noise_q12) * 16384) // noise_q12
    return r if r < GAUGE_MAX else GAUGE_MAX


def frac16(num, den):
    """floor(65535 * num / den) for 0 <= num <= den < 2**16, intermediates below 2**24."""
    x = num << 8
    q1 = x // den
    x = (x - q1 * den) << 8
    q2 = x // den
    r = x - q2 * den
    q = (q1 << 8) | q2          # floor(num * 65536 / den), remainder r
    # num * 65535 = q * den + r - num
    return q - 1 if r < num else q
