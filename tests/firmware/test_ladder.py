# The DAL gate, once for both ladders (spec §9.7), and the pressure levels (§9.2).
from redline.codes import (PROCEED, WARN, ESCALATE, EXIT, HALT_DEPTH, HALT_INSTABILITY, HALT_BIAS, HALT_SURPRISE,
                           HALT_RESOURCE, HALT_SELF_MEMORY, HALT_DEADLINE, REASON_OK)
from redline.ladder import (DAL_A, DAL_B, DAL_C, DAL_D, DAL_E, LEVEL_NAMES, PRESSURE_CRITICAL, PRESSURE_EMERGENCY,
                            dal_gate, pressure_level)
from redline.sensor.config import SensorConfig
from redline.sensor.guard import SensorResult
from redline.sensor.ladder import SensorLadder
from redline.text.policy import EscalationPolicy

CODES = (EXIT, HALT_DEADLINE, HALT_SELF_MEMORY, HALT_RESOURCE, HALT_SURPRISE, HALT_BIAS, HALT_INSTABILITY,
         HALT_DEPTH, PROCEED, WARN, ESCALATE)
HALTS = (HALT_DEADLINE, HALT_SELF_MEMORY, HALT_RESOURCE, HALT_SURPRISE, HALT_BIAS, HALT_INSTABILITY, HALT_DEPTH)


def _spec(code, dal):
    """§9.7 written out: A all, B Halt -> Escalate, C Halt/Escalate -> Warn (Exit stays),
    D all but Proceed -> Warn, E Proceed."""
    if code == PROCEED or dal == DAL_A:
        return code
    if dal == DAL_B:
        return ESCALATE if code in HALTS else code
    if dal == DAL_C:
        return EXIT if code == EXIT else WARN
    if dal == DAL_D:
        return WARN
    return PROCEED


def test_dal_gate_over_every_code_and_dal():
    n = 0
    for dal in (DAL_A, DAL_B, DAL_C, DAL_D, DAL_E):
        for code in CODES:
            assert dal_gate(code, dal) == _spec(code, dal), (code, dal)
            n += 1
    assert n == 55
    assert [dal_gate(c, DAL_B) for c in CODES] == [EXIT, 2, 2, 2, 2, 2, 2, 2, 0, 1, 2]
    assert [dal_gate(c, DAL_C) for c in CODES] == [EXIT, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1]


def test_text_policy_and_sensor_ladder_use_the_one_gate():
    for dal in (DAL_A, DAL_B, DAL_C, DAL_D, DAL_E):
        p = EscalationPolicy(dal=dal)
        ladder = SensorLadder(SensorConfig(("a",), dal=dal))
        r = SensorResult()
        for code in CODES:
            assert p.gate(code) == dal_gate(code, dal)
        # the sensor ladder's rungs, each through the gate: a halt (bias), an escalate, a warn, a proceed
        for bias, az, want in ((65535, 0, HALT_BIAS), (40000, 0, ESCALATE), (0, 800, WARN), (0, 0, PROCEED)):
            r.bias = bias
            r.entropy = 0
            r.flags = 0
            r.warming_up = False
            ladder.decide(r, az, 768, 1024, 1536, REASON_OK, 0)
            assert r.code == dal_gate(want, dal), (dal, bias, az, r.code)


def test_pressure_levels_and_names():
    assert [LEVEL_NAMES[pressure_level(p)] for p in (0, 25, 26, 50, 51, 75, 76, 100)] == [
        "nominal", "nominal", "elevated", "elevated", "critical", "critical", "emergency", "emergency"]
    assert pressure_level(51) == PRESSURE_CRITICAL and pressure_level(76) == PRESSURE_EMERGENCY
