"""What the sensor and the text ladders share: the DAL gate and the pressure levels.

The design assurance level (spec §9.7) caps what a decision may do: A keeps
everything, B turns Halt into Escalate, C turns Halt and Escalate into Warn
(Exit stays), D turns everything but Proceed into Warn, E only advises
(always Proceed). Every decision of either ladder passes ``dal_gate`` last::

    >>> from redline.ladder import dal_gate, DAL_A, DAL_B, DAL_C
    >>> from redline.codes import HALT_BIAS, ESCALATE
    >>> dal_gate(HALT_BIAS, DAL_A), dal_gate(HALT_BIAS, DAL_B), dal_gate(ESCALATE, DAL_C)
    (-3, 2, 1)

Resource pressure (llmosafe's ladder, §9.2) maps a percentage 0..100 to a
level: 0-25 Nominal, 26-50 Elevated, 51-75 Critical, above Emergency::

    >>> from redline.ladder import pressure_level, LEVEL_NAMES
    >>> LEVEL_NAMES[pressure_level(25)], LEVEL_NAMES[pressure_level(51)]
    ('nominal', 'critical')
"""
from redline.compat import const
from redline.codes import ESCALATE, EXIT, PROCEED, WARN

DAL_A = const(0)
DAL_B = const(1)
DAL_C = const(2)
DAL_D = const(3)
DAL_E = const(4)

PRESSURE_NOMINAL = const(0)
PRESSURE_ELEVATED = const(1)
PRESSURE_CRITICAL = const(2)
PRESSURE_EMERGENCY = const(3)
LEVEL_NAMES = ("nominal", "elevated", "critical", "emergency")


def dal_gate(code, dal):
    """``code`` as the DAL lets it through (a DAL above E counts as E)."""
    if dal == DAL_A or code == PROCEED:
        return code
    if dal >= DAL_E:
        return PROCEED
    if dal == DAL_D:
        return WARN
    if code == EXIT:
        return EXIT
    if dal == DAL_C:
        return WARN
    return ESCALATE if code < 0 else code


def pressure_level(percent):
    """llmosafe's pressure ladder: 0-25 Nominal, 26-50 Elevated, 51-75 Critical, above Emergency."""
    if percent <= 25:
        return PRESSURE_NOMINAL
    if percent <= 50:
        return PRESSURE_ELEVATED
    if percent <= 75:
        return PRESSURE_CRITICAL
    return PRESSURE_EMERGENCY
