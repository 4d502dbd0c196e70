"""Fixtures shared by the host tests of the emulated Pico (test_rp2040_*.py).

``pico_uf2`` is the RPI_PICO UF2 built from the current sources (``make test`` builds it with
tools/pico_image.py when ../shared/toolchains is present), or a skip that says what is missing.
"""
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
TOOLCHAINS = REPO.parent / "shared" / "toolchains"
BOOTROM = TOOLCHAINS / "rp2040-bootrom-b1.bin"


def uf2_or_skip():
    """The UF2 built from the current sources, or a skip saying what is missing."""
    if not BOOTROM.is_file() or not (TOOLCHAINS / "micropython-v1.27.0-rp2-pruned.tar.gz").is_file():
        pytest.skip("no ../shared/toolchains (RP2040 bootrom and MicroPython source): the emulated Pico is not tested")
    if not (TOOLS / "node_modules" / "rp2040js").is_dir():
        pytest.skip("rp2040js is not installed in tools/node_modules: run make setup")
    pytest.importorskip("littlefs", reason="PyPI littlefs-python is not installed")
    if str(TOOLS) not in sys.path:
        sys.path.insert(0, str(TOOLS))
    from pico_image import cached_uf2
    uf2 = cached_uf2()
    if uf2 is None:
        pytest.skip("the RPI_PICO UF2 for the current sources is not built: run make firmware BOARD=RPI_PICO "
                    "(make test builds it when ../shared/toolchains is present)")
    return uf2


@pytest.fixture(scope="session")
def pico_uf2():
    return uf2_or_skip()


def _plant(uf2, rows, speed="realtime"):
    """The emulated plant Pico: the 8-channel SKAB calibration built into a node, ``rows`` of
    its readings loaded and tools/bench/pico_sensor_load's board script run; stopped after."""
    bench = str(TOOLS / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    from pico_sensor_load import BOARD_SCRIPT, boot_board, plant_config, plant_rows
    cfg = plant_config()
    vb = boot_board(cfg, plant_rows(cfg, rows), uf2=uf2, speed=speed)
    try:
        vb.exec_raw(BOARD_SCRIPT, timeout=60)
        yield vb
    finally:
        vb.stop()


@pytest.fixture(scope="module")
def plant_pico(pico_uf2):
    """The plant Pico with 460 readings loaded (the sensor path's on-chip tests)."""
    yield from _plant(pico_uf2, 460)


@pytest.fixture(scope="module")
def plant_pico_10(pico_uf2):
    """A plant Pico of its own with 10 readings loaded, at the emulator's max speed (tests that
    need its heap or code, not its readings). Each module gets a fresh one: after
    test_rp2040_sensor.py's other on-chip tests the shared board at times stopped answering the
    raw REPL when the next test file was sent (the same tests pass on a fresh one)."""
    yield from _plant(pico_uf2, 10, speed="max")
