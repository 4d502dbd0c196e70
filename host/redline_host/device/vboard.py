"""Virtual boards: the firmware's main.py on the unix or WebAssembly MicroPython, behind a pty.

The board process gets the pty's master side as stdin/stdout; clients open the
slave device (``vb.path``, e.g. /dev/pts/7, or a symlink given as ``link``)
with pyserial or mpremote exactly like a USB serial port. The launcher keeps
one slave descriptor open (raw mode, never read) so a client can disconnect
and reconnect without the board seeing a hang-up::

    from redline_host.device.vboard import VirtualBoard
    with VirtualBoard("unix", trace="trace.csv") as vb:
        port = serial.serial_for_url(vb.path, timeout=2)
        port.write(b'{"op":"hello"}\\n'); port.readline()
        vb.key        # the HMAC reset key provisioned for this board (random per start)

Firmware, board files and model are compiled to .mpy first (as a board would
load them); the sensor configuration, the key and a released latch record
(redline.latch) go to a "flash" folder that is also the board's working
directory (mpremote cp writes there, and so does the firmware's latch record).
By default the folder is private and fresh at every start; given ``flash=PATH``
it persists, is provisioned only the first time, and a board ``kill()``-ed (a
power cut: SIGKILL) and started again boots from what the firmware left there::

    vb = VirtualBoard("unix", flash="/tmp/board0")
    vb.start(); ...trip it...; vb.kill(); vb.start()      # still latched
"""
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
import tty
from pathlib import Path

from redline_host.errors import UserError
from redline_host.device.mpy import compile_file, compiled_tree
from redline_host.paths import BOARDS, BUILD, DEFAULT_MODEL, FIRMWARE, JS, NODE_MODULES
from redline_host.device.runtimes import end_process_group, find_micropython, find_node
from redline_host.sensor.sensorconfig import write_config_module
from redline_host.device.vboard_sim import default_config

log = logging.getLogger(__name__)

KINDS = ("unix", "wasm")
DEFAULT_HEAP = "512K"   # frozen code costs a board no heap; here the .mpy bytecode lives in it
WASM_BOARD = JS / "wasm_board.mjs"


def bytecode_tree(src_dir):
    """Like mpy.compiled_tree without an arch, leaving out native/viper modules.

    The WebAssembly port has no native emitter; the firmware loads the pure-Python
    twin of a viper module when the viper one is missing.
    """
    src_dir = Path(src_dir)
    files = sorted(p for p in src_dir.rglob("*.py") if "__pycache__" not in p.parts)
    files = [p for p in files if "@micropython.viper" not in p.read_text(errors="replace")
             and "@micropython.native" not in p.read_text(errors="replace")]
    h = hashlib.sha256(b"bytecode-no-native:sidecar-1")
    for p in files:
        h.update(str(p.relative_to(src_dir)).encode())
        h.update(p.read_bytes())
    out = BUILD / "mpy-bc" / h.hexdigest()[:16]
    if (out / ".complete").is_file():
        return out
    for p in files:
        compile_file(p, out / p.relative_to(src_dir).with_suffix(".mpy"))
    (out / ".complete").write_text("ok\n")
    return out


def module_paths(kind, model_dir=DEFAULT_MODEL):
    """Compiled folders on the board's module path: board files, firmware, model."""
    if kind == "unix":
        def comp(d):
            return compiled_tree(d, "x64")
    else:
        comp = bytecode_tree
    dirs = [comp(BOARDS / "unix")]
    if kind == "wasm":
        dirs.insert(0, comp(BOARDS / "wasm"))
    dirs.append(comp(FIRMWARE))
    if Path(model_dir).is_dir():
        dirs.append(comp(model_dir))
    return [str(d) for d in dirs]


def check_trace(path):
    """Read a trace as the board will (boards/unix/redline_sim.py); UserError naming the bad line."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("redline_sim_check", str(BOARDS / "unix" / "redline_sim.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    try:
        src = mod.TraceSource(str(path))
    except OSError as exc:
        raise UserError("cannot read trace %s: %s" % (path, exc))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError("trace %s: %s" % (path, exc))
    if not src.count:
        raise UserError("trace %s has no rows" % path)
    return src.names, src.count


def provision_latch(folder):
    """Write a released latch record (every slot) into a flash folder: the board boots unlatched."""
    from redline.latch import MemoryFlash, provision
    mem = MemoryFlash()
    provision(mem)
    for name, data in mem.files.items():
        (Path(folder) / name).write_bytes(data)


def latch_files(folder):
    return sorted(p.name for p in Path(folder).glob("redline_latch.*"))


class VirtualBoard:
    def __init__(self, kind="unix", trace=None, config=None, key=None, link=None, rate=None,
                 heap=DEFAULT_HEAP, name=None, model_dir=DEFAULT_MODEL, no_key=False, flash=None,
                 provision=True, reset_cause=None):
        if kind not in KINDS:
            raise UserError("unknown virtual board %r (choose from %s)" % (kind, ", ".join(KINDS)))
        self.kind = kind
        self.trace = str(Path(trace).resolve()) if trace else None
        self.config = config if config is not None else default_config()
        self.no_key = no_key
        self.key = None if no_key else (key if key is not None else os.urandom(32))
        self.link = link
        self.rate = rate
        self.heap = heap
        self.name = name or ("vboard-" + kind)
        self.model_dir = model_dir
        self.flash = str(Path(flash).resolve()) if flash else None
        self.provision = provision
        self.reset_cause = reset_cause
        self.proc = None
        self.dir = None
        self.path = None
        self._keepalive = None
        self._stderr = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _provisioned(self, d):
        return (d / "redline_config.py").is_file()

    def _write_flash(self):
        d = Path(self.dir)
        fresh = not self._provisioned(d)
        if fresh:
            if isinstance(self.config, (str, Path)):
                shutil.copyfile(self.config, d / "redline_config.py")
            else:
                write_config_module(self.config, d / "redline_config.py", source="redline vboard")
            if self.key is not None:
                fd = os.open(d / "redline.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(self.key.hex() + "\n")
            if self.provision:
                provision_latch(d)
        elif not self.no_key and (d / "redline.key").is_file():
            self.key = bytes.fromhex((d / "redline.key").read_text().strip())
        env = {"REDLINE_BOARD": self.name}
        if self.key is not None and (d / "redline.key").is_file():
            env["REDLINE_KEY_FILE"] = str(d / "redline.key")
        if self.trace:
            env["REDLINE_TRACE"] = self.trace
        if self.rate:
            env["REDLINE_RATE"] = str(int(self.rate))
        if self.reset_cause:
            env["REDLINE_RESET_CAUSE"] = self.reset_cause
        return env

    def start(self):
        """Boot the board (again, after ``kill()``: from the same flash folder)."""
        if self.flash:
            Path(self.flash).mkdir(parents=True, exist_ok=True)
            self.dir = self.flash
        elif self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="redline-vboard-")
        board_env = self._write_flash()
        paths = [self.dir] + module_paths(self.kind, self.model_dir)
        master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        env = dict(os.environ)
        env.update(board_env)
        if self.kind == "unix":
            env["MICROPYPATH"] = ":".join(paths)
            cmd = [find_micropython(), "-X", "heapsize=" + self.heap, "-c", "import main\nmain.main()"]
        else:
            cmd = [find_node(), str(WASM_BOARD), "--heap", self.heap]
            env["REDLINE_NODE_MODULES"] = str(NODE_MODULES)
            for p in paths:
                cmd += ["--path", p]
        self._stderr = open(Path(self.dir) / "board.log", "ab")
        self.proc = subprocess.Popen(cmd, stdin=master, stdout=master, stderr=self._stderr, env=env,
                                     cwd=self.dir, close_fds=True, start_new_session=True)
        os.close(master)
        self._keepalive = slave
        if self.link:
            link = Path(self.link)
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(self.path)
        log.info("virtual board %s on %s (pid %d)", self.kind, self.path, self.proc.pid)
        return self.path

    @property
    def device(self):
        """The path clients open: the symlink when one was asked for, else the pty."""
        return str(self.link) if self.link else self.path

    def wait_ready(self, timeout=30.0):
        """Block until the board answers a ping (it compiles nothing, but wasm takes a moment)."""
        import serial
        deadline = time.monotonic() + timeout
        with serial.serial_for_url(self.path, timeout=0.5) as port:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise UserError("virtual board exited (%s): %s" % (self.proc.returncode, self.log_tail()))
                port.reset_input_buffer()
                port.write(b'{"op":"ping","id":1}\n')
                line = port.readline()
                if line.strip().startswith(b"{"):
                    try:
                        if json.loads(line).get("ok"):
                            return True
                    except ValueError:
                        pass
        raise UserError("virtual board did not answer within %.0f s: %s" % (timeout, self.log_tail()))

    def log_tail(self, n=2000):
        try:
            return (Path(self.dir) / "board.log").read_bytes()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """Cut the power: SIGKILL, nothing saved beyond what the firmware already wrote to its flash.
        ``start()`` boots it again from the same flash folder (a new pty)."""
        if self.proc is not None:
            end_process_group(self.proc, sig=signal.SIGKILL)
            self.proc = None
        self._close_port()

    def _close_port(self):
        if self._keepalive is not None:
            os.close(self._keepalive)
            self._keepalive = None
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        if self.link:
            link = Path(self.link)
            if link.is_symlink():
                link.unlink()

    def stop(self):
        if self.proc is not None:
            end_process_group(self.proc)
            self.proc = None
        self._close_port()
        if self.dir and not self.flash:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
