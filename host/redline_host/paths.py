"""Where things are: the firmware, models and boards folders, build output, caches, ../shared.

    from redline_host.paths import FIRMWARE, MODELS, DEFAULT_MODEL, shared_dir
    golden = shared_dir() / "golden"   # None-safe: shared_dir() may return None

In a clone (``host/redline_host`` beside ``firmware/``) these are the clone's
folders and ``REPO`` is its root. An installed package (``pip install`` of the
project, no clone) carries the same folders as package data
(``redline_host/_firmware``, ``_models``, ``_boards``); ``REPO`` is then the
working directory, where default outputs go, and caches live in
``~/.cache/redline`` (``REDLINE_CACHE`` overrides). The WebAssembly MicroPython
is an npm package: a clone installs it with ``make setup`` in
``tools/node_modules``; elsewhere point ``REDLINE_NODE_MODULES`` at a
``node_modules`` folder that holds it.
"""
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_CLONE = PACKAGE.parents[1]
IN_CLONE = (_CLONE / "firmware" / "redline" / "__init__.py").is_file() and (_CLONE / "host").is_dir()

if IN_CLONE:
    REPO = _CLONE
    FIRMWARE = REPO / "firmware"
    MODELS = REPO / "models"
    BOARDS = REPO / "boards"
    _CACHE = REPO / ".cache"
    _NODE_MODULES = REPO / "tools" / "node_modules"
else:
    REPO = Path.cwd()
    FIRMWARE = PACKAGE / "_firmware"
    MODELS = PACKAGE / "_models"
    BOARDS = PACKAGE / "_boards"
    _CACHE = Path.home() / ".cache" / "redline"
    _NODE_MODULES = None

DEFAULT_MODEL = MODELS / "default"
CACHE = Path(os.environ.get("REDLINE_CACHE", _CACHE))
BUILD = REPO / "build" if IN_CLONE else CACHE / "build"       # compiled .mpy trees, deploy staging
NODE_MODULES = Path(os.environ["REDLINE_NODE_MODULES"]) if os.environ.get("REDLINE_NODE_MODULES") else _NODE_MODULES
# what the package runs on MicroPython runtimes, and the WebAssembly bridges
MP_SCRIPTS = PACKAGE / "device" / "mp"
JS = PACKAGE / "device" / "js"


def shared_dir():
    """The reference material folder beside the repository, or None when absent.

    ``REDLINE_SHARED`` overrides the location.
    """
    env = os.environ.get("REDLINE_SHARED")
    path = Path(env) if env else REPO.parent / "shared"
    return path if path.is_dir() else None
