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
