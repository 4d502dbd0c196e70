"""An 8-channel configuration with a calibrated plant's magnitudes, the same on every runtime.

A calibration of real plant data (``redline calibrate`` on SKAB's nominal log) has baselines up
to ~290,000 counts, 8 channels, a window of 128, replay levels and a 4,096-print store, CUSUM
levels up to ~10**6: this configuration has those magnitudes (its numbers are the shape of such
a calibration, made up, not copied from a dataset), so whatever grows with them on a 32-bit port
shows up. Used by test_sensor_heap_plant.py on every runtime and, on the emulated Pico, by
tools/bench/pico_sensor_load.py (tests/host/test_rp2040_sensor.py, tools/bench/bench_pico_sensor.py).
"""
from redline.sensor.config import SensorConfig

BASELINE = (21309, 26737, 2542, 55, 89352, 286404, 22893, 125677)
SCALE = (128, 134, 468, 239, 167, 46, 1093, 362)


def plant_config():
    lo = tuple(BASELINE[i] - 40 * SCALE[i] for i in range(8))
    hi = tuple(BASELINE[i] + 40 * SCALE[i] for i in range(8))
    return SensorConfig(
        ("acc1", "acc2", "current", "pressure", "temp", "thermo", "voltage", "flow"),
        window=128, warmup=100, cusum_leak=6, drift_shift=4,
        replay_history=64, replay_stride=1, replay_min_active=2, replay_store=4096, replay_levels=1,
        shift_span=8, baseline=BASELINE, scale=SCALE,
        noise_q12=(20476, 33743, 4224, 4054, 9887, 10488, 3126, 14793),
        range_min=lo, range_max=hi,
        max_slew=(5315, 6632, 3408, 7659, 1534, 468, 7495, 8400),
        z_warn=(2418, 5933, 577, 3712, 3401, 8191, 411, 2901),
        z_escalate=(3627, 8900, 865, 5568, 5101, 12287, 617, 4351),
        z_halt=(4836, 11867, 1154, 7425, 6802, 16383, 823, 5802),
        cusum_h=(263341, 268076, 9004, 5345, 305522, 1015939, 3164, 465448),
        drift_limit=(4285, 5326, 497, 374, 5408, 8191, 297, 8191),
        stuck_run=(4, 4, 4, 20, 4, 9, 4, 18),
        replay_window=(4, 4, 4, 23, 4, 6, 3, 22),
        shift_halt=(4508, 8298, 709, 713, 6133, 16383, 656, 7556))
