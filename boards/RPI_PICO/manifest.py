# Freezes redline for this board: the port's own manifest, then the redline package,
# then the entry point, board files, model and calibration.
# Relative paths are relative to this file (MicroPython's manifest rules).
include("$(PORT_DIR)/boards/manifest.py")
include("../../firmware/manifest.py")
module("main.py", base_path="../../firmware")
module("pins.py")
module("redline_board.py")
module("redline_shims.py", base_path="../common")
module("redline_model.py", base_path="../../models/default")
module("redline_config.py", base_path="../common")
