"""Board freeze manifests through MicroPython's own manifestfile.py and mpy-tool's naming rule.

Needs a MicroPython source tree: the v1.27.0 tarball in ../shared/toolchains
(unpacked once into build/pico/src by tools/pico_image.py's unpack step, about
1 s) or MICROPY_DIR; skips without either.
"""
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from pico_manifest_check import check_manifest, frozen_symbol  # noqa: E402


@pytest.fixture(scope="module")
def micropy_dir():
    import pico_image
    if os.environ.get("MICROPY_DIR"):
        return Path(os.environ["MICROPY_DIR"])
    tarball = pico_image.DEFAULT_TOOLCHAINS / pico_image.MICROPYTHON_TARBALL
    if not tarball.is_file():
        pytest.skip("no MicroPython source: %s is absent and MICROPY_DIR is not set" % tarball)
    return pico_image.unpack(tarball, pico_image.Layout(pico_image.DEFAULT_BUILD, "RPI_PICO").src, "micropython")


def test_frozen_symbol_is_mpy_tool_rule():
    assert frozen_symbol("redline/model.py") == "redline_model"
    assert frozen_symbol("redline_model.py") == "redline_model"
    assert frozen_symbol("redline_model/__init__.py") == "redline_model___init__"
    assert frozen_symbol("asyncio/core.py") == "asyncio_core"


def test_checker_finds_clash_missing_file_and_bad_name(tmp_path, micropy_dir):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    (tmp_path / "pkg_mod.py").write_text("y = 2\n")
    (tmp_path / "a-b.py").write_text("z = 3\n")
    (tmp_path / "manifest.py").write_text(
        'package("pkg")\nmodule("pkg_mod.py")\nmodule("a-b.py")\nmodule("gone.py")\n')
    r = check_manifest(tmp_path / "manifest.py", micropy_dir, "rp2")
    assert r["duplicates"] == {"pkg_mod": ["pkg/mod.py", "pkg_mod.py"]}
    assert r["bad_names"] == ["a-b.py"]
    assert r["missing"] == [str(tmp_path / "gone.py")]
    assert r["ok"] is False


def test_checker_passes_a_clean_manifest_with_the_port_part(tmp_path, micropy_dir):
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "manifest.py").write_text('include("$(PORT_DIR)/boards/manifest.py")\nmodule("app.py")\n')
    r = check_manifest(tmp_path / "manifest.py", micropy_dir, "rp2", "RPI_PICO")
    assert r["ok"] is True, r
    assert "app.py" in r["targets"] and "_boot.py" in r["targets"]    # the port's own frozen files count
    assert "asyncio/core.py" in r["targets"]


def test_the_image_is_built_from_the_board_manifest_itself(tmp_path, micropy_dir):
    """tools/pico_image.py builds boards/RPI_PICO/manifest.py as it is (no renaming work-around)
    and stops before the compiler on a manifest whose frozen names clash."""
    import pico_image
    path, report = pico_image.checked_manifest(REPO / "boards" / "RPI_PICO" / "manifest.py", micropy_dir,
                                               "rp2", "RPI_PICO")
    assert path == (REPO / "boards" / "RPI_PICO" / "manifest.py").resolve()
    for need in ("main.py", "pins.py", "redline_board.py", "redline_shims.py", "redline_model.py",
                 "redline_config.py", "redline/node.py", "redline/text/model.py", "_boot.py"):
        assert need in report["targets"], need
    (tmp_path / "redline").mkdir()
    (tmp_path / "redline" / "model.py").write_text("x = 1\n")
    (tmp_path / "redline_model.py").write_text("y = 2\n")
    (tmp_path / "manifest.py").write_text('package("redline")\nmodule("redline_model.py")\n')
    with pytest.raises(pico_image.BuildError, match="redline_model"):
        pico_image.checked_manifest(tmp_path / "manifest.py", micropy_dir, "rp2", "RPI_PICO")


@pytest.mark.parametrize("board,port", [("RPI_PICO", "rp2"), ("ESP32_GENERIC", "esp32")])
def test_every_board_manifest_has_unique_frozen_names(board, port, micropy_dir):
    r = check_manifest(REPO / "boards" / board / "manifest.py", micropy_dir, port, board)
    assert r["missing"] == [] and r["bad_names"] == [] and r["frozen_twice"] == []
    assert r["duplicates"] == {}
