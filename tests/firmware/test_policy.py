"""EscalationPolicy: canonical ladder, DAL gate, stage gates (spec §9, tests doc §8).

Plain test_* functions with bare asserts: pytest on CPython, tools/mp_test_runner.py on MicroPython.
"""
from redline.codes import (
    DETECTION_FLAGS_MASK,
    ESCALATE,
    EXIT,
    FLAG_ADVERSARIAL,
    FLAG_ANOMALY,
    FLAG_DECAYING,
    FLAG_DRIFTING,
    FLAG_LOW_CONFIDENCE,
    FLAG_STUCK,
    HALT_BIAS,
    HALT_INSTABILITY,
    HALT_RESOURCE,
    PROCEED,
    WARN,
    severity,
)
from redline.ladder import (
    DAL_A,
    DAL_B,
    DAL_C,
    DAL_D,
    DAL_E,
    PRESSURE_CRITICAL,
    PRESSURE_ELEVATED,
    PRESSURE_EMERGENCY,
    PRESSURE_NOMINAL,
    pressure_level,
)
from redline.text.policy import (
    COOLDOWN_ESCALATE_MS,
    COOLDOWN_HALT_MS,
    WHY_BIAS,
    WHY_ENTROPY,
    WHY_KEYWORDS,
    WHY_SURPRISE,
    EscalationPolicy,
    cooldown_ms,
    deciding_flag,
)
from redline.text.decision import SafetyDecision


def test_default_ladder_values():
    p = EscalationPolicy()
    assert p.decide(400, 100, False) == PROCEED
    assert p.decide(31000, 100, False) == WARN
    assert p.decide(41000, 100, False) == ESCALATE
    assert p.decide(51000, 100, False) == HALT_INSTABILITY
    assert p.decide(400, 100, True) == ESCALATE
    assert p.decide(400, 55700, False) == ESCALATE
    assert p.decide(400, 55699, False) == WARN
    assert p.decide(400, 42600, False) == WARN
    assert p.decide(400, 42599, False) == PROCEED
    assert p.decide(29999, 0, False) == PROCEED
    assert p.decide(30000, 0, False) == WARN
    assert p.decide(39999, 0, False) == WARN
    assert p.decide(40000, 0, False) == ESCALATE


def test_defect11_halt_is_inclusive_at_50000():
    p = EscalationPolicy()
    assert p.decide(50000, 0, False) == HALT_INSTABILITY
    assert p.decide(49999, 0, False) == ESCALATE
    # entropy >= halt wins over bias
    assert p.decide(50000, 0, True) == HALT_INSTABILITY


def test_defect10_default_dal_is_a():
    p = EscalationPolicy()
    assert p.dal == DAL_A
    assert p.decide_with_pressure(400, 100, False, PRESSURE_CRITICAL) == ESCALATE
    assert p.decide_from_flags(FLAG_ANOMALY) == ESCALATE


def test_defect9_warn_is_reachable():
    p = EscalationPolicy()
    assert p.decide(35000, 0, False) == WARN
    assert p.why == WHY_ENTROPY
    assert p.decide(0, 50000, False) == WARN
    assert p.why == WHY_SURPRISE
    assert p.decide_from_flags(FLAG_DECAYING) == WARN
    assert p.decide_from_flags(FLAG_LOW_CONFIDENCE) == WARN


def test_builder_thresholds():
    p = EscalationPolicy(warn_entropy=500, escalate_entropy=700, halt_entropy=900, bias_escalates=False)
    assert p.decide(550, 100, False) == WARN
    assert p.decide(750, 100, False) == ESCALATE
    assert p.decide(950, 100, False) == HALT_INSTABILITY
    assert p.decide(900, 100, False) == HALT_INSTABILITY
    assert p.decide(400, 100, True) == PROCEED


def test_invalid_policy_rejected():
    for kwargs in ({"warn_entropy": 45000}, {"halt_entropy": 70000}, {"dal": 5},
                   {"warn_surprise": 60000}, {"escalate_pressure": 4}, {"warn_keywords": 0},
                   {"warn_keywords": 400, "bias_keywords": 300}):
        try:
            EscalationPolicy(**kwargs)
        except ValueError:
            continue
        assert False, kwargs


def test_dal_gate_table():
    codes = (PROCEED, WARN, ESCALATE, HALT_INSTABILITY, HALT_BIAS, EXIT)
    want = {
        DAL_A: (PROCEED, WARN, ESCALATE, HALT_INSTABILITY, HALT_BIAS, EXIT),
        DAL_B: (PROCEED, WARN, ESCALATE, ESCALATE, ESCALATE, EXIT),
        DAL_C: (PROCEED, WARN, WARN, WARN, WARN, EXIT),
        DAL_D: (PROCEED, WARN, WARN, WARN, WARN, WARN),
        DAL_E: (PROCEED, PROCEED, PROCEED, PROCEED, PROCEED, PROCEED),
    }
    for dal in (DAL_A, DAL_B, DAL_C, DAL_D, DAL_E):
        p = EscalationPolicy(dal=dal)
        got = tuple(p.gate(c) for c in codes)
        assert got == want[dal], (dal, got)
    assert EscalationPolicy(dal=DAL_C).decide(51000, 0, False) == WARN
    assert EscalationPolicy(dal=DAL_E).decide(51000, 0, True) == PROCEED


def test_dal_ordering():
    assert (DAL_A, DAL_B, DAL_C, DAL_D, DAL_E) == (0, 1, 2, 3, 4)


def test_severity_monotonic_with_entropy_and_surprise():
    p = EscalationPolicy()
    last = 0
    for e in range(0, 65536, 997):
        s = severity(p.decide(e, 0, False))
        assert s >= last
        last = s
    last = 0
    for s_ in range(0, 65536, 997):
        s = severity(p.decide(400, s_, False))
        assert s >= last
        last = s


def test_defect3_single_keyword_does_not_halt():
    p = EscalationPolicy()
    # one keyword hit: weight 100, entropy boost 728
    assert p.decide_sift(728, 0, False, 100) == WARN
    assert p.why == WHY_KEYWORDS
    assert p.decide_sift(1456, 0, False, 200) == WARN
    # three hits are bias evidence: Escalate, still not Halt
    assert p.decide_sift(2184, 0, False, 300) == ESCALATE
    assert p.why == WHY_BIAS
    # the classifier's verdict is bias on its own
    assert p.decide_sift(400, 0, True, 0) == ESCALATE


def test_defect3_single_allcaps_word_does_not_halt():
    p = EscalationPolicy()
    # emphasis is excluded from the keyword weight the pipeline passes: 0
    assert p.decide_sift(364, 21844, False, 0) == PROCEED


def test_pressure_levels():
    assert pressure_level(0) == PRESSURE_NOMINAL
    assert pressure_level(25) == PRESSURE_NOMINAL
    assert pressure_level(26) == PRESSURE_ELEVATED
    assert pressure_level(50) == PRESSURE_ELEVATED
    assert pressure_level(51) == PRESSURE_CRITICAL
    assert pressure_level(75) == PRESSURE_CRITICAL
    assert pressure_level(76) == PRESSURE_EMERGENCY
    assert pressure_level(255) == PRESSURE_EMERGENCY


def test_decide_with_pressure():
    p = EscalationPolicy()
    assert p.decide_with_pressure(400, 100, False, PRESSURE_NOMINAL) == PROCEED
    assert p.decide_with_pressure(400, 100, False, PRESSURE_ELEVATED) == PROCEED
    assert p.decide_with_pressure(400, 100, False, PRESSURE_CRITICAL) == ESCALATE
    assert p.decide_with_pressure(400, 100, False, PRESSURE_EMERGENCY) == HALT_RESOURCE
    assert p.decide_with_pressure(50001, 0, False, PRESSURE_CRITICAL) == HALT_INSTABILITY
    assert p.decide_with_pressure(31000, 0, False, PRESSURE_NOMINAL) == WARN


def test_decide_from_stability():
    p = EscalationPolicy()
    assert p.decide_from_stability(0) == PROCEED
    assert p.decide_from_stability(1) == WARN
    assert p.decide_from_stability(2) == HALT_INSTABILITY


def test_detection_ladder_order():
    p = EscalationPolicy()
    assert p.decide_from_flags(0) == PROCEED
    assert p.decide_from_flags(DETECTION_FLAGS_MASK) == HALT_BIAS
    assert deciding_flag(DETECTION_FLAGS_MASK) == FLAG_ADVERSARIAL
    assert deciding_flag(FLAG_ANOMALY | FLAG_STUCK | FLAG_DRIFTING) == FLAG_ANOMALY
    assert deciding_flag(FLAG_STUCK | FLAG_DRIFTING) == FLAG_STUCK
    assert deciding_flag(FLAG_DRIFTING | FLAG_DECAYING) == FLAG_DRIFTING
    assert deciding_flag(FLAG_DECAYING | FLAG_LOW_CONFIDENCE) == FLAG_DECAYING
    assert p.decide_from_flags(FLAG_STUCK) == ESCALATE
    assert p.decide_from_flags(FLAG_DRIFTING) == ESCALATE
    assert EscalationPolicy(dal=DAL_B).decide_from_flags(FLAG_ADVERSARIAL) == ESCALATE


def test_cooldowns():
    assert cooldown_ms(ESCALATE) == COOLDOWN_ESCALATE_MS == 5000
    assert cooldown_ms(HALT_INSTABILITY) == COOLDOWN_HALT_MS == 30000
    assert cooldown_ms(WARN) == 0
    assert cooldown_ms(PROCEED) == 0
    assert cooldown_ms(EXIT) == 0


def test_safety_decision_record():
    d = SafetyDecision()
    assert d.can_proceed() and not d.is_blocking() and d.halt_reason() == 0 and d.label() == "proceed"
    d.set(WARN, "sift: entropy", 0)
    assert d.can_proceed() and d.severity() == 1
    d.set(ESCALATE, "sift: bias", 5000)
    assert not d.can_proceed() and d.is_blocking() and not d.must_halt() and d.cooldown_ms == 5000
    d.set(HALT_BIAS, "sift: adversarial pattern", 30000)
    assert d.must_halt() and d.halt_reason() == HALT_BIAS and d.severity() == 3 and d.label() == "halt"
    d.set(EXIT, "exit", 0)
    assert d.should_exit() and d.severity() == 4 and d.halt_reason() == 0
