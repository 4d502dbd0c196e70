# Fixed-point helpers: the two ratios are different functions with different names.
from redline.fx import frac16, ratio16


def test_ratio16_and_frac16_differ_wherever_num_is_positive():
    # exhaustive for every denominator below 300, then every 97th numerator up to 2**16
    for den in range(1, 300):
        for num in range(1, den + 1):
            assert ratio16(num, den) != frac16(num, den), (num, den)
    for den in range(300, 65536, 1021):
        for num in range(1, den + 1, 97):
            assert ratio16(num, den) != frac16(num, den), (num, den)
    assert ratio16(0, 7) == frac16(0, 7) == 0


def test_frac16_is_the_exact_floor():
    for den in (1, 2, 3, 1000, 32767, 65535):
        for num in (0, 1, den // 3, den // 2, den - 1, den):
            if 0 <= num <= den:
                assert frac16(num, den) == (65535 * num) // den, (num, den)
    assert frac16(65535, 65535) == 65535 and frac16(1, 65535) == 1


def test_ratio16_scale_and_saturation():
    assert ratio16(10, 10) == 32768 and ratio16(5, 10) == 16384
    assert ratio16(20, 10) == 65535 and ratio16(10 ** 6, 3) == 65535
    assert ratio16(100000, 200000) == 16384      # a large tolerance is shifted down first
