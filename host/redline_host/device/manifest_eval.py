"""A small evaluator for MicroPython manifest files: which files a board freezes, and their size.

Understands the calls redline's manifests use -- ``include``, ``package``,
``module``, ``freeze``, ``require``, ``metadata``, ``options`` -- with
MicroPython's rules: relative paths are relative to the manifest's folder,
``$(MPY_DIR)``, ``$(PORT_DIR)``, ``$(BOARD_DIR)`` and ``$(MPY_LIB_DIR)`` are
substituted when known. Without a MicroPython tree the port's own manifest
cannot be read; it is recorded as ``external`` instead of failing::

    from redline_host.device.manifest_eval import evaluate
    m = evaluate("boards/ESP32_GENERIC/manifest.py")
    [(f.target, f.source) for f in m.files], m.external

``cross_compile(m, march)`` runs mpy-cross on every frozen .py and returns the
.mpy sizes (the frozen size of redline's part of the image).
"""
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from redline_host.errors import UserError
from redline_host.device.mpy import mpy_cross_command

MARCH = {"ESP32_GENERIC": "xtensawin", "RPI_PICO": "armv6m"}
PORTS = {"ESP32_GENERIC": "esp32", "RPI_PICO": "rp2"}


@dataclass
class FrozenFile:
    source: Path        # file on disk
    target: str         # path inside the frozen file system, e.g. "redline/text/sift.py"
    manifest: Path      # the manifest that named it


@dataclass
class Manifest:
    path: Path
    files: list = field(default_factory=list)
    external: list = field(default_factory=list)     # includes that need a MicroPython tree
    requires: list = field(default_factory=list)     # micropython-lib packages


class _Evaluator:
    def __init__(self, variables):
        self.vars = variables
        self.result = None
        self.stack = []

    def _expand(self, path):
        text = str(path)
        for k, v in self.vars.items():
            text = text.replace("$(%s)" % k, str(v) if v is not None else "\0%s" % k)
        return text

    def _resolve(self, path, base=None):
        text = self._expand(path)
        if "\0" in text:
            return None
        p = Path(text)
        if not p.is_absolute():
            p = (base or self.stack[-1].parent) / p
        return p.resolve()

    def evaluate(self, path):
        path = Path(path).resolve()
        self.result = Manifest(path)
        self._run(path)
        return self.result

    def _run(self, path):
        if not path.is_file():
            raise UserError("manifest %s does not exist" % path)
        if path in self.stack:
            raise UserError("manifest %s includes itself" % path)
        self.stack.append(path)
        env = {
            "include": self.include, "package": self.package, "module": self.module,
            "freeze": self.freeze, "require": self.require, "metadata": lambda *a, **k: None,
            "options": _Options(), "add_library": lambda *a, **k: None,
        }
        try:
            exec(compile(path.read_text(), str(path), "exec"), env)
        finally:
            self.stack.pop()

    def include(self, manifest, **kwargs):
        p = self._resolve(manifest)
        if p is None:
            self.result.external.append(str(manifest))
            return
        if p.is_dir():
            p = p / "manifest.py"
        self._run(p)

    def _add(self, source, target):
        if not source.is_file():
            raise UserError("%s: frozen file %s does not exist" % (self.stack[-1], source))
        self.result.files.append(FrozenFile(source, target, self.stack[-1]))

    def module(self, module_path, base_path=".", opt=None):
        base = self._resolve(base_path)
        if base is None:
            self.result.external.append(str(module_path))
            return
        self._add(base / module_path, str(module_path))

    def package(self, package_path, files=None, base_path=".", opt=None):
        base = self._resolve(base_path)
        if base is None:
            self.result.external.append(str(package_path))
            return
        root = base / package_path
        if not root.is_dir():
            raise UserError("%s: package %s does not exist" % (self.stack[-1], root))
        if files is None:
            found = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
        else:
            found = [root / f for f in files]
        for p in found:
            self._add(p, str(Path(package_path) / p.relative_to(root)))

    def freeze(self, path, script=None, opt=None):
        base = self._resolve(path)
        if base is None:
            self.result.external.append(str(path))
            return
        if script is None:
            for p in sorted(q for q in base.rglob("*.py") if "__pycache__" not in q.parts):
                self._add(p, str(p.relative_to(base)))
        elif isinstance(script, str):
            self._add(base / script, script)
        else:
            for s in script:
                self._add(base / s, s)

    def require(self, name, **kwargs):
        self.result.requires.append(name)


class _Options:
    def __getattr__(self, name):
        return None


def evaluate(path, micropy_dir=None, port=None):
    """Evaluate a board manifest; ``micropy_dir`` (a MicroPython checkout) resolves the port's part."""
    path = Path(path).resolve()
    mpy = Path(micropy_dir).resolve() if micropy_dir else None
    variables = {
        "MPY_DIR": mpy,
        "MPY_LIB_DIR": (mpy / "lib" / "micropython-lib") if mpy else None,
        "PORT_DIR": (mpy / "ports" / port) if (mpy and port) else None,
        "BOARD_DIR": path.parent,
    }
    return _Evaluator(variables).evaluate(path)


def frozen_name(target):
    """The C name mpy-tool gives a frozen module: its path without ``.py``, ``/`` turned into ``_``.

    Two targets with one name (``redline/model.py`` and ``redline_model.py`` did) stop the
    firmware's C compile on redefinitions, so ``cross_compile`` refuses them.
    """
    return target[:-3].replace("/", "_") if target.endswith(".py") else target.replace("/", "_")


def cross_compile(manifest, march, out_dir):
    """mpy-cross every frozen .py for ``march``; returns [(target, mpy_size)]. Raises on a failure."""
    out_dir = Path(out_dir)
    sizes = []
    seen = set()
    names = {}
    for f in manifest.files:
        if f.target in seen:
            raise UserError("%s is frozen twice" % f.target)
        seen.add(f.target)
        name = frozen_name(f.target)
        if name in names:
            raise UserError("%s and %s both freeze as frozen_module_%s" % (names[name], f.target, name))
        names[name] = f.target
        if not f.target.endswith(".py"):
            continue
        dst = out_dir / (f.target[:-3] + ".mpy")
        dst.parent.mkdir(parents=True, exist_ok=True)
        cmd = mpy_cross_command() + ["-march=" + march, "-s", f.target, "-o", str(dst), str(f.source)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise UserError("mpy-cross -march=%s failed on %s: %s" % (march, f.source, proc.stderr.strip()))
        sizes.append((f.target, os.path.getsize(dst)))
    return sizes
