"""Where things are: the repository root, the firmware and models folders, ../shared.

    from redline_host.paths import REPO, FIRMWARE, MODELS, shared_dir
    golden = shared_dir() / "golden"   # None-safe: shared_dir() may return None
"""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware"
MODELS = REPO / "models"
TOOLS = REPO / "tools"
BOARDS = REPO / "boards"
DEFAULT_MODEL = MODELS / "default"
CACHE = Path(os.environ.get("REDLINE_CACHE", REPO / ".cache"))


def shared_dir():
    """The reference material folder beside the repository, or None when absent.

    ``REDLINE_SHARED`` overrides the location.
    """
    env = os.environ.get("REDLINE_SHARED")
    path = Path(env) if env else REPO.parent / "shared"
    return path if path.is_dir() else None
