"""The emulated Raspberry Pi Pico as a virtual board: the real RPI_PICO UF2 in rp2040js behind a pty.

Like ``redline_host.vboard.VirtualBoard``: ``board.mjs`` gets a pty's master side
as stdin/stdout, clients open the slave (``vb.path``) with pyserial, mpremote or
the harness exactly like a Pico's /dev/ttyACM0, and the launcher keeps one
slave descriptor open (raw mode, never read) so clients can come and go. The
frozen ``main.py`` runs at boot as on a real Pico. The board's flash (2 MiB) is a
file: the sensor configuration and the reset key are written into its littlefs
(``/redline_config.py`` shadows the frozen one, ``/redline.key``) before the
emulator starts, and whatever the firmware or ``mpremote cp`` writes stays there
across ``machine.reset()`` (a new emulator from the saved flash, same pty) and
across ``power_cycle()`` or a new ``RP2040Board`` given the same ``flash`` path::

    from vboard_rp2040 import RP2040Board
    with RP2040Board(trace="trace.csv") as vb:
        vb.wait_ready()
        port = serial.serial_for_url(vb.path, timeout=2)
        port.write(b'{"op":"hello","id":1}\\n'); port.readline()
        vb.key              # the HMAC reset key provisioned on its filesystem
        vb.markers()        # GPIO22 edges with the core's cycle counter
        vb.stats()          # {"total_cycles": ..., "total_nanos": ..., "wall_ms": ...}

Sensors: the trace's columns (header = channel names) are mapped through the
board's ``pins.py``: ``ADC_CHANNELS`` name -> GPIO 26..29 -> ADC 0..3, and
``I2C_SENSOR`` (name, address, register) on ``I2C_ID``. ADC values are in
``read_u16`` units and pass through the 12-bit converter, so the firmware reads
``adc_u16_seen(v)``, not ``v``. Without a trace the board gets a nominal one
for the configuration (``nominal_trace``, one hour at 10 Hz). Each column advances
one row per conversion of its channel; the last row is held after the end. The
default configuration is ``pico_default_config()``: the vboard's greenhouse node
with its ADC signals above the converter's resolution (see there why).

Needs: ``make setup`` (node + rp2040js), a built UF2 (``tools/pico_image.py``),
the bootrom from ``../shared/toolchains``, and PyPI ``littlefs-python``.
"""
import ast
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import tty
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BOARD_MJS = HERE / "board.mjs"
DEFAULT_BOOTROM = REPO.parent / "shared" / "toolchains" / "rp2040-bootrom-b1.bin"
DEFAULT_UF2 = REPO / "build" / "pico" / "RPI_PICO.uf2"
MARKER_PIN = 22

FLASH_SIZE = 2 * 1024 * 1024
FS_OFFSET = 0xA0000            # MICROPY_HW_FLASH_STORAGE_BYTES = 1408 KiB at the end of 2 MiB
FS_BLOCK = 4096
FS_BLOCKS = 352
# the littlefs geometry MicroPython's rp2 port uses (ports/rp2/modules/_boot.py: progsize=256;
# extmod/vfs_lfsx.c: readsize 32, lookahead 32, block_cycles 100, cache min(block, 4*max))
LFS_CONFIG = dict(block_size=FS_BLOCK, block_count=FS_BLOCKS, read_size=32, prog_size=256,
                  lookahead_size=32, cache_size=1024, block_cycles=100, disk_version=0x00020001)

log = logging.getLogger(__name__)


class BoardError(Exception):
    """The emulated board could not start or did not answer."""


def adc_u16_seen(value):
    """What ``ADC.read_u16()`` returns on the emulated (and a real) RP2040 for a CSV value:
    the 12-bit conversion ``r = value >> 4`` scaled back as MicroPython's rp2 port does."""
    r = max(0, min(4095, int(value) >> 4))
    return (r << 4) | (r >> 8)


# -- the flash image and its littlefs ------------------------------------------------------------

def _lfs(buffer=None, mount=True):
    from littlefs import LittleFS, UserContext
    ctx = UserContext(buffer=bytearray(buffer) if buffer is not None else bytearray(b"\xff" * (FS_BLOCK * FS_BLOCKS)))
    return LittleFS(context=ctx, mount=mount, **LFS_CONFIG)


def new_flash_image():
    """2 MiB of erased flash with a freshly formatted littlefs at 0xA0000 (firmware added at start)."""
    fs = _lfs(mount=False)
    fs.format()
    fs.mount()
    img = bytearray(b"\xff" * FLASH_SIZE)
    img[FS_OFFSET:] = bytes(fs.context.buffer)
    return img


def write_flash_files(flash_path, files):
    """Write ``{name: bytes}`` into the littlefs of the flash image file (created when absent)."""
    flash_path = Path(flash_path)
    img = bytearray(flash_path.read_bytes()) if flash_path.is_file() else new_flash_image()
    if len(img) != FLASH_SIZE:
        raise BoardError("%s is %d bytes, not a 2 MiB flash image" % (flash_path, len(img)))
    try:
        fs = _lfs(img[FS_OFFSET:])
    except Exception:   # never formatted (or corrupt): format, as _boot.py would
        log.warning("%s has no littlefs; formatting it", flash_path)
        fs = _lfs(mount=False)
        fs.format()
        fs.mount()
    for name, data in files.items():
        with fs.open(name, "wb") as f:
            f.write(data)
    img[FS_OFFSET:] = bytes(fs.context.buffer)
    tmp = flash_path.with_suffix(".tmp")
    tmp.write_bytes(img)
    os.replace(tmp, flash_path)


def read_flash_file(flash_path, name):
    """A file's bytes from the littlefs of a saved flash image, or None."""
    img = Path(flash_path).read_bytes()
    fs = _lfs(img[FS_OFFSET:])
    try:
        with fs.open(name, "rb") as f:
            return f.read()
    except Exception:
        return None


def list_flash_files(flash_path):
    img = Path(flash_path).read_bytes()
    return sorted(_lfs(img[FS_OFFSET:]).listdir("/"))


# -- sensors ---------------------------------------------------------------------------------------

def pin_map(board="RPI_PICO"):
    """board.mjs options feeding each sensor named in ``boards/<board>/pins.py``."""
    tree = ast.parse((REPO / "boards" / board / "pins.py").read_text())
    consts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                consts[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    args = []
    for name, gpio in consts.get("ADC_CHANNELS", ()):
        if not 26 <= gpio <= 29:
            raise BoardError("%s: ADC channel %s is on GPIO %d, not an ADC pin" % (board, name, gpio))
        args += ["--adc", "%d=%s" % (gpio - 26, name)]
    sensor = consts.get("I2C_SENSOR")
    if sensor:
        name, addr, reg = sensor
        args += ["--i2c", "%d:0x%x:0x%x=%s" % (consts.get("I2C_ID", 0), addr, reg, name)]
    return args


ADC_STEP = 16     # one step of the 12-bit converter in read_u16 counts


def pico_default_config(**overrides):
    """``vboard_sim.default_config()`` as a Pico node sees it.

    Its temperature probes (scale 12 read_u16 counts) would sit under one step of the
    RP2040's 12-bit ADC (16 counts): quantized, the readings repeat and the stuck
    detector halts the node within seconds. Here the ADC channels' signal is 16 times
    larger around mid-scale (baseline 32768, scale 192, range, slew and pair tolerance
    times 16); the I2C pressure channel reads exact 16-bit values and is unchanged.
    """
    from redline_host.device.vboard_sim import default_config
    g = ADC_STEP
    mid = 32768
    fields = dict(
        baseline=(mid, mid, 1000), scale=(12 * g, 12 * g, 40),
        range_min=(mid - 650 * g, mid - 650 * g, 0), range_max=(mid + 650 * g, mid + 650 * g, 2000),
        max_slew=(120 * g, 120 * g, 400), pair_tol=(80 * g,),
    )
    fields.update(overrides)
    return default_config(**fields)


def nominal_trace(cfg, n, seed=0):
    """``n`` rows of nominal readings for any configuration: per channel its baseline, a slow
    component shared by all channels (so redundant pairs agree) and noise of 0.9 scale."""
    import random
    rng = random.Random(seed)
    base = list(cfg.baseline)
    scale = list(cfg.scale)
    rows = []
    slow = 0.0
    for _ in range(n):
        slow = 0.98 * (slow + rng.gauss(0, 0.05))
        rows.append([int(round(base[c] + slow * scale[c] + rng.gauss(0, 0.9 * scale[c])))
                     for c in range(len(base))])
    return rows


def write_nominal_trace(path, cfg, n=36000, seed=0):
    from redline_host.device.vboard_sim import write_trace
    write_trace(path, cfg.channels, nominal_trace(cfg, n, seed))


# -- the board -------------------------------------------------------------------------------------

class RP2040Board:
    kind = "rp2040"

    def __init__(self, trace=None, config=None, key=None, link=None, rate=None, no_key=False,
                 flash=None, uf2=None, bootrom=None, speed="realtime", board="RPI_PICO", files=None):
        self.trace = str(Path(trace).resolve()) if trace else None
        self.config = str(Path(config).resolve()) if isinstance(config, (str, Path)) else config
        self.key = None if no_key else (key if key is not None else os.urandom(32))
        self.link = link
        self.rate = rate
        self.flash = str(Path(flash).resolve()) if flash else None
        self.uf2 = Path(uf2).resolve() if uf2 else DEFAULT_UF2
        self.bootrom = Path(bootrom).resolve() if bootrom else DEFAULT_BOOTROM
        self.speed = speed
        self.board = board
        self.files = dict(files or {})
        self.proc = None
        self.dir = None
        self.path = None
        self._master = None
        self._keepalive = None
        self._stderr = None
        self._events = []
        self._cond = threading.Condition()
        self._reader = None
        self._evfd = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- set-up
    def _check_inputs(self):
        for what, p in (("bootrom", self.bootrom), ("UF2", self.uf2), ("board.mjs", BOARD_MJS)):
            if not Path(p).is_file():
                raise BoardError("the %s is missing: %s" % (what, p))
        if not (REPO / "tools" / "node_modules" / "rp2040js").is_dir():
            raise BoardError("rp2040js is not installed: run make setup")
        if shutil.which("node") is None:
            raise BoardError("node is not on PATH")

    def _provision(self):
        from redline_host.sensor.sensorconfig import read_config_module, write_config_module
        files = {}
        d = Path(self.dir)
        cfg_path = d / "redline_config.py"
        if isinstance(self.config, (str, Path)):
            shutil.copyfile(self.config, cfg_path)
        else:
            write_config_module(self.config if self.config is not None else pico_default_config(), cfg_path,
                                source="redline vboard --board rp2040")
        text = cfg_path.read_bytes()
        if self.rate:
            text += b"RATE_HZ = %d\n" % int(self.rate)
        files["redline_config.py"] = text
        if self.key is not None:
            files["redline.key"] = (self.key.hex() + "\n").encode()
        files.update(self.files)
        write_flash_files(self.flash, files)
        if not self.trace:
            self.trace = str(d / "nominal.csv")
            write_nominal_trace(self.trace, read_config_module(cfg_path))

    def start(self):
        self._check_inputs()
        self.dir = tempfile.mkdtemp(prefix="redline-rp2040-")
        if self.flash is None:
            self.flash = str(Path(self.dir) / "flash.bin")
            self._own_flash = True
        else:
            self._own_flash = False
            Path(self.flash).parent.mkdir(parents=True, exist_ok=True)
        self._provision()
        master, slave = os.openpty()
        tty.setraw(slave)
        self._master = master
        self._keepalive = slave
        self.path = os.ttyname(slave)
        if self.link:
            link = Path(self.link)
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(self.path)
        self._spawn()
        return self.path

    def _spawn(self):
        cmd = ["node", str(BOARD_MJS), "--bootrom", str(self.bootrom), "--uf2", str(self.uf2),
               "--flash", self.flash, "--speed", self.speed, "--marker-pin", str(MARKER_PIN)]
        if self.trace:
            cmd += ["--csv", self.trace] + pin_map(self.board)
        r, w = os.pipe()
        cmd += ["--events", "fd:%d" % w]
        self._stderr = open(Path(self.dir) / "board.log", "ab")
        self.proc = subprocess.Popen(cmd, stdin=self._master, stdout=self._master, stderr=self._stderr,
                                     pass_fds=(w,), cwd=self.dir, start_new_session=True)
        os.close(w)
        self._evfd = r
        self._reader = threading.Thread(target=self._read_events, args=(r,), daemon=True)
        self._reader.start()
        log.info("emulated %s on %s (pid %d)", self.board, self.path, self.proc.pid)

    def _read_events(self, fd):
        buf = b""
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            buf += data
            *lines, buf = buf.split(b"\n")
            with self._cond:
                for line in lines:
                    try:
                        self._events.append(json.loads(line))
                    except ValueError:
                        pass
                self._cond.notify_all()
        os.close(fd)

    # -- what clients use
    @property
    def device(self):
        return str(self.link) if self.link else self.path

    def events(self, kind=None):
        with self._cond:
            return [e for e in self._events if kind is None or e.get("ev") == kind]

    def wait_event(self, pred, timeout=30.0, start=0):
        """The first event from index ``start`` on for which ``pred(event)`` holds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self._events[start:]:
                    if pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    raise BoardError("no such event within %.0f s: %s" % (timeout, self.log_tail()))
                self._cond.wait(min(left, 0.5))

    def markers(self):
        """Marker-pin edges so far: [{"value", "cycles", "nanos", "instance", ...}]."""
        return self.events("pin")

    def wait_markers(self, count, since=0, timeout=10.0):
        """The marker-pin edges after the first ``since``, once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                marks = [e for e in self._events if e.get("ev") == "pin"][since:]
                if len(marks) >= count:
                    return marks
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    raise BoardError("%d marker edges after %.0f s, expected %d" % (len(marks), timeout, count))
                self._cond.wait(min(left, 0.5))

    def stats(self, timeout=10.0):
        """Cycles and emulated time now (asks board.mjs with SIGUSR1)."""
        n = len(self._events)
        self.proc.send_signal(signal.SIGUSR1)
        return self.wait_event(lambda e: e.get("ev") == "stats", timeout, start=n)

    def wait_ready(self, timeout=60.0):
        """Block until the frozen main.py answers a ping (boot takes ~5 s of wall time)."""
        import serial
        deadline = time.monotonic() + timeout
        with serial.serial_for_url(self.path, timeout=1.0) as port:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise BoardError("emulated board exited (%s): %s" % (self.proc.returncode, self.log_tail()))
                port.write(b'{"op":"ping","id":1}\n')
                line = port.readline()
                if line.strip().startswith(b"{"):
                    try:
                        ok = json.loads(line).get("ok")
                    except ValueError:
                        ok = False
                    if ok:
                        # answers to pings queued while it booted: read them now, not the next client
                        port.timeout = 0.3
                        while port.readline():
                            pass
                        return True
        raise BoardError("emulated board did not answer within %.0f s: %s" % (timeout, self.log_tail()))

    def log_tail(self, n=2000):
        try:
            return (Path(self.dir) / "board.log").read_bytes()[-n:].decode(errors="replace")
        except (OSError, TypeError):
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def instances(self):
        """How many times the chip has booted in this process (1 + resets)."""
        return len(self.events("boot"))

    def exec_raw(self, code, timeout=30.0, wait=True):
        """Run ``code`` through the raw REPL (the frozen main.py's, or MicroPython's own when no
        main.py serves) and return its output; raises BoardError with the traceback on an error.
        ``wait=False`` sends it and returns at once (for ``machine.reset()``)."""
        import serial
        with serial.serial_for_url(self.path, timeout=timeout) as port:
            port.write(b"\r\x03")
            time.sleep(0.1)
            port.reset_input_buffer()
            port.write(b"\x01")
            banner = port.read_until(b"raw REPL; CTRL-B to exit\r\n>")
            if not banner.endswith(b">"):
                raise BoardError("no raw REPL banner (got %r)" % banner[-200:])
            port.write(code.encode() if isinstance(code, str) else code)
            port.write(b"\x04")
            if not wait:
                port.flush()
                return None
            ok = port.read(2)
            if ok != b"OK":
                raise BoardError("raw REPL did not accept the code (got %r)" % ok)
            out = port.read_until(b"\x04")
            err = port.read_until(b"\x04")
            port.read_until(b">")
            port.write(b"\x02")            # back to the line protocol
            port.read_until(b"\r\n")
        if not out.endswith(b"\x04") or not err.endswith(b"\x04"):
            raise BoardError("raw REPL timed out (got %r %r)" % (out[-200:], err[-200:]))
        if len(err) > 1:
            raise BoardError("error on the board: %s" % err[:-1].decode(errors="replace"))
        return out[:-1].decode(errors="replace")

    def reset(self, timeout=60.0):
        """``machine.reset()`` on the board; returns when the new instance answers a ping."""
        n = self.instances()
        self.exec_raw("import machine\nmachine.reset()\n", wait=False)
        self.wait_event(lambda e: e.get("ev") == "boot" and e.get("instance", 0) > n, timeout)
        self.wait_ready(timeout)

    def power_cycle(self, timeout=15.0):
        """Stop the emulator (flash saved) and start a new one from the same flash, same pty."""
        self._terminate(timeout)
        self._events = []
        self._spawn()

    # -- tear-down
    def _terminate(self, timeout=15.0):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)       # board.mjs saves the flash on SIGTERM
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None
        if self._reader is not None:
            self._reader.join(2)
            self._reader = None
        if self._stderr:
            self._stderr.close()
            self._stderr = None

    def stop(self):
        self._terminate()
        for fd in (self._master, self._keepalive):
            if fd is not None:
                os.close(fd)
        self._master = self._keepalive = None
        if self.link:
            link = Path(self.link)
            if link.is_symlink():
                link.unlink()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def main(argv=None):
    """``python tools/rp2040/vboard_rp2040.py [--flash FILE] [--trace CSV]``: run until Ctrl-C."""
    import argparse
    import sys
    ap = argparse.ArgumentParser(description="Run the emulated Pico behind a pty and print its path.",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--flash", help="persist the 2 MiB flash image here (default: a temporary file)")
    ap.add_argument("--trace", help="integer CSV (header = channel names) fed to the ADC/I2C sensors")
    ap.add_argument("--uf2", default=str(DEFAULT_UF2))
    ap.add_argument("--bootrom", default=str(DEFAULT_BOOTROM))
    ap.add_argument("--link", help="also make this symlink to the pty")
    ap.add_argument("--key-file", help="read the reset key from this file, or write a new one there")
    ap.add_argument("--speed", default="realtime", choices=("realtime", "max"))
    args = ap.parse_args(argv)
    key = None
    if args.key_file and os.path.isfile(args.key_file):
        key = bytes.fromhex(Path(args.key_file).read_text().strip())
    vb = RP2040Board(trace=args.trace, key=key, link=args.link, flash=args.flash, uf2=args.uf2,
                     bootrom=args.bootrom, speed=args.speed)

    def _term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _term)
    try:
        with vb:
            vb.wait_ready()
            if args.key_file and key is None:
                fd = os.open(args.key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(vb.key.hex() + "\n")
            print(vb.device, flush=True)
            print("redline: emulated RPI_PICO on %s; Ctrl-C stops it" % vb.device, file=sys.stderr)
            while vb.alive():
                time.sleep(0.2)
            raise BoardError("the emulator exited: %s" % vb.log_tail())
    except KeyboardInterrupt:
        return 0
    except BoardError as exc:
        print("redline: %s" % exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    import sys
    sys.path.insert(0, str(REPO / "host"))
    sys.path.insert(0, str(REPO / "firmware"))
    sys.exit(main())
