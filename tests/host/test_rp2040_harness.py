"""The serial harness on the emulated Pico: the reduced run CI does (make board-test runs the full one).

At least 500 text vectors (250 texts as sift and as msg) and 10,000 sensor readings (14
segments of 250 rows x 3 channels: replay, step, stuck, ramp spoofs, clean ones and extremes) through the real RPI_PICO image over its USB CDC port, field by
field against the host reference, 0 mismatches; requests sized by the board's hello; heap and
marker-pin cycle figures in the summary. About 3-4 minutes of wall time (the emulated chip runs ~0.2x a real Pico). Skips like test_rp2040_emulator.py.
"""
from redline_host.device.harness import Harness
from redline_host.device.harness_vectors import sensor_vectors, text_vectors


def test_reduced_harness_on_the_emulated_pico(pico_uf2):
    vectors = text_vectors(250, seed=11) + sensor_vectors(10000, seed=12, segment_rows=250)
    with Harness("rp2040", vboard_options={"uf2": pico_uf2}) as h:
        s = h.run(vectors)
    print("emulated Pico harness:", {k: s[k] for k in ("vectors", "mismatches", "elapsed_s", "heap_free_boot",
                                                      "heap_free_after_build", "heap_free_min",
                                                      "cycles_per_message_64B", "cycles_per_pipeline_message",
                                                      "cycles_per_sensor_step")})
    assert s["mismatches"] == 0, s["first_divergence"]
    assert s["board"] == "RPI_PICO" and s["config_match"] is True
    assert s["vectors"]["text"] == 500 and s["vectors"]["sensor_steps"] == 10500
    # requests fit what the board reported: a few packed feeds, not one per 40 rows
    limits = s["request_limits"]
    assert limits["max_line"] == 4096 and 0 < limits["max_feed"] < 1024
    # heap: free at boot > after the node is built >= the worst point seen, all read from the chip
    assert s["heap_free_boot"] > s["heap_free_after_build"] >= s["heap_free_min"] > 0
    assert s["heap_free_boot"] < 264 * 1024
    # cycles from the marker pin: one pulse per reading and per timed text, none lost
    c = s["cycles"]
    assert c["sensor_step"]["n"] == 10500 and c["sift_64B"]["n"] == 20 and c["pipeline_64B"]["n"] == 20
    assert c["sift"]["n"] == 250 and c["pipeline"]["n"] == 250
    assert 0 < s["cycles_per_message_64B"] < s["cycles_per_pipeline_message"]
    assert s["cycles_per_sensor_step"] > 0 and "cycles_unattributed_requests" not in s
