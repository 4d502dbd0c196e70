# redline-test-heap: 256K
# The latch survives power (issue 18, finding 1): the record on flash (redline.latch), and a node
# booted again on the same flash -- the in-process power cycle; the virtual boards' kill-and-boot is
# tests/host/test_hardening.py. The watchdog reset-cause path is driven for real (finding 10).
from redline.codes import (HALT_DEADLINE, HALT_SELF_MEMORY, REASON_BAD_RECORD, REASON_CONFIG, REASON_NO_RECORD,
                           REASON_WATCHDOG)
from redline.latch import LatchStore, MemoryFlash, FileFlash, decode, encode, provision, slot_name
from redline.node import Node
from redline.sensor.config import SensorConfig
from _fakes import Pin


class Board:
    name = "test"
    text = False

    def __init__(self, flash, reset_cause=None, watchdog_cause=None):
        self.flash = flash
        self.halt_pin = Pin()
        self.reset_cause = reset_cause
        self.watchdog_cause = watchdog_cause
        self.out = []

    def write(self, data):
        self.out.append(bytes(data))


def _cfg():
    return SensorConfig(("a",), baseline=100, scale=10)


def _boot(flash, **kw):
    board = Board(flash, **kw)
    return Node(board, config=_cfg()), board


def _healthy(node, n=8):
    for i in range(n):
        node.feed(0, 100 + (i & 1))


def test_record_round_trip_and_check():
    rec = encode(7, True, -3, 4, 300)
    assert len(rec) == 24 and decode(rec) == (7, True, -3, 4, 300)
    assert decode(encode(2 ** 30 - 1, False, 0, 0, 0)) == (2 ** 30 - 1, False, 0, 0, 0)
    for i in range(24):
        bad = bytearray(rec)
        bad[i] ^= 0x10
        assert decode(bytes(bad)) is None, i
    assert decode(rec[:23]) is None and decode(b"") is None and decode(None) is None


def test_store_rotates_slots_and_the_highest_sequence_wins():
    flash = MemoryFlash()
    provision(flash)
    store = LatchStore(flash)
    assert store.load() == "ok" and not store.latched and store.seq == 1
    store.save(True, -3, 4, 0)
    store.save(False, 0, 0, 0)
    store.save(True, -4, 6, 2)
    assert flash.writes == 2 + 3
    again = LatchStore(flash)
    assert again.load() == "ok" and again.latched and (again.code, again.reason, again.failures, again.seq) == (-4, 6, 2, 4)
    assert decode(flash.files[slot_name(0)])[0] == 4 and decode(flash.files[slot_name(1)])[0] == 3


def test_missing_torn_or_partial_records_read_as_latched():
    flash = MemoryFlash()
    store = LatchStore(flash)
    assert store.load() == "missing" and store.latched
    provision(flash)
    flash.files[slot_name(1)] = flash.files[slot_name(1)][:10]      # a write cut short
    assert store.load() == "corrupt" and store.latched
    provision(flash)
    del flash.files[slot_name(0)]                                 # a slot gone
    assert store.load() == "corrupt" and store.latched


def test_file_flash_on_this_runtime():
    import os
    folder = "redline_latch_test_dir"
    try:
        os.mkdir(folder)
    except OSError:
        pass
    flash = FileFlash(folder)
    try:
        assert flash.read(slot_name(0)) is None
        provision(flash)
        store = LatchStore(flash)
        store.save(True, -5, 33, 1)
        again = LatchStore(FileFlash(folder))
        assert again.load() == "ok" and (again.latched, again.code, again.reason, again.failures) == (True, -5, 33, 1)
    finally:
        for i in range(2):
            try:
                os.remove(folder + "/" + slot_name(i))
            except OSError:
                pass
        os.rmdir(folder)


def test_provisioned_node_boots_released_and_writes_nothing():
    flash = MemoryFlash()
    provision(flash)
    node, board = _boot(flash)
    assert not node.latched and flash.writes == 2
    _healthy(node)
    assert node.fed.actuator == 1 and flash.writes == 2          # no latch change, no write


def test_trip_then_power_cycle_boots_latched_with_the_trip():
    flash = MemoryFlash()
    provision(flash)
    node, board = _boot(flash)
    _healthy(node)
    assert board.halt_pin.v == 1
    node.feed(0, 100 + 20 * 10)                                  # 20 sigma: halt, latched
    code, reason = node.interlock.code, node.interlock.reason
    assert node.latched and code < 0 and flash.writes == 3
    node.feed(0, 100)
    assert flash.writes == 3                                     # written once, on the change only
    # power cycle: a new node on the same flash
    node2, board2 = _boot(flash)
    assert node2.latched and (node2.interlock.code, node2.interlock.reason) == (code, reason)
    assert board2.halt_pin.v == 0 and flash.writes == 3          # the record already said so
    assert node2.audit.trips() == [(code, reason, -1, -1)]       # why, after the reboot
    _healthy(node2, 20)
    assert board2.halt_pin.v == 0 and node2.fed.actuator == 0 and node2.latched
    # only an authenticated reset (the protocol checks the MAC) releases it, and writes the record
    node2.reset_state("latch")
    assert not node2.latched and flash.writes == 4
    node3, board3 = _boot(flash)
    assert not node3.latched


def test_no_record_boots_latched_and_says_why():
    flash = MemoryFlash()
    node, board = _boot(flash)
    assert node.latched and node.interlock.code == HALT_SELF_MEMORY and node.interlock.reason == REASON_NO_RECORD
    assert board.halt_pin.v == 0 and node.stats()["latch_record"] == "missing"
    assert flash.writes == 2                                     # the latched state, in every slot
    node2, _ = _boot(flash)
    assert node2.latched and node2.interlock.reason == REASON_NO_RECORD


def test_unreadable_record_boots_latched():
    flash = MemoryFlash()
    provision(flash)
    flash.files[slot_name(0)] = b"\xff" * 24
    node, board = _boot(flash)
    assert node.latched and node.interlock.reason == REASON_BAD_RECORD and board.halt_pin.v == 0


def test_watchdog_reset_cause_boots_latched_and_persists():
    flash = MemoryFlash()
    provision(flash)
    node, board = _boot(flash, reset_cause=3, watchdog_cause=3)
    assert node.latched and node.interlock.code == HALT_DEADLINE and node.interlock.reason == REASON_WATCHDOG
    assert node.gauge.watchdog_reset and board.halt_pin.v == 0
    # a power-on boot after it is still latched: the record says so
    node2, _ = _boot(flash, reset_cause=1, watchdog_cause=3)
    assert node2.latched and node2.interlock.reason == REASON_WATCHDOG and not node2.gauge.watchdog_reset
    node2.reset_state("latch")
    assert not node2.latched
    node3, _ = _boot(flash, reset_cause=1, watchdog_cause=3)
    assert not node3.latched


def test_watchdog_reset_without_flash_still_boots_latched():
    node, board = _boot(None, reset_cause=3, watchdog_cause=3)
    assert node.latched and node.interlock.reason == REASON_WATCHDOG and node.gauge.watchdog_reset
    node.reset_state("latch")
    assert not node.latched and not node.gauge.watchdog_reset
    node2, _ = _boot(None, reset_cause=1, watchdog_cause=3)
    assert not node2.latched


def test_failed_flash_write_stays_pending_and_is_retried():
    class Flaky(MemoryFlash):
        fail = False

        def write(self, name, data):
            if self.fail:
                raise OSError(28)
            MemoryFlash.write(self, name, data)

    flash = Flaky()
    provision(flash)
    node, board = _boot(flash)
    _healthy(node)
    flash.fail = True
    node.feed(0, 100 + 20 * 10)
    assert node.latched and node.interlock.dirty and node.latch_errors == 1 and board.halt_pin.v == 0
    flash.fail = False
    node.feed(0, 100)
    assert not node.interlock.dirty
    node2, _ = _boot(flash)
    assert node2.latched


def test_rejected_config_reset_keeps_the_latch_and_the_record():
    flash = MemoryFlash()
    provision(flash)
    node = Node(Board(flash), config=None, config_error="config rejected: test")
    assert node.latched and node.interlock.reason == REASON_CONFIG
    node.reset_state("all")
    assert node.latched and node.interlock.reason == REASON_CONFIG
    node2 = Node(Board(flash), config=None, config_error="config rejected: test")
    assert node2.latched
