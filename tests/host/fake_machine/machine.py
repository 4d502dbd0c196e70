"""A stand-in for MicroPython's ``machine`` module: what boards/common/redline_shims.py touches.

Configured through module globals before a board is made (tests/host/test_shims.py)."""
PWRON_RESET = 1
WDT_RESET = 3
CAUSE = PWRON_RESET
PIN_LEVELS = {}          # pin number -> level an input reads
WDT_STARTED = []


def reset_cause():
    return CAUSE


class _Mem:
    def __init__(self):
        self.values = {}

    def __getitem__(self, addr):
        return self.values.get(addr, 0)


mem32 = _Mem()


class Pin:
    OUT = 1
    IN = 0
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, n, mode=None, pull=None, value=None):
        self.n = n
        self.level = value if value is not None else 0

    def value(self, v=None):
        if v is None:
            return PIN_LEVELS.get(self.n, self.level)
        self.level = v


class ADC:
    def __init__(self, pin):
        self.pin = pin

    def read_u16(self):
        return 30000


class I2C:
    def __init__(self, *a, **k):
        pass

    def readfrom_mem_into(self, addr, reg, buf):
        buf[0] = 0x40
        buf[1] = 0x00


class WDT:
    def __init__(self, timeout=0):
        WDT_STARTED.append(timeout)

    def feed(self):
        pass


def unique_id():
    return b"\x01\x02\x03\x04\x05\x06\x07\x08"
