"""Check a board's freeze manifest the way MicroPython's own build will read it.

MicroPython's ``tools/makemanifest.py`` evaluates a manifest with
``tools/manifestfile.py`` and hands the compiled files to ``tools/mpy-tool.py``,
which names every frozen module's C symbols after its target path with ``/``
turned into ``_`` and the ``.py`` dropped (``frozen_module_<name>``,
``const_qstr_table_data_<name>``, ...). Two targets that map to one name
(``redline/model.py`` and ``redline_model.py``) compile to duplicate C
definitions, and the firmware build stops. This module runs the same
evaluation (MicroPython's own ``manifestfile.py``, loaded from a MicroPython
tree; stdlib only otherwise) and applies that naming rule, without a C
compiler::

    from pico_manifest_check import check_manifest
    r = check_manifest("boards/RPI_PICO/manifest.py", "build/pico/src/micropython", "rp2")
    r["duplicates"]     # {"redline_model": ["redline/model.py", "redline_model.py"]}
    r["missing"]        # files or manifests named but absent
    r["skipped"]        # includes under a port folder this tree does not have (ESP32 here)

Command line (exit 1 when a board has a duplicate symbol, a bad name or a missing file)::

    python tools/pico_manifest_check.py --micropy-dir build/pico/src/micropython \\
        boards/RPI_PICO/manifest.py:rp2 boards/ESP32_GENERIC/manifest.py:esp32
"""
import argparse
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BOARD_PORTS = {"RPI_PICO": "rp2", "ESP32_GENERIC": "esp32"}
_C_NAME = re.compile(r"[A-Za-z0-9_]+\Z")


def load_manifestfile(micropy_dir):
    """MicroPython's own ``tools/manifestfile.py`` from ``micropy_dir`` as a module."""
    path = Path(micropy_dir) / "tools" / "manifestfile.py"
    if not path.is_file():
        raise FileNotFoundError("%s not found: %s is not a MicroPython tree" % (path, micropy_dir))
    spec = importlib.util.spec_from_file_location("_mp_manifestfile_%d" % abs(hash(str(path))), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def frozen_symbol(target_path):
    """The C name mpy-tool gives a frozen module: ``tools/mpy-tool.py`` read_mpy():
    ``source_file.replace("/", "_")[:-3]`` where the source file is the target path."""
    name = target_path
    if name.endswith(".mpy"):
        # a pre-compiled .mpy keeps the source name it was compiled with; the usual
        # case is that name with .py, which is what is assumed here
        name = name[:-4] + ".py"
    return name.replace("/", "_")[:-3]


def _checking_manifest_class(mf, port_dir, missing, skipped):
    class CheckingManifest(mf.ManifestFile):
        """Records missing files instead of stopping at the first, and skips includes
        under a port folder that this MicroPython tree does not contain."""

        def _add_file(self, full_path, target_path, kind=mf.KIND_AUTO, opt=None):
            if not os.path.exists(full_path):
                missing.append(full_path)
                return
            super()._add_file(full_path, target_path, kind=kind, opt=opt)

        def include(self, manifest_path, is_require=False, **kwargs):
            if isinstance(manifest_path, str):
                resolved = self._resolve_path(manifest_path)
                target = resolved
                if os.path.isdir(resolved):
                    target = os.path.join(resolved, "manifest.py")
                if not os.path.exists(target):
                    if port_dir is not None and not os.path.isdir(port_dir) and \
                            resolved.startswith(os.path.abspath(port_dir)):
                        skipped.append(manifest_path)
                    else:
                        missing.append(target)
                    return
            return super().include(manifest_path, is_require=is_require, **kwargs)

    return CheckingManifest


def evaluate_manifest(manifest, micropy_dir, port, board=None, extra_vars=None):
    """Evaluate ``manifest`` in freeze mode with MicroPython's manifestfile.py.

    Returns ``(files, missing, skipped)``: ``files`` is a list of dicts
    ``{"target", "source", "kind"}`` (kind: "mpy" compiled, "str" frozen as text,
    "premade" a .mpy frozen as is).
    """
    micropy_dir = Path(micropy_dir).resolve()
    mf = load_manifestfile(micropy_dir)
    port_dir = micropy_dir / "ports" / port
    board_dir = port_dir / "boards" / board if board else Path(manifest).resolve().parent
    path_vars = {
        "MPY_DIR": str(micropy_dir),
        "MPY_LIB_DIR": str(micropy_dir / "lib" / "micropython-lib"),
        "PORT_DIR": str(port_dir),
        "BOARD_DIR": str(board_dir),
    }
    if extra_vars:
        path_vars.update(extra_vars)
    missing, skipped = [], []
    cls = _checking_manifest_class(mf, str(port_dir), missing, skipped)
    m = cls(mf.MODE_FREEZE, path_vars)
    cwd = os.getcwd()
    try:
        m.execute(str(Path(manifest).resolve()))
    finally:
        os.chdir(cwd)   # manifestfile chdirs while it works; never leave it elsewhere
    kinds = {mf.KIND_FREEZE_AS_MPY: "mpy", mf.KIND_FREEZE_AS_STR: "str", mf.KIND_FREEZE_MPY: "premade"}
    files = [{"target": r.target_path, "source": r.full_path, "kind": kinds.get(r.kind, str(r.kind))}
             for r in m.files()]
    return files, missing, skipped


def find_collisions(files):
    """Group frozen modules by mpy-tool C name: ``({name: [targets]} of the clashes,
    [targets frozen twice], [targets whose name is no C identifier])``."""
    by_name = {}
    by_target = {}
    bad = []
    for f in files:
        if f["kind"] == "str":
            continue   # frozen as text: no mpy-tool symbol
        t = f["target"]
        by_target[t] = by_target.get(t, 0) + 1
        name = frozen_symbol(t)
        if not _C_NAME.match(name):
            bad.append(t)
        by_name.setdefault(name, [])
        if t not in by_name[name]:
            by_name[name].append(t)
    dups = {k: sorted(v) for k, v in sorted(by_name.items()) if len(v) > 1}
    twice = sorted(t for t, n in by_target.items() if n > 1)
    return dups, twice, bad


def check_manifest(manifest, micropy_dir, port, board=None):
    """Everything a board manifest would break a build with, as a dict (see module doc).

    ``ok`` is True when no C name is defined twice, no target is frozen twice,
    every name is a C identifier and every named file exists.
    """
    files, missing, skipped = evaluate_manifest(manifest, micropy_dir, port, board)
    dups, twice, bad = find_collisions(files)
    return {
        "manifest": str(Path(manifest).resolve()),
        "port": port,
        "files": len(files),
        "duplicates": dups,
        "frozen_twice": twice,
        "bad_names": bad,
        "missing": missing,
        "skipped": skipped,
        "ok": not (dups or twice or bad or missing),
        "targets": sorted(f["target"] for f in files),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="List duplicate frozen-module C names and missing files in board manifests "
                    "(MicroPython's manifestfile.py + mpy-tool's naming rule).")
    ap.add_argument("manifests", nargs="*",
                    help="MANIFEST[:PORT] (default: every boards/*/manifest.py with a known port)")
    ap.add_argument("--micropy-dir", required=True, help="a MicroPython source tree (needs tools/manifestfile.py)")
    ap.add_argument("--json", action="store_true", help="print the full reports as JSON")
    args = ap.parse_args(argv)
    items = []
    for spec in args.manifests:
        path, _, port = spec.partition(":")
        items.append((path, port or BOARD_PORTS.get(Path(path).resolve().parent.name, "rp2")))
    if not items:
        for board, port in sorted(BOARD_PORTS.items()):
            p = REPO / "boards" / board / "manifest.py"
            if p.is_file():
                items.append((str(p), port))
    reports = []
    for path, port in items:
        try:
            r = check_manifest(path, args.micropy_dir, port)
        except Exception as exc:   # a manifest that does not even evaluate
            r = {"manifest": path, "port": port, "ok": False, "error": str(exc)}
        reports.append(r)
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        for r in reports:
            state = "ok" if r["ok"] else "FAIL"
            print("%s %s (%s)" % (state, r["manifest"], r["port"]))
            if "error" in r:
                print("  error: %s" % r["error"])
                continue
            print("  %d frozen files" % r["files"])
            for name, targets in r["duplicates"].items():
                print("  duplicate C name frozen_module_%s: %s" % (name, ", ".join(targets)))
            for t in r["frozen_twice"]:
                print("  frozen twice: %s" % t)
            for t in r["bad_names"]:
                print("  not a C identifier: %s" % t)
            for m in r["missing"]:
                print("  missing: %s" % m)
            for s in r["skipped"]:
                print("  not checked (port folder absent from this tree): %s" % s)
    return 0 if all(r["ok"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
