"""`redline guard`: JSON and CSV input, malformed lines, fail-closed config, runtime parity."""
import argparse
import io
import json
import shutil

import pytest

from redline.sensor.config import SensorConfig
from redline.sensor.config import ConfigError
from redline_host.commands import guard as cmd_guard
from redline_host.errors import UserError
from redline_host.paths import REPO
from redline_host.sensor.sensorconfig import render_config_module, write_config_module, read_config_module


def _args(**kw):
    p = argparse.ArgumentParser()
    cmd_guard.add_arguments(p)
    argv = []
    for k, v in kw.items():
        flag = "--" + k.replace("_", "-")
        if v is True:
            argv.append(flag)
        else:
            argv += [flag, str(v)]
    return p.parse_args(argv)


def _run(monkeypatch, capsys, text, **kw):
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code = cmd_guard.run(_args(**kw))
    return code, capsys.readouterr().out.splitlines()


def _config(tmp_path):
    cfg = SensorConfig(("a", "b"), baseline=(100, 200), scale=10, pair_a=(0,), pair_b=(1,), pair_tol=(40,))
    return write_config_module(cfg, tmp_path / "cfg.py", source="test")


def _lcg_lines(n, seed=1, spike_at=700):
    s = seed
    out = []
    for t in range(n):
        s = (s * 75 + 74) % 65537
        ch = "ab"[t % 2]
        v = (100, 200)[t % 2] + (s % 41) - 20
        if t == spike_at:
            v += 400
        out.append(json.dumps({"ch": ch, "value": v}))
    return "\n".join(out) + "\n"


def test_json_lines_exact_output(monkeypatch, capsys, tmp_path):
    cfg = _config(tmp_path)
    text = '{"ch": "a", "value": 101}\n{"ch": "b", "value": 199}\n{"ch": "a", "value": 400}\n'
    code, out = _run(monkeypatch, capsys, text, config=cfg, release_dwell=1)
    assert code == 0
    rows = [json.loads(l) for l in out]
    assert [r["decision"] for r in rows] == ["proceed", "proceed", "halt"]
    assert [r["actuator"] for r in rows] == ["on", "on", "safe"]
    # a pair is judged when its later channel (b) reads: a's jump halts on surprise alone
    assert rows[2] == {"ch": "a", "sample": 2, "decision": "halt", "code": -4, "surprise": 65535,
                       "entropy": 4, "bias": 0, "flags": 16, "actuator": "safe",
                       "reason": "surprise", "warming_up": False, "latched": True}
    assert list(rows[0]) == ["ch", "sample", "decision", "code", "surprise", "entropy", "bias", "flags",
                             "actuator", "reason", "warming_up", "latched"]


def test_malformed_lines_get_errors_and_leave_state_untouched(monkeypatch, capsys, tmp_path):
    cfg = _config(tmp_path)
    good = _lcg_lines(40).splitlines()
    noisy = list(good)
    for i, bad in ((5, "not json"), (9, '{"ch": "a"}'), (12, '{"ch": "zz", "value": 3}'),
                   (20, '{"ch": "a", "value": 1.5}'), (30, '{"ch": "a", "value": true}'), (33, "[1, 2]")):
        noisy.insert(i, bad)
    _, clean = _run(monkeypatch, capsys, "\n".join(good) + "\n", config=cfg)
    _, dirty = _run(monkeypatch, capsys, "\n".join(noisy) + "\n", config=cfg)
    errors = [l for l in dirty if l.startswith('{"error"')]
    assert len(errors) == 6
    assert errors[2] == '{"error": "line 13: unknown channel"}'
    assert [l for l in dirty if not l.startswith('{"error"')] == clean


def test_csv_input(monkeypatch, capsys, tmp_path):
    cfg = _config(tmp_path)
    text = "time,a,b\n0,101,199\n1,,201\n2,x,3\n3,99,200\n"
    _, out = _run(monkeypatch, capsys, text, config=cfg, csv=True)
    rows = [json.loads(l) for l in out]
    assert [r.get("ch") for r in rows] == ["a", "b", "b", None, "a", "b"]
    assert rows[3] == {"error": "line 4: cell is not an int"}
    assert [r["sample"] for r in rows if "ch" in r] == [0, 1, 2, 3, 4]


def test_default_config_learns_channels_from_input(monkeypatch, capsys):
    _, out = _run(monkeypatch, capsys, '{"ch": "p1", "value": 5}\n{"ch": "p2", "value": 9}\n')
    rows = [json.loads(l) for l in out]
    assert [(r["ch"], r["decision"], r["reason"], r["warming_up"]) for r in rows] == [
        ("p1", "warn", "warming up", True), ("p2", "warn", "warming up", True)]


def test_rejected_config_fails_closed(monkeypatch, capsys, tmp_path):
    cfg = _config(tmp_path)
    text = cfg.read_text().replace("Z_HALT = (1536, 1536)", "Z_HALT = (1536, 1600)")
    bad = tmp_path / "edited.py"
    bad.write_text(text)
    with pytest.raises(ConfigError):
        read_config_module(bad)
    monkeypatch.setattr("sys.stdin", io.StringIO('{"ch": "a", "value": 100}\n'))
    with pytest.raises(UserError, match="rejected"):
        cmd_guard.run(_args(config=bad))
    out = capsys.readouterr().out.splitlines()
    assert out[0] == '{"error": "config rejected"}'
    row = json.loads(out[1])
    assert (row["decision"], row["code"], row["actuator"], row["reason"], row["latched"]) == (
        "halt", -6, "safe", "config rejected", True)


def test_writer_is_deterministic_and_round_trips(tmp_path):
    cfg = SensorConfig(("x",), baseline=-7, scale=3, z_halt=2000)
    a = render_config_module(cfg, source="s")
    assert a == render_config_module(SensorConfig(("x",), baseline=-7, scale=3, z_halt=2000), source="s")
    assert a.startswith("# generated by redline -- do not edit.\n")
    p = write_config_module(cfg, tmp_path / "m.py")
    assert read_config_module(p).fields() == cfg.fields()


def _have(runtime):
    if runtime == "unix":
        return bool(shutil.which("micropython", path=str(REPO / ".venv" / "bin")) or shutil.which("micropython"))
    if runtime == "wasm":
        return bool(shutil.which("node")) and (REPO / "tools" / "node_modules" / "@micropython").is_dir()
    return True


@pytest.mark.parametrize("runtime", ["unix", "wasm"])
def test_runtimes_print_identical_bytes(monkeypatch, capsys, tmp_path, runtime):
    if not _have(runtime):
        pytest.skip("%s runtime not installed (make setup)" % runtime)
    cfg = _config(tmp_path)
    text = _lcg_lines(3000) + "garbage\n"
    _, ref = _run(monkeypatch, capsys, text, config=cfg)
    _, got = _run(monkeypatch, capsys, text, config=cfg, runtime=runtime)
    assert len(ref) == 3001
    assert any('"halt"' in l for l in ref)
    assert got == ref


def test_100k_sensor_steps_identical_on_three_runtimes(monkeypatch, capsys, tmp_path):
    # issue 4, acceptance 1: >= 100,000 sensor steps give identical output on CPython, unix and
    # wasm MicroPython; the spike comes late so most of the stream exercises the unlatched ladder
    for runtime in ("unix", "wasm"):
        if not _have(runtime):
            pytest.skip("%s runtime not installed (make setup)" % runtime)
    cfg = _config(tmp_path)
    text = _lcg_lines(100000, seed=3, spike_at=99000)
    _, ref = _run(monkeypatch, capsys, text, config=cfg)
    assert len(ref) == 100000
    decisions = set(json.loads(line)["decision"] for line in ref)
    assert "proceed" in decisions and "halt" in decisions
    for runtime in ("unix", "wasm"):
        _, got = _run(monkeypatch, capsys, text, config=cfg, runtime=runtime)
        assert len(got) == len(ref), runtime
        if got != ref:
            first = next(i for i in range(len(ref)) if got[i] != ref[i])
            pytest.fail("%s differs at step %d:\n cpython %s\n %s %s" % (runtime, first, ref[first], runtime, got[first]))
