"""Dataset loaders: exact integer tables from small synthetic CSVs; the real sets when present."""
import json

import numpy as np
import pytest

from redline_host.sensor import datasets as ds


def write(path, text):
    path.write_text(text)
    return path


def test_parse_scales():
    assert ds.parse_scales(["a=10", "Volume Flow=1000"]) == {"a": 10, "Volume Flow": 1000}
    assert ds.parse_scales(None) == {}
    for bad in ("a", "=3", "a=x", "a=0"):
        with pytest.raises(ValueError):
            ds.parse_scales([bad])


def test_to_int_is_exact_decimal_half_even():
    assert ds.to_int("0.0265878", 100000, "c") == 2659   # 2658.78 -> 2659
    assert ds.to_int("0.125", 100, "c") == 12            # 12.5 -> 12 (half to even)
    assert ds.to_int("0.135", 100, "c") == 14            # 13.5 -> 14
    assert ds.to_int("-1.25700", 1000, "c") == -1257
    assert ds.to_int("32.0", 1, "c") == 32
    with pytest.raises(ValueError, match="--scale c=K"):
        ds.to_int("2.5", 1, "c")
    with pytest.raises(ValueError):
        ds.to_int("abc", 1, "c")
    with pytest.raises(ValueError):
        ds.to_int("nan", 10, "c")


def test_episodes_from_labels():
    assert ds.episodes_from_labels([0, 1, 1, 0, 0, 1, 0, 1]) == [(1, 3), (5, 6), (7, 8)]
    assert ds.episodes_from_labels([]) == []
    assert ds.episodes_from_labels([1, 1]) == [(0, 2)]


def test_read_table_semicolon_with_labels(tmp_path):
    p = write(tmp_path / "run.csv",
              "datetime;a;b;anomaly;changepoint\n"
              "2020-01-01 00:00:00;0.5;10;0.0;0.0\n"
              "2020-01-01 00:00:01;0.25;11;1.0;1.0\n"
              "2020-01-01 00:00:02;-0.75;12;1.0;0.0\n"
              "2020-01-01 00:00:03;1.5;13;0.0;0.0\n")
    t = ds.read_table(p, {"a": 100})
    assert t.channels == ["a", "b"]
    assert t.values.tolist() == [[50, 10], [25, 11], [-75, 12], [150, 13]]
    assert t.values.dtype == np.int64
    assert t.labels.tolist() == [0, 1, 1, 0]
    assert t.episodes == [(1, 3)]
    assert t.timestamps[2] == "2020-01-01 00:00:02"
    assert t.name == "run" and t.rows == 4


def test_read_table_comma_no_labels_and_errors(tmp_path):
    p = write(tmp_path / "n.csv", "time,x\n1,5\n2,-7\n")
    t = ds.read_table(p)
    assert t.channels == ["x"] and t.values.tolist() == [[5], [-7]]
    assert t.labels is None and t.episodes == []
    with pytest.raises(ValueError, match="unknown columns: y"):
        ds.read_table(p, {"y": 10})
    bad = write(tmp_path / "b.csv", "x,y\n1,2\n3\n")
    with pytest.raises(ValueError, match="1 fields, header has 2"):
        ds.read_table(bad)
    dec = write(tmp_path / "d.csv", "x\n1.5\n")
    with pytest.raises(ValueError, match="--scale x=K"):
        ds.read_table(dec)


def test_nab_windows_to_rows(tmp_path):
    root = tmp_path / "nab"
    (root / "data" / "g").mkdir(parents=True)
    (root / "labels").mkdir()
    rows = ["timestamp,value"] + ["2014-01-01 00:%02d:00,%d.5" % (i, i) for i in range(10)]
    (root / "data" / "g" / "s.csv").write_text("\n".join(rows) + "\n")
    (root / "labels" / "combined_windows.json").write_text(json.dumps(
        {"g/s.csv": [["2014-01-01 00:02:00.000000", "2014-01-01 00:04:00.000000"],
                     ["2014-01-01 00:08:30.000000", "2014-01-01 00:20:00.000000"]]}))
    (t,) = ds.load_nab(tmp_path, names=["g/s.csv"], scale=10)
    assert t.values[:, 0].tolist() == [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]
    assert t.episodes == [(2, 5), (9, 10)]
    assert t.labels.tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 1]


def _data_dir():
    d = ds.resolve_data_dir()
    if d is None or not (d / "skab").is_dir():
        pytest.skip("shared datasets absent (../shared/datasets): SKAB/NAB checks skipped")
    return d


def test_real_skab_shape():
    nominal, runs = ds.load_skab(_data_dir())
    assert nominal.rows == 9405 and nominal.channels == list(ds.SKAB_SCALES)
    assert len(runs) == 34
    assert sum(r.rows for r in runs) + nominal.rows == 46806
    assert sum(int(r.labels.sum()) for r in runs) == 13067
    assert runs[0].name == "valve1/0" and runs[0].episodes == [(573, 974)]
    assert int(np.abs(np.concatenate([r.values for r in runs])).max()) < 2 ** 30


def test_real_nab_windows():
    d = _data_dir()
    series = ds.load_nab(d, names=["realKnownCause/machine_temperature_system_failure.csv"])
    assert series[0].rows == 22695 and len(series[0].episodes) == 4
