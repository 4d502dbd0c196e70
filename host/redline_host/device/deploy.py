"""Put redline on a stock MicroPython board's file system, verified file by file.

``stage()`` compiles the firmware package, the board files, the model (with
its ``redline_model.sha256`` sidecar, checked by the node before import) and
the calibration to .mpy for the board's arch (main.py stays source: the boot
sequence runs main.py), writes the reset key (at least 16 bytes) and a released
latch record (redline.latch: deploying is an authenticated act, like a reset);
``copy()`` sends the staged tree with mpremote; ``verify()`` has the board hash
every file with its own hashlib and compares with the host. A board already
running redline only speaks its line protocol: the command first opens its
maintenance window with the key (redline_host.device.maint). ``romfs()``
builds the same tree into a ROMFS image with ``mpremote romfs build`` for
boards that enable ROMFS::

    from redline_host.device.deploy import stage, copy, verify
    files = stage("RPI_PICO", out_dir, key=key)
    copy("/dev/ttyACM0", out_dir, files)
    verify("/dev/ttyACM0", out_dir, files)        # [(path, host_sha, board_sha, ok)]
"""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from redline_host.errors import UserError
from redline_host.device.manifest_eval import MARCH
from redline_host.device.mpy import compile_file
from redline_host.paths import BOARDS, DEFAULT_MODEL, FIRMWARE

# board name -> (board folder files, arch); "unix" is the virtual board (x64 bytecode+native)
BOARD_ARCH = dict(MARCH, unix="x64")
MIN_KEY_BYTES = 16      # the node refuses shorter keys (redline.node.MIN_KEY_BYTES)


def mpremote_command():
    exe = Path(sys.executable).with_name("mpremote")
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("mpremote")
    if found:
        return [found]
    return [sys.executable, "-m", "mpremote"]


def _board_sources(board):
    if board == "unix":
        return [BOARDS / "unix" / "redline_board.py", BOARDS / "unix" / "redline_sim.py"]
    d = BOARDS / board
    if not d.is_dir():
        raise UserError("unknown board %s (boards/ has no such folder)" % board)
    return [d / "pins.py", d / "redline_board.py", BOARDS / "common" / "redline_shims.py"]


def stage(board, out_dir, key=None, model_dir=DEFAULT_MODEL, config=None, march=None, latch=True):
    """Build the tree to copy; returns the relative paths (posix) of every staged file.

    ``latch``: also stage a released latch record (every slot), so the node boots unlatched.
    """
    if key is not None and len(key) < MIN_KEY_BYTES:
        raise UserError("reset key of %d bytes: at least %d are required" % (len(key), MIN_KEY_BYTES))
    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    march = march if march is not None else BOARD_ARCH.get(board)
    files = []

    def comp(src, rel):
        compile_file(src, out / rel, march)
        files.append(rel)

    for p in sorted((FIRMWARE / "redline").rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        rel = "redline/" + p.relative_to(FIRMWARE / "redline").with_suffix(".mpy").as_posix()
        comp(p, rel)
    for p in _board_sources(board):
        comp(p, p.with_suffix(".mpy").name)
    model = Path(model_dir) / "redline_model.py"
    if not model.is_file():
        raise UserError("no model at %s" % model)
    comp(model, "redline_model.mpy")
    files.append("redline_model.sha256")        # written by compile_file beside the .mpy
    cfg = Path(config) if config else BOARDS / "common" / "redline_config.py"
    comp(cfg, "redline_config.mpy")
    shutil.copyfile(FIRMWARE / "main.py", out / "main.py")
    files.append("main.py")
    if key is not None:
        (out / "redline.key").write_text(key.hex() + "\n")
        (out / "redline.key").chmod(0o600)
        files.append("redline.key")
    if latch:
        from redline.latch import MemoryFlash, provision
        mem = MemoryFlash()
        provision(mem)
        for name in sorted(mem.files):
            (out / name).write_bytes(mem.files[name])
            files.append(name)
    return files


def sha256_file(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _mpremote(port, args, timeout=300):
    cmd = mpremote_command() + ["connect", port, "resume"] + args
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise UserError("mpremote failed (%s): %s" % (" ".join(args[:3]),
                                                      (proc.stderr or proc.stdout).decode(errors="replace").strip()[-500:]))
    return proc.stdout.decode(errors="replace")


_PREPARE_SCRIPT = """import os
for d in %r:
    try:
        os.mkdir(d)
    except OSError:
        pass
for p in %r:
    try:
        os.remove(p)
        print('REMOVED', p)
    except OSError:
        pass
"""


def copy(port, out_dir, files, remote_dir=""):
    """mkdir the folders, then one mpremote session copying every file (unchanged files skipped).

    A ``NAME.py`` already on the board beside a staged ``NAME.mpy`` is removed first:
    MicroPython imports the ``.py`` before the ``.mpy``, so it would run instead of what is
    deployed and verified. Returns the paths removed."""
    dirs = sorted({str(Path(remote_dir, f).parent) for f in files} - {".", ""})
    shadows = [str(Path(remote_dir, f).with_suffix(".py").as_posix()) for f in files if f.endswith(".mpy")]
    args = ["exec", _PREPARE_SCRIPT % (dirs, shadows)]
    for f in files:
        args += ["+", "fs", "cp", str(Path(out_dir) / f), ":" + str(Path(remote_dir, f).as_posix())]
    out = _mpremote(port, args)
    return [line.split()[1] for line in out.splitlines() if line.startswith("REMOVED ")]


_HASH_SCRIPT = """import hashlib
def _h(p):
    h = hashlib.sha256()
    b = bytearray(512)
    with open(p, 'rb') as f:
        while True:
            n = f.readinto(b)
            if not n:
                break
            h.update(b if n == 512 else b[:n])
    return ''.join('%%02x' %% x for x in h.digest())
for p in %r:
    try:
        print('SHA', p, _h(p))
    except OSError:
        print('SHA', p, 'missing')
"""


def verify(port, out_dir, files, remote_dir=""):
    """The board hashes each file itself; returns [(path, host_sha, board_sha, ok)]."""
    remote = [str(Path(remote_dir, f).as_posix()) for f in files]
    text = _mpremote(port, ["exec", _HASH_SCRIPT % remote])
    got = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "SHA":
            got[parts[1]] = parts[2]
    out = []
    for f, r in zip(files, remote):
        want = sha256_file(Path(out_dir) / f)
        have = got.get(r, "missing")
        out.append((r, want, have, want == have))
    return out


def romfs(out_dir, image):
    """Build a ROMFS image of the staged tree (already .mpy) with ``mpremote romfs build``."""
    cmd = mpremote_command() + ["romfs", "--no-mpy", "--output", str(image), "build", str(out_dir)]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise UserError("mpremote romfs build failed: %s" % proc.stderr.decode(errors="replace").strip())
    return Path(image)


def read_key(path):
    """The hex reset key in ``path``: UserError when unreadable, not hex or shorter than 16 bytes."""
    try:
        text = open(path).read().strip()
    except OSError as exc:
        raise UserError("cannot read key file %s: %s" % (path, exc))
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise UserError("key file %s is not hex" % path)
    if len(key) < MIN_KEY_BYTES:
        raise UserError("key file %s holds %d bytes: a reset key needs at least %d (the node refuses "
                        "shorter ones)" % (path, len(key), MIN_KEY_BYTES))
    return key


def provision_key(path):
    """The hex reset key in ``path``, or a new random one written there (mode 0600); None without a path."""
    if path is None:
        return None
    if os.path.isfile(path):
        return read_key(path)
    key = os.urandom(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key.hex() + "\n")
    return key
