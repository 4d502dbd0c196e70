"""Seeded integer noise for firmware tests: the same stream on every runtime (small ints only)."""


class Lcg:
    """ZX81 LCG."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s * 75 + 74) % 65537
        return self.s

    def noise(self, sigma):
        # sum of four uniforms 0..63 (std 36.4), rescaled: roughly Gaussian
        t = 0
        for _ in range(4):
            t += self.next() & 63
        return ((t - 126) * sigma) // 36
