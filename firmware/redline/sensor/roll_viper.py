"""``redline.sensor.roll.roll3`` compiled by the viper emitter (machine-word integer code).

Identical results to the pure-Python twin: the hashes are 0..32748 (a ptr32 load that does
not sign-extend on a 64-bit port reads them right), every product stays under 2**25, and
viper's ``%`` floors like Python's. Importing this module fails where the emitter is missing
(SyntaxError on the WebAssembly port, ImportError on CPython); ``redline.sensor.replay``
then uses the twin. tests/firmware/test_sensor_roll.py runs both on every runtime.
"""
import micropython


@micropython.viper
def roll3_viper(h: ptr32, old: int, new: int) -> int:
    a = ((h[0] - (old % 32749) * h[3]) % 32749 * 131 + new % 32749) % 32749
    b = ((h[1] - (old % 32719) * h[4]) % 32719 * 257 + new % 32719) % 32719
    c = ((h[2] - (old % 32717) * h[5]) % 32717 * 293 + new % 32717) % 32717
    h[0] = a
    h[1] = b
    h[2] = c
    return c
