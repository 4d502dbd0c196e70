"""The sensor hot path on the emulated Pico allocates nothing, with a calibrated plant's magnitudes.

Boots the real RPI_PICO image with an 8-channel configuration of a calibrated plant's
magnitudes (tools/bench/pico_sensor_load.py: baselines up to ~290,000 counts, window 128,
replay levels, a 4,096-print store) and, in the node's maintenance window, sends seeded
readings through the node itself: ``node.feed`` (guard, interlock, latch record) and
``node.sample()`` (the loop's own path: every channel's reader, the fail-safe, the deadline
and pressure bookkeeping) under ``micropython.heap_lock()``. A reading that allocates raises
MemoryError there (or the node's fail-safe trips "memory error"): both count as failures.
The first 300 rows run unlocked so the replay rings and the store fill; the locked ones run
with them full and wrapping. About a minute of wall time.
"""
from pathlib import Path


def test_plant_readings_through_node_feed_allocate_nothing(plant_pico):
    vb = plant_pico
    assert vb.exec_raw("print(feed_rows(0, 300, False, False))", timeout=900).strip() == "0"
    before = int(vb.exec_raw("print(node.counters['readings'])"))
    assert vb.exec_raw("print(feed_rows(300, 400, True, False))", timeout=900).strip() == "0"
    after, stored = vb.exec_raw("print(node.counters['readings'], node.guard.store.count)").split()
    assert int(after) - before == 800          # every locked reading went through the node
    assert int(stored) > 1000                  # the store is in use (rings overflowing into it)


def test_plant_samples_through_node_sample_allocate_nothing(plant_pico):
    vb = plant_pico
    before = int(vb.exec_raw("print(node.counters['samples'])"))
    assert vb.exec_raw("print(sample_rows(400, 40, True))", timeout=900).strip() == "0"
    assert int(vb.exec_raw("print(node.counters['samples'])")) - before == 320


def test_the_frozen_replay_step_is_the_viper_build(plant_pico):
    # the rp2 build runs mpy-cross -march=armv6m on frozen modules: the viper modules (native
    # armv6m code in the frozen .mpy) import there, and the replay detector uses them
    out = plant_pico.exec_raw("from redline.sensor import replay, prints, window_viper, rcheck_viper, rstep_viper\n"
                              "print(replay.advance is window_viper.advance_viper, "
                              "replay.check is rcheck_viper.check_viper, "
                              "replay.step is rstep_viper.replay_step_viper, "
                              "prints._contains is rstep_viper.contains_viper, "
                              "prints._add is rstep_viper.add_viper)")
    assert out.split() == ["True"] * 5


def _run_firmware_tests_on_chip(board, test_file, skip, setting, at_least, only=None):
    """Run ``tests/firmware/<test_file>``'s tests but ``skip`` (a name or a tuple) on the chip, ``setting`` first
    (``only``: just the tests whose name holds it). A ``from _lcg import Lcg`` or ``from _fakes import
    Pin`` line gets the helper's source in its place (the chip has no tests/firmware folder).

    One exec per test: one exec of them all left the emulated chip not answering after ~3
    tests (cause not found); one by one they pass."""
    here = Path(__file__).resolve().parents[1] / "firmware"
    src = (here / test_file).read_text()
    src = src.replace("from _lcg import Lcg\n", (here / "_lcg.py").read_text() + "\n")
    src = src.replace("from _fakes import Pin\n", (here / "_fakes.py").read_text() + "\n")
    names = [line[4:line.index("(")] for line in src.splitlines() if line.startswith("def test_")]
    if only is not None:
        names = [n for n in names if only in n]
    assert len(names) >= at_least
    # in pieces of whole top-level definitions, collected before each (the names stay defined
    # between execs). Main's window held a piece ~3 times over and 9 KB pieces failed here; the
    # window now holds it once and answers a MemoryError for one it cannot hold (branch replfix:
    # tools/bench/bench_pico_maint.py loads every size up to its 16 KB limit after this file's three
    # test files). ~6 KB pieces were tried and left: no faster (193 s against 183 s for this file).
    pieces, cur = [], []
    for line in src.splitlines():
        if line.startswith(("def ", "class ")) and sum(len(x) + 1 for x in cur) > 3000:
            pieces.append("\n".join(cur))
            cur = []
        cur.append(line)
    pieces.append("\n".join(cur))
    board.exec_raw("import gc\ngc.collect()", timeout=120)
    for piece in pieces:
        board.exec_raw(piece, timeout=120)
        board.exec_raw("gc.collect()", timeout=120)
    board.exec_raw(setting + "\nprint('loaded')", timeout=120)
    for n in names:
        if n not in ((skip,) if isinstance(skip, str) else skip):
            out = board.exec_raw("%s()\ngc.collect()\nprint('passed')\n" % n, timeout=300)
            assert out.split() == ["passed"], n


def test_replay_viper_builds_match_their_twins_on_the_chip(plant_pico):
    # tests/firmware/test_sensor_replay_fast.py, run on the chip itself: its parity tests compare
    # the frozen armv6m viper builds (window step, print check, one-call step, the fingerprint
    # store's lookup and insert) with the frozen twins (a unix-port pass does not prove
    # armv6m code: this found a wrong clamp constant there). The pure-Python reference test
    # proves nothing about armv6m code and is the slow one; 300 readings per replay shape are
    # two rounds of its replays (the full 900 take many minutes of emulated time).
    _run_firmware_tests_on_chip(plant_pico, "test_sensor_replay_fast.py",
                                ("test_check_twin_matches_the_detector_before_it",), "_REPLAY_READINGS = 300\n_STORE_STEPS = 2000", 5)


def test_store_stride_reach_on_the_chip(plant_pico):
    # tests/firmware/test_sensor_printstore.py's store-stride tests on the chip: a replay older
    # than the ring but inside the store's reach is caught (at the reading the model says), one
    # just beyond it is not, at stride 1 and at stride 4 (the frozen viper builds)
    _run_firmware_tests_on_chip(plant_pico, "test_sensor_printstore.py", (), "", 2, only="store_stride")


def test_the_frozen_guard_kernel_is_the_viper_build(plant_pico):
    # one viper kernel: SensorGuard.step and node.feed both call reading_viper
    out = plant_pico.exec_raw("from redline.sensor import guard, kernel_viper\n"
                              "print(guard._reading is kernel_viper.reading_viper, "
                              "hasattr(guard, '_kernel'), hasattr(kernel_viper, 'step_viper'))")
    assert out.split() == ["True", "False", "False"]


def test_guard_kernel_viper_build_matches_its_twin_on_the_chip(plant_pico):
    # tests/firmware/test_sensor_kernel.py on the chip: the armv6m viper kernel against the
    # frozen twin slot by slot. The twin against the detector objects is pure Python on both
    # sides (it runs on every other runtime); 200 readings per variant reach every branch (the
    # full 700 take ~10 min of emulated time here).
    # The pair: the armv6m one-call reading of a paired channel against the frozen guard's Python
    # _pair, 120 rows per case (the twin's own pair test is pure Python: skipped here).
    _run_firmware_tests_on_chip(plant_pico, "test_sensor_kernel.py",
                                ("test_twin_matches_the_detector_objects",
                                 "test_the_twin_reading_of_a_paired_channel_is_the_guards_pair_step"),
                                "_READINGS = 200\n_PAIR_ROWS = 120", 4)


def test_the_frozen_node_feed_and_sample_are_the_native_build(plant_pico):
    out = plant_pico.exec_raw("from redline import node, node_native\n"
                              "print(node.Node.feed is node_native.feed, node.Node.sample is node_native.sample)")
    assert out.split() == ["True", "True"]


def test_native_feed_and_sample_match_their_twins_on_the_chip(plant_pico_10):
    # tests/firmware/test_node_feed.py's parity tests on the chip: the frozen armv6m native builds of
    # node.feed and node.sample against their frozen Python twins, field by field (two small nodes
    # beside the board's own); 40 rows each (300 take many minutes of emulated time)
    _run_firmware_tests_on_chip(plant_pico_10, "test_node_feed.py", (), "_NATIVE_ROWS = 40", 2, only="native")
