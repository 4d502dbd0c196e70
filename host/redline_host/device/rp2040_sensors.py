"""What the emulated Pico's sensors read: the board's pin map, a configuration above the ADC's resolution, nominal traces.

    from redline_host.device.rp2040_sensors import pin_map, pico_default_config, adc_u16_seen
    pin_map()                       # ["--adc", "0=temp_a", "--adc", "1=temp_b", "--i2c", "0:0x76:0xf7=pressure"]
    adc_u16_seen(40000)             # 40003: what ADC.read_u16() returns for a CSV value of 40000

The emulator bridge feeds each ADC channel and I2C register from a CSV column;
``pin_map`` names the columns after ``boards/<BOARD>/pins.py`` (``ADC_CHANNELS``
name -> GPIO 26..29 -> ADC 0..3, ``I2C_SENSOR`` on ``I2C_ID``).
"""
import ast

from redline_host.errors import UserError
from redline_host.paths import BOARDS

MARKER_PIN = 22


def adc_u16_seen(value):
    """What ``ADC.read_u16()`` returns on the emulated (and a real) RP2040 for a CSV value:
    the 12-bit conversion ``r = value >> 4`` scaled back as MicroPython's rp2 port does."""
    r = max(0, min(4095, int(value) >> 4))
    return (r << 4) | (r >> 8)


def pin_map(board="RPI_PICO"):
    """rp2040_board.mjs options feeding each sensor named in ``boards/<board>/pins.py``."""
    tree = ast.parse((BOARDS / board / "pins.py").read_text())
    consts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                consts[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    args = []
    for name, gpio in consts.get("ADC_CHANNELS", ()):
        if not 26 <= gpio <= 29:
            raise UserError("%s: ADC channel %s is on GPIO %d, not an ADC pin" % (board, name, gpio))
        args += ["--adc", "%d=%s" % (gpio - 26, name)]
    sensor = consts.get("I2C_SENSOR")
    if sensor:
        name, addr, reg = sensor
        args += ["--i2c", "%d:0x%x:0x%x=%s" % (consts.get("I2C_ID", 0), addr, reg, name)]
    return args


ADC_STEP = 16     # one step of the 12-bit converter in read_u16 counts


def pico_default_config(**overrides):
    """``vboard_sim.default_config()`` as a Pico node sees it.

    Its temperature probes (scale 12 read_u16 counts) would sit under one step of the
    RP2040's 12-bit ADC (16 counts): quantized, the readings repeat and the stuck
    detector halts the node within seconds. Here the ADC channels' signal is 16 times
    larger around mid-scale (baseline 32768, scale 192, range, slew and pair tolerance
    times 16); the I2C pressure channel reads exact 16-bit values and is unchanged.
    """
    from redline_host.device.vboard_sim import default_config
    g = ADC_STEP
    mid = 32768
    fields = dict(
        baseline=(mid, mid, 1000), scale=(12 * g, 12 * g, 40),
        range_min=(mid - 650 * g, mid - 650 * g, 0), range_max=(mid + 650 * g, mid + 650 * g, 2000),
        max_slew=(120 * g, 120 * g, 400), pair_tol=(80 * g,),
    )
    fields.update(overrides)
    return default_config(**fields)


def nominal_trace(cfg, n, seed=0):
    """``n`` rows of nominal readings for any configuration: per channel its baseline, a slow
    component shared by all channels (so redundant pairs agree) and noise of 0.9 scale."""
    import random
    rng = random.Random(seed)
    base = list(cfg.baseline)
    scale = list(cfg.scale)
    rows = []
    slow = 0.0
    for _ in range(n):
        slow = 0.98 * (slow + rng.gauss(0, 0.05))
        rows.append([int(round(base[c] + slow * scale[c] + rng.gauss(0, 0.9 * scale[c])))
                     for c in range(len(base))])
    return rows


def write_nominal_trace(path, cfg, n=36000, seed=0):
    from redline_host.device.vboard_sim import write_trace
    write_trace(path, cfg.channels, nominal_trace(cfg, n, seed))


def marker_pins_module(board="RPI_PICO", pin=MARKER_PIN):
    """The board's own pins.py with ``MARKER = pin`` appended (shadows the frozen pins.py)."""
    text = (BOARDS / board / "pins.py").read_text()
    return (text.rstrip("\n") + "\n# written by redline's emulated board: pulse this pin around each step\n"
            "MARKER = %d\n" % pin).encode()
