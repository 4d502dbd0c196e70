"""Hardware shims shared by the real boards: ADC and I2C sensors, halt pin, LED, watchdog, clock, key,
flash, reset cause, entropy, maintenance pin.

Only boards/ touches ``machine``; the firmware gets these objects injected
(redline.node.Node). A board's ``redline_board.make()`` is just::

    import pins
    from redline_shims import make_board
    board = make_board("ESP32_GENERIC", pins)

``pins`` names the pin numbers (see boards/*/pins.py). Readings are raw
integers: ``read_u16()`` counts for ADCs, the 16-bit big-endian register value
for the I2C sensor; the calibration (``redline calibrate``) is in these units.

- The latch record lives on the board's file system root (``flash``:
  redline.latch.FileFlash), next to ``redline.key``.
- ``reset_cause`` / ``watchdog_cause`` are ``machine.reset_cause()`` and
  ``machine.WDT_RESET``; a board whose watchdog also serves ``machine.reset()``
  passes its own ``reset_cause`` function to ``make_board`` (RPI_PICO does).
- ``entropy(n)`` is ``os.urandom`` where the port has it, else a SHA-256 pool
  stirred at boot with ADC noise and ``machine.unique_id()`` (redline.link.mac).
- ``maintenance`` is True when ``pins.MAINT_PIN`` is held at ``pins.MAINT_LEVEL``
  (default 0, with the pull-up on) during boot: main.py then leaves the REPL to
  the maintainer and does not start.
"""
import time

import machine

from redline.compat import ticks_diff, ticks_ms


class AdcSensor:
    """An ADC input; ``read()`` -> 0..65535 (allocation-free)."""

    def __init__(self, pin, atten=None):
        self.adc = machine.ADC(machine.Pin(pin))
        if atten is not None and hasattr(self.adc, "atten"):
            self.adc.atten(atten)

    def read(self):
        return self.adc.read_u16()


class I2cSensor:
    """A 16-bit big-endian register of an I2C sensor; ``read()`` reuses one buffer."""

    def __init__(self, i2c, addr, reg):
        self.i2c = i2c
        self.addr = addr
        self.reg = reg
        self.buf = bytearray(2)

    def read(self):
        self.i2c.readfrom_mem_into(self.addr, self.reg, self.buf)
        return (self.buf[0] << 8) | self.buf[1]


class HaltPin:
    """The actuator-enable output; starts at the safe level before anything else runs."""

    def __init__(self, pin, safe_level=0):
        self.pin = machine.Pin(pin, machine.Pin.OUT, value=safe_level)

    def value(self, v=None):
        if v is None:
            return self.pin.value()
        self.pin.value(v)


class StatusLed(HaltPin):
    """Lit while the interlock is warning."""


class Clock:
    """Millisecond ticks (wrapping, use ticks_diff)."""

    ticks_ms = staticmethod(ticks_ms)
    ticks_diff = staticmethod(ticks_diff)


def read_key(path="redline.key"):
    """The HMAC reset key provisioned by ``redline deploy`` (hex), or None.

    A key shorter than 16 bytes is returned as read: the node refuses it and says so
    (``hello``'s ``key_error``), so a short key is reported instead of silently ignored.
    """
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    from redline.link.mac import from_hex
    try:
        return from_hex(text)
    except ValueError:
        return None


def maintenance_requested(pins):
    """True when ``pins.MAINT_PIN`` is held at ``pins.MAINT_LEVEL`` (default 0, pull-up on) at boot."""
    pin = getattr(pins, "MAINT_PIN", None)
    if pin is None:
        return False
    level = getattr(pins, "MAINT_LEVEL", 0)
    pull = machine.Pin.PULL_UP if level == 0 else machine.Pin.PULL_DOWN
    p = machine.Pin(pin, machine.Pin.IN, pull)
    time.sleep(0.005)            # let the pull settle
    return p.value() == level


def _stir_entropy(sensors):
    """Feed the fallback pool what the board offers when the port has no os.urandom."""
    from redline.link import mac
    try:
        import os
        os.urandom(1)
        return
    except (ImportError, AttributeError, NotImplementedError, OSError):
        pass
    noise = bytearray()
    uid = getattr(machine, "unique_id", None)
    if uid is not None:
        noise.extend(uid())
    for _ in range(8):
        for name in sensors:
            try:
                v = sensors[name].read()
            except Exception:
                continue
            noise.append(v & 255)
            noise.append((v >> 8) & 255)
    mac.stir(bytes(noise))


class Board:
    def __init__(self, name, pins, reset_cause=None):
        from redline.latch import FileFlash
        from redline.link.stdio import StdioSerial
        self.name = name
        self.safe_level = getattr(pins, "HALT_SAFE_LEVEL", 0)
        # the actuator goes safe first, before any slower set-up can fail
        self.halt_pin = HaltPin(pins.HALT, self.safe_level)
        self.maintenance = maintenance_requested(pins)
        self.status_pin = StatusLed(pins.LED, 0) if getattr(pins, "LED", None) is not None else None
        sensors = {}
        for name_, pin in pins.ADC_CHANNELS:
            sensors[name_] = AdcSensor(pin, getattr(pins, "ADC_ATTEN", None))
        if getattr(pins, "I2C_SENSOR", None):
            i2c = machine.I2C(pins.I2C_ID, scl=machine.Pin(pins.I2C_SCL), sda=machine.Pin(pins.I2C_SDA),
                              freq=getattr(pins, "I2C_FREQ", 400000))
            ch, addr, reg = pins.I2C_SENSOR
            sensors[ch] = I2cSensor(i2c, addr, reg)
        self.sensors = sensors
        wd = getattr(pins, "WATCHDOG_MS", 0)
        self.reset_cause = reset_cause() if reset_cause is not None else machine.reset_cause()
        self.watchdog_cause = getattr(machine, "WDT_RESET", None)
        # the watchdog starts only when redline runs (not in a maintenance boot). machine.WDT itself,
        # not a wrapper: the interlock feeds it on every healthy reading, and a Python-level
        # ``feed`` around ``wdt.feed()`` cost one more call (~2,000-3,000 cycles) per reading on the Pico
        self.watchdog = machine.WDT(timeout=wd) if wd and not self.maintenance else None
        self.flash = FileFlash("")
        self.key = read_key()
        self.rate_hz = getattr(pins, "RATE_HZ", None)
        self.objective = getattr(pins, "OBJECTIVE", b"")
        self.text = getattr(pins, "TEXT", True)      # False: a sensor-only node (no text path in RAM)
        marker = getattr(pins, "MARKER", None)         # a free GPIO pulsed around each step (timing)
        self.marker = machine.Pin(marker, machine.Pin.OUT, value=0) if marker is not None else None
        self.clock = Clock()
        self.serial = StdioSerial()
        _stir_entropy(sensors)

    def entropy(self, n):
        from redline.link.mac import random_bytes
        return random_bytes(n)

    def write(self, data):
        self.serial.write(data)


def make_board(name, pins, reset_cause=None):
    return Board(name, pins, reset_cause)
