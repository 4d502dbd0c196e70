# The working memory's one-step-ahead line and the guard's FORECAST and MEMORY_FILL modes.
from _lcg import Lcg
from redline.sensor.ring import ChannelRing
from redline.sensor.guard import SensorGuard
from redline.sensor.config import SensorConfig
from redline import codes as R
from redline.codes import HALT_INSTABILITY


def _mem(size, us):
    m = ChannelRing(size)
    for u in us:
        m.update(u)
    return m


def test_forecast_is_the_line_one_sample_ahead():
    assert _mem(8, (0, 10, 20, 30, 40, 50, 60, 70)).forecast_q8() == 320     # 80 in Q6
    assert _mem(4, (5,)).forecast_q8() == 20                                 # one slot: its value
    assert ChannelRing(4).forecast_q8() == 0
    assert _mem(4, (7, 7, 7, 7, 7, 7)).forecast_q8() == 28
    # wrapped ring: oldest first is 30, 40, 50, 60 -> 70
    assert _mem(4, (0, 10, 20, 30, 40, 50, 60)).forecast_q8() == 280
    # floors and clamps: slope -1023.5 per sample from mean 0; a slope that runs off the scale
    assert _mem(3, (0, 2047, -2047)).forecast_q8() == -8188
    assert _mem(2, (-2047, 2047)).forecast_q8() == 8191
    assert _mem(2, (2047, -2047)).forecast_q8() == -8191


def _ramp_guard(forecast, fill):
    cfg = SensorConfig(("x",), baseline=0, scale=64, window=16, warmup=16, forecast=forecast, memory_fill=fill,
                       z_warn=1024, z_escalate=1280, z_halt=1536, z_gate=1024, cusum_k=128, cusum_h=2048,
                       drift_limit=0, replay_quant=0)
    return SensorGuard(cfg)


def test_forecast_follows_a_ramp_the_mean_lags_behind():
    # a clean ramp of 0.25 sigma per sample from 5 sigma above the baseline
    g = _ramp_guard(1, 16)
    zs = []
    for t in range(60):
        r = g.update(0, 320 + 16 * t)
        zs.append(r.z)
        assert r.code >= 0
    assert zs[:16] == [0] * 16                       # memory filling: no reference yet
    assert max(zs[18:]) <= 1 and min(zs[18:]) >= -1  # then the line predicts every reading
    g = _ramp_guard(0, 16)                           # against the mean: lag of 8 readings = 2 sigma
    for t in range(40):
        r = g.update(0, 320 + 16 * t)
    assert r.z == 512 + 32


def test_memory_fill_starts_from_where_the_plant_is():
    # 5 sigma from the calibrated baseline: prefilled memory halts, a filling one does not
    n = Lcg(3)
    g = _ramp_guard(1, 0)
    assert g.update(0, 320 + n.noise(64)).code < 0
    g = _ramp_guard(1, 8)
    codes = []
    for t in range(200):
        codes.append(g.update(0, 320 + n.noise(64)).code)
    assert min(codes) >= 0 and g.channel(0).memory.count == 16


def _step_delay(forecast, size):
    n = Lcg(5)
    cfg = SensorConfig(("x",), baseline=0, scale=64, window=16, warmup=16, forecast=forecast, memory_fill=16,
                       z_warn=4096, z_escalate=4096, z_halt=4096, z_gate=768, cusum_k=256, cusum_h=2560,
                       drift_limit=0, replay_quant=0)
    g = SensorGuard(cfg)
    for t in range(200):
        assert g.update(0, 640 + n.noise(64) // 2).code >= 0
    for k in range(40):
        r = g.update(0, 640 + size + n.noise(64) // 2)
        if r.code < 0:
            assert (r.code, r.reason) == (HALT_INSTABILITY, R.REASON_CUSUM)
            return k
    return -1


def test_forecast_cusum_halts_on_a_step_against_the_line():
    # 5 sigma: over the 3-sigma gate, the line does not follow; CUSUM (k 1, h 10 sigma) gains 4 a sample
    assert _step_delay(1, 5 * 64) == 2
    # 2 sigma: under the gate, the line tilts towards the step and the innovations fade
    assert _step_delay(1, 2 * 64) == -1
