"""100,000 random and mutated lines at the unix virtual board, with a reconnect and a soft reset.

Every line must get exactly one JSON reply (the Fuzzer raises otherwise), every
line that no correct board may accept must get an error, the board must still
be running, and the golden vectors must still match afterwards.
`make fuzz-long` runs the same with a million lines.
"""
from redline_host.device import fuzz


def test_must_fail_classification():
    assert fuzz.must_fail(b"\xff{}")
    assert fuzz.must_fail(b"x" * 4097)
    assert fuzz.must_fail(b"[1,2]")
    assert fuzz.must_fail(b'{"op":"nope"}')
    assert fuzz.must_fail(b'{"op":"reset","mac":"00"}')
    assert fuzz.must_fail(b"garbage")
    assert not fuzz.must_fail(b'{"op":"ping"}')
    assert not fuzz.must_fail(b'{"op":"ping",}')        # MicroPython's json may accept it


def test_fuzz_lines_avoid_framing_bytes():
    lines = fuzz.fuzz_lines(3000, seed=9)
    assert len(lines) == 3000
    assert all(line and not any(c in line for c in b"\n\r\x01\x03") for line in lines)
    assert sum(len(line) > 4096 for line in lines) == 3000 // 400
    assert lines == fuzz.fuzz_lines(3000, seed=9)


def test_fuzz_100k_lines_on_vboard():
    report = fuzz.run("unix", lines=100000, seed=1)
    assert report["lines"] == 100000
    assert report["ok"] + report["errors"] == 100000
    assert report["errors"] >= report["must_fail"] > 50000
    assert report["golden_mismatches"] == 0
    assert report["golden_vectors"]["sensor_steps"] == 6000
