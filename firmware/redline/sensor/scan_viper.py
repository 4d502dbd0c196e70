"""``redline.sensor.scan.ring_hit`` compiled by the viper emitter (machine-word integer code).

Identical results to the pure-Python twin (every value it reads is >= 0: see there).
Importing this module fails where the emitter is missing (SyntaxError on the WebAssembly
port, ImportError on CPython); ``redline.sensor.replay`` then uses the twin.
tests/firmware/test_sensor_replay_fast.py runs both on every runtime.
"""
import micropython


@micropython.viper
def ring_hit_viper(prints: ptr32, checks: ptr16, fp: int, q: ptr32) -> int:
    h3 = int(q[0])
    base = int(q[1])
    hist = int(q[2])
    j = int(q[3])
    n = int(q[4])
    while n > 0:
        if prints[base + j] == fp and checks[base + j] == h3:
            return 1
        j -= 1
        if j < 0:
            j += hist
        n -= 1
    return 0
