"""Build the MicroPython RPI_PICO UF2 with redline frozen in, cached by a hash of every input.

Stdlib only (runs before the venv exists). What it does, each step skipped when
already done:

1. installs the ARM toolchain with apt when it is missing (``gcc-arm-none-eabi
   libnewlib-arm-none-eabi cmake g++``) and says so;
2. unpacks ``../shared/toolchains/micropython-v1.27.0-rp2-pruned.tar.gz`` and
   ``picotool-2.1.1.tar.gz`` into ``build/pico/src/`` (or uses ``--micropy-dir``,
   a MicroPython checkout of your own);
3. builds picotool (flat install, no libusb) and mpy-cross;
4. checks the board manifest with MicroPython's own ``manifestfile.py`` and
   mpy-tool's naming rule (``tools/pico_manifest_check.py``): a duplicate frozen
   C name, a file frozen twice or a missing file stops here, before the compiler;
5. ``make -C ports/rp2 BOARD=RPI_PICO FROZEN_MANIFEST=boards/RPI_PICO/manifest.py``
   with ``CMAKE_ARGS`` in the environment (as a make argument it would override
   the port's own settings);
6. keeps the UF2 under ``build/pico/uf2/<key>/`` where the key hashes the
   manifest, every frozen source, the toolchain tarballs and the compiler
   version, and copies it to ``build/pico/<BOARD>.uf2``; ``build/pico/<BOARD>.json``
   records the key and the SHA-256 of each frozen file of this repository
   (``redline_host.device.rp2040`` warns when the sources changed since). A
   second run with the same inputs does no build at all.

Usage::

    python3 tools/pico_image.py                       # -> build/pico/RPI_PICO.uf2
    python3 tools/pico_image.py --micropy-dir ~/micropython
    python3 tools/pico_image.py --check-only          # only the manifest check
    python3 tools/pico_image.py --json                # machine-readable result on stdout

From Python (the test and the emulated board use this)::

    from pico_image import cached_uf2
    path = cached_uf2()        # the UF2 for the current sources, or None when not built
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from pico_manifest_check import BOARD_PORTS, check_manifest  # noqa: E402

FORMAT = 1   # bump when the way an image is built changes (invalidates every cached UF2)
DEFAULT_TOOLCHAINS = REPO.parent / "shared" / "toolchains"
DEFAULT_BUILD = REPO / "build" / "pico"
MICROPYTHON_TARBALL = "micropython-v1.27.0-rp2-pruned.tar.gz"
PICOTOOL_TARBALL = "picotool-2.1.1.tar.gz"
BOOTROM = "rp2040-bootrom-b1.bin"       # not needed to build; the emulator boots with it
APT_PACKAGES = ["gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "cmake", "g++"]


class BuildError(Exception):
    pass


def say(msg):
    print("pico_image: " + msg, file=sys.stderr, flush=True)


def sha256_file(path, _cache={}):
    path = Path(path)
    st = path.stat()
    k = (str(path), st.st_size, st.st_mtime_ns)
    if k not in _cache:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _cache[k] = h.hexdigest()
    return _cache[k]


def run_logged(cmd, log, env=None, cwd=None):
    """Run quietly into ``log``; on failure raise with the log's tail."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as f:
        f.write(("+ " + " ".join(str(c) for c in cmd) + "\n").encode())
        f.flush()
        rc = subprocess.call([str(c) for c in cmd], stdout=f, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    if rc != 0:
        tail = log.read_bytes()[-3000:].decode(errors="replace")
        raise BuildError("%s failed (exit %d); log %s ends:\n%s" % (cmd[0], rc, log, tail))


# -- 1. toolchain ------------------------------------------------------------------------

def _newlib_present():
    gcc = shutil.which("arm-none-eabi-gcc")
    if not gcc:
        return False
    out = subprocess.run([gcc, "-print-file-name=libc.a"], capture_output=True, text=True).stdout.strip()
    return os.path.isabs(out) and os.path.exists(out)


def missing_packages():
    missing = []
    if not shutil.which("arm-none-eabi-gcc"):
        missing.append("gcc-arm-none-eabi")
    if not _newlib_present():
        missing.append("libnewlib-arm-none-eabi")
    if not shutil.which("cmake"):
        missing.append("cmake")
    if not shutil.which("g++"):
        missing.append("g++")
    return missing


def ensure_toolchain(use_apt=True, logs=DEFAULT_BUILD / "logs"):
    missing = missing_packages()
    if not missing:
        return []
    cmd = ["apt-get", "install", "-y", "-qq"] + APT_PACKAGES
    if not use_apt:
        raise BuildError("missing %s; install with: %s" % (", ".join(missing), " ".join(cmd)))
    if os.geteuid() != 0:
        raise BuildError("missing %s; install as root with: %s" % (", ".join(missing), " ".join(cmd)))
    say("installing the ARM toolchain with apt (%s) ..." % ", ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    t0 = time.monotonic()
    log = Path(logs) / "apt.log"
    try:
        run_logged(cmd, log, env=env)
    except BuildError:
        say("apt-get install failed; refreshing the package lists and trying again")
        run_logged(["apt-get", "update", "-qq"], Path(logs) / "apt-update.log", env=env)
        run_logged(cmd, log, env=env)
    still = missing_packages()
    if still:
        raise BuildError("apt installed the packages but %s is still missing" % ", ".join(still))
    say("toolchain installed in %.0f s" % (time.monotonic() - t0))
    return missing


# -- 2. sources ----------------------------------------------------------------------------

def unpack(tarball, dest_root, top):
    """Unpack ``tarball`` (whose single top folder is ``top``) into dest_root/<hash>/top."""
    digest = sha256_file(tarball)
    dest = Path(dest_root) / digest[:16]
    stamp = dest / ".unpacked"
    if stamp.is_file():
        return dest / top
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    say("unpacking %s ..." % Path(tarball).name)
    t0 = time.monotonic()
    with tarfile.open(tarball) as tf:
        try:
            tf.extractall(dest, filter="tar")
        except TypeError:   # Python < 3.12 without extraction filters
            tf.extractall(dest)
    if not (dest / top).is_dir():
        raise BuildError("%s has no %s/ folder" % (tarball, top))
    stamp.write_text(digest + "\n")
    say("unpacked in %.1f s" % (time.monotonic() - t0))
    return dest / top


# -- 3. picotool and mpy-cross ---------------------------------------------------------------

def build_picotool(picotool_src, pico_sdk, install_dir, jobs, logs):
    cfg = install_dir / "picotool" / "picotoolConfig.cmake"
    if cfg.is_file():
        return install_dir / "picotool"
    say("building picotool (about 40 s on 2 cores) ...")
    t0 = time.monotonic()
    bdir = install_dir.parent / (install_dir.name + "-build")
    run_logged(["cmake", "-S", picotool_src, "-B", bdir, "-DPICO_SDK_PATH=%s" % pico_sdk,
                "-DPICOTOOL_NO_LIBUSB=1", "-DPICOTOOL_FLAT_INSTALL=1",
                "-DCMAKE_INSTALL_PREFIX=%s" % install_dir], logs / "picotool-cmake.log")
    run_logged(["make", "-C", bdir, "-j%d" % jobs, "install"], logs / "picotool-make.log")
    if not cfg.is_file():
        raise BuildError("picotool built but %s is missing" % cfg)
    say("picotool built in %.0f s" % (time.monotonic() - t0))
    return install_dir / "picotool"


def build_mpy_cross(micropy_dir, jobs, logs):
    exe = micropy_dir / "mpy-cross" / "build" / "mpy-cross"
    if exe.is_file():
        return exe
    say("building mpy-cross (about 30 s) ...")
    t0 = time.monotonic()
    run_logged(["make", "-C", micropy_dir / "mpy-cross", "-j%d" % jobs], logs / "mpy-cross.log")
    say("mpy-cross built in %.0f s" % (time.monotonic() - t0))
    return exe


# -- 4. the manifest that is built -------------------------------------------------------------

def checked_manifest(board_manifest, micropy_dir, port, board):
    """The board manifest, after MicroPython's own evaluation found nothing that breaks a build
    (a duplicate frozen C name, a file frozen twice, a name that is no C identifier, a missing
    file); raises BuildError naming what is wrong. Returns (path, report)."""
    report = check_manifest(board_manifest, micropy_dir, port, board)
    if not report["ok"]:
        raise BuildError("manifest %s cannot be built: %s" % (board_manifest, json.dumps(
            {k: report[k] for k in ("duplicates", "frozen_twice", "bad_names", "missing") if report[k]})))
    return Path(board_manifest).resolve(), report


def frozen_sources(build_manifest, micropy_dir, port, board):
    """{repository-relative path: sha256} of the frozen files that come from this repository."""
    from pico_manifest_check import evaluate_manifest
    files, _, _ = evaluate_manifest(build_manifest, micropy_dir, port, board)
    out = {}
    for f in files:
        src = Path(f["source"]).resolve()
        try:
            rel = src.relative_to(REPO)
        except ValueError:
            continue
        out[rel.as_posix()] = sha256_file(src)
    return dict(sorted(out.items()))


def input_key(board, build_manifest, micropy_dir, port, toolchain_hashes):
    """Hash of everything the UF2 depends on (see module doc)."""
    from pico_manifest_check import evaluate_manifest
    files, _, _ = evaluate_manifest(build_manifest, micropy_dir, port, board)
    h = hashlib.sha256()
    h.update(b"pico_image format %d\n" % FORMAT)
    h.update(("board %s\n" % board).encode())
    for name, digest in sorted(toolchain_hashes.items()):
        h.update(("toolchain %s %s\n" % (name, digest)).encode())
    h.update(Path(build_manifest).read_bytes())
    for f in sorted(files, key=lambda f: f["target"]):
        h.update(("file %s %s %s\n" % (f["target"], f["kind"], sha256_file(f["source"]))).encode())
    gcc = shutil.which("arm-none-eabi-gcc")
    if gcc:
        h.update(subprocess.run([gcc, "--version"], capture_output=True, text=True).stdout.encode())
    return h.hexdigest(), len(files)


def _micropy_identity(micropy_dir):
    """A user's checkout: its git commit and local changes (best effort)."""
    try:
        head = subprocess.run(["git", "-C", str(micropy_dir), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(micropy_dir), "status", "--porcelain", "-uno"],
                               capture_output=True, text=True, timeout=60).stdout
        return "%s %s" % (head or "nogit", hashlib.sha256(dirty.encode()).hexdigest()[:16])
    except (OSError, subprocess.SubprocessError):
        return "nogit"


# -- the whole build ------------------------------------------------------------------------------

class Layout:
    def __init__(self, build_dir, board):
        self.root = Path(build_dir).resolve()
        self.board = board
        self.src = self.root / "src"
        self.logs = self.root / "logs"
        self.cache = self.root / "uf2"
        self.picotool = self.root / "picotool-install"
        self.port_build = None          # set by build(): depends on the MicroPython tree
        self.latest = self.root / (board + ".uf2")
        self.info = self.root / (board + ".json")


def resolve_sources(toolchains, micropy_dir, layout, need_build=True):
    """(micropy_dir, picotool_src or None, toolchain hashes)."""
    hashes = {}
    toolchains = Path(toolchains) if toolchains else None
    mp_tar = toolchains / MICROPYTHON_TARBALL if toolchains else None
    pt_tar = toolchains / PICOTOOL_TARBALL if toolchains else None
    if micropy_dir:
        micropy_dir = Path(micropy_dir).resolve()
        if not (micropy_dir / "ports" / "rp2").is_dir():
            raise BuildError("%s is not a MicroPython checkout (no ports/rp2)" % micropy_dir)
        hashes["micropython-checkout"] = "%s %s" % (micropy_dir, _micropy_identity(micropy_dir))
    else:
        if not mp_tar or not mp_tar.is_file():
            raise BuildError("no MicroPython source: %s is missing and --micropy-dir is not given" % mp_tar)
        hashes[MICROPYTHON_TARBALL] = sha256_file(mp_tar)
        micropy_dir = unpack(mp_tar, layout.src, "micropython")
    picotool_src = None
    if pt_tar and pt_tar.is_file():
        hashes[PICOTOOL_TARBALL] = sha256_file(pt_tar)
        if need_build:
            picotool_src = unpack(pt_tar, layout.src, "picotool")
    return micropy_dir, picotool_src, hashes


def build(board="RPI_PICO", toolchains=DEFAULT_TOOLCHAINS, micropy_dir=None, build_dir=DEFAULT_BUILD,
          jobs=None, use_apt=True, force=False, manifest=None):
    """Build (or find in the cache) the UF2; returns a dict describing it."""
    t_start = time.monotonic()
    if board not in BOARD_PORTS or BOARD_PORTS[board] != "rp2":
        raise BuildError("only rp2 boards are built here (got %s)" % board)
    port = BOARD_PORTS[board]
    layout = Layout(build_dir, board)
    jobs = jobs or os.cpu_count() or 2
    board_manifest = Path(manifest) if manifest else REPO / "boards" / board / "manifest.py"
    micropy_dir, picotool_src, hashes = resolve_sources(toolchains, micropy_dir, layout)
    build_manifest, report = checked_manifest(board_manifest, micropy_dir, port, board)
    key, nfiles = input_key(board, build_manifest, micropy_dir, port, hashes)
    cached = layout.cache / key[:16] / "firmware.uf2"
    result = {"board": board, "key": key, "uf2": str(layout.latest), "cached_uf2": str(cached),
              "frozen_files": nfiles, "micropy_dir": str(micropy_dir),
              "sources": frozen_sources(build_manifest, micropy_dir, port, board)}
    if cached.is_file() and not force:
        _publish(cached, layout, result)
        result.update(built=False, seconds=round(time.monotonic() - t_start, 2))
        say("cached: %s (key %s)" % (layout.latest, key[:16]))
        return result
    installed = ensure_toolchain(use_apt, layout.logs)
    # one CMake build folder per MicroPython tree and frozen manifest: CMake refuses a cache made
    # from another source, and the rp2 Makefile configures once, so a folder configured with one
    # checkout's manifest would go on freezing that checkout's files under another's key
    layout.port_build = layout.root / ("build-%s-%s" % (board, hashlib.sha256(
        ("%s\n%s" % (micropy_dir, Path(build_manifest).resolve())).encode()).hexdigest()[:8]))
    env = dict(os.environ)
    if picotool_src is not None:
        pico_sdk = micropy_dir / "lib" / "pico-sdk"
        pt_dir = build_picotool(picotool_src, pico_sdk, layout.picotool, jobs, layout.logs)
        env["CMAKE_ARGS"] = (env.get("CMAKE_ARGS", "") + " -Dpicotool_DIR=%s" % pt_dir).strip()
    elif not shutil.which("picotool"):
        raise BuildError("no picotool: neither %s/%s nor a picotool on PATH" % (toolchains, PICOTOOL_TARBALL))
    build_mpy_cross(micropy_dir, jobs, layout.logs)
    # the frozen content is regenerated by timestamps only; a new key means start it afresh
    for stale in (layout.port_build / "frozen_content.c", layout.port_build / "frozen_mpy"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    say("building the %s firmware with %d frozen files (about 60 s on 2 cores) ..." % (board, nfiles))
    t0 = time.monotonic()
    run_logged(["make", "-C", micropy_dir / "ports" / port, "BOARD=" + board, "-j%d" % jobs,
                "BUILD=%s" % layout.port_build, "FROZEN_MANIFEST=%s" % build_manifest],
               layout.logs / ("make-%s.log" % board), env=env)
    uf2 = layout.port_build / "firmware.uf2"
    if not uf2.is_file():
        raise BuildError("make succeeded but %s is missing" % uf2)
    make_s = time.monotonic() - t0
    say("firmware built in %.0f s" % make_s)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    shutil.copyfile(uf2, tmp)
    os.replace(tmp, cached)
    for extra in ("firmware.elf", "firmware.map"):
        if (layout.port_build / extra).is_file():
            shutil.copyfile(layout.port_build / extra, cached.parent / extra)
    _publish(cached, layout, result)
    result.update(built=True, apt_installed=installed, make_seconds=round(make_s, 1),
                  seconds=round(time.monotonic() - t_start, 1))
    return result


def _publish(cached, layout, result):
    tmp = layout.latest.with_suffix(".tmp")
    shutil.copyfile(cached, tmp)
    os.replace(tmp, layout.latest)
    result["uf2_sha256"] = sha256_file(layout.latest)
    result["uf2_bytes"] = layout.latest.stat().st_size
    layout.info.write_text(json.dumps({k: v for k, v in result.items()}, indent=2) + "\n")


def cached_uf2(board="RPI_PICO", toolchains=DEFAULT_TOOLCHAINS, micropy_dir=None, build_dir=DEFAULT_BUILD):
    """The cached UF2 for the current sources, or None (never builds, never installs).

    Needs the MicroPython source already unpacked (it is after any build).
    """
    layout = Layout(build_dir, board)
    try:
        micropy_dir, _, hashes = resolve_sources(toolchains, micropy_dir, layout, need_build=False)
        path, _ = checked_manifest(REPO / "boards" / board / "manifest.py", micropy_dir,
                                   BOARD_PORTS[board], board)
        key, _ = input_key(board, path, micropy_dir, BOARD_PORTS[board], hashes)
    except (BuildError, OSError):
        return None
    cached = layout.cache / key[:16] / "firmware.uf2"
    return cached if cached.is_file() else None


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--board", default="RPI_PICO", choices=sorted(b for b, p in BOARD_PORTS.items() if p == "rp2"))
    ap.add_argument("--toolchains", default=str(DEFAULT_TOOLCHAINS),
                    help="folder with the MicroPython and picotool tarballs")
    ap.add_argument("--micropy-dir", default=os.environ.get("MICROPY_DIR") or None,
                    help="build from this MicroPython checkout instead of the tarball (env MICROPY_DIR)")
    ap.add_argument("--build-dir", default=str(DEFAULT_BUILD), help="where sources, logs and UF2s go")
    ap.add_argument("--manifest", help="board manifest (None: boards/<BOARD>/manifest.py)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2, help="parallel make jobs")
    ap.add_argument("--no-apt", action="store_true", help="never run apt-get; fail when the toolchain is missing")
    ap.add_argument("--force", action="store_true", help="rebuild even when the UF2 is cached")
    ap.add_argument("--check-only", action="store_true",
                    help="only check the manifest (duplicate frozen names, missing files)")
    ap.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    ap.add_argument("--if-available", action="store_true",
                    help="without the MicroPython source (toolchains folder or --micropy-dir) or the RP2040 "
                         "bootrom, say so and exit 0 (make test: the emulated-Pico tests then skip)")
    args = ap.parse_args(argv)
    if args.if_available:
        missing = [str(p) for p in (Path(args.toolchains) / MICROPYTHON_TARBALL, Path(args.toolchains) / BOOTROM)
                   if not p.is_file() and not (args.micropy_dir and p.name == MICROPYTHON_TARBALL)]
        if missing:
            say("skipped: %s not found, so no RPI_PICO image is built and the emulated-Pico tests skip"
                % " and ".join(missing))
            return 0
    try:
        if args.check_only:
            layout = Layout(args.build_dir, args.board)
            micropy_dir, _, _ = resolve_sources(args.toolchains, args.micropy_dir, layout, need_build=False)
            manifest = args.manifest or REPO / "boards" / args.board / "manifest.py"
            result = check_manifest(manifest, micropy_dir, BOARD_PORTS[args.board], args.board)
            result.pop("targets")
        else:
            result = build(args.board, args.toolchains, args.micropy_dir, args.build_dir, args.jobs,
                           use_apt=not args.no_apt, force=args.force, manifest=args.manifest)
    except BuildError as exc:
        print("redline: %s" % exc, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    elif args.check_only:
        print("%s: %s" % ("ok" if result["ok"] else "FAIL", json.dumps(result)))
    else:
        print(result["uf2"])
    return 0 if result.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
