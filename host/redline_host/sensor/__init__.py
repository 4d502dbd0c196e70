"""Host libraries of the sensor path: calibration, evaluation, baselines, data sets, scenarios.

``calibrate`` (nominal CSV to a guard configuration within a false-halt
budget), ``sensorconfig`` (the frozen configuration module), ``guardrule``
(the guard as a halting rule), ``evaluate`` (scoring halting rules on labelled
runs, and the statistics of the report), ``baselines`` (river's and
llmosafe's detectors), ``datasets`` (SKAB and NAB), ``scenarios`` (seeded
faults and spoofs), ``separability`` (what any window rule could reach).
"""
