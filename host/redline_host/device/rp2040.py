"""The emulated Raspberry Pi Pico: the real RPI_PICO UF2 in rp2040js behind a pty.

Like ``redline_host.device.vboard.VirtualBoard``: ``js/rp2040_board.mjs`` gets a
pty's master side as stdin/stdout, clients open the slave (``vb.path``) with
pyserial, mpremote or the harness exactly like a Pico's /dev/ttyACM0, and the
launcher keeps one slave descriptor open (raw mode, never read) so clients can
come and go. The frozen ``main.py`` runs at boot as on a real Pico. The board's
flash (2 MiB) is a file: the sensor configuration and the reset key are written
into its littlefs (``/redline_config.py`` shadows the frozen one, ``/redline.key``)
before the emulator starts, and whatever the firmware, ``redline deploy`` or
``mpremote cp`` writes stays there across ``machine.reset()`` (a new emulator
from the saved flash, same pty), across ``power_cycle()``, and across boards
started with the same ``flash`` file (``redline vboard --board rp2040 --flash F``)::

    from redline_host.device.rp2040 import RP2040Board
    with RP2040Board(trace="trace.csv") as vb:
        vb.wait_ready()
        port = serial.serial_for_url(vb.path, timeout=2)
        port.write(b'{"op":"hello","id":1}\\n'); port.readline()
        vb.key              # the HMAC reset key provisioned on its filesystem
        vb.pulses()         # marker-pin pulses (GPIO 22) with the core's cycle counter
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

Timing: with ``marker=True`` (the default) a ``/pins.py`` -- the board's own plus
``MARKER = 22`` -- shadows the frozen one, and the node pulses GPIO 22 around each
guard step, sift and pipeline message; the bridge reports every edge with the
core's cycle counter (deterministic; rp2040js models memory as zero-wait, so a
real Pico's flash cache misses make these a lower bound).

Needs: ``make setup`` (node and rp2040js), the UF2 (``make firmware
BOARD=RPI_PICO`` -> build/pico/RPI_PICO.uf2), the RP2040 bootrom from
``../shared/toolchains`` (or ``REDLINE_BOOTROM``), and PyPI ``littlefs-python``.
docs/rp2040.md lists what the firmware sees and the emulator's pitfalls.

This module is above 400 lines because one class owns the emulator process's
whole life -- provisioning its flash, the pty, the event stream it reads
(boots, resets, marker edges), raw-REPL access, reset and power cycle -- and
splitting it would pass that state between modules; the flash image and the
sensor set-up are in rp2040_flash.py and rp2040_sensors.py.
"""
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

from redline_host.device.rp2040_flash import list_flash_files, read_flash_file, write_flash_files
from redline_host.device.rp2040_sensors import (MARKER_PIN, marker_pins_module, pico_default_config, pin_map,
                                                write_nominal_trace)
from redline_host.device.runtimes import end_process_group, find_node
from redline_host.errors import UserError
from redline_host.paths import BUILD, IN_CLONE, JS, NODE_MODULES, REPO, shared_dir

BOARD_MJS = JS / "rp2040_board.mjs"
DEFAULT_UF2 = BUILD / "pico" / "RPI_PICO.uf2"
BOOTROM_NAME = "rp2040-bootrom-b1.bin"

log = logging.getLogger(__name__)


class BoardError(UserError):
    """The emulated board could not start or did not answer."""


def default_bootrom():
    """``REDLINE_BOOTROM``, else ../shared/toolchains/rp2040-bootrom-b1.bin (None when neither)."""
    if os.environ.get("REDLINE_BOOTROM"):
        return Path(os.environ["REDLINE_BOOTROM"])
    shared = shared_dir()
    return shared / "toolchains" / BOOTROM_NAME if shared is not None else None


def stale_sources(uf2=DEFAULT_UF2):
    """Frozen files of this clone that changed since ``uf2`` was built (from the build's
    ``RPI_PICO.json``); [] when they did not or when that cannot be told."""
    info = Path(uf2).with_suffix(".json")
    if not IN_CLONE or not info.is_file():
        return []
    import hashlib
    try:
        sources = json.loads(info.read_text()).get("sources") or {}
    except ValueError:
        return []
    changed = []
    for rel, digest in sources.items():
        p = REPO / rel
        if not p.is_file() or hashlib.sha256(p.read_bytes()).hexdigest() != digest:
            changed.append(rel)
    return changed


HEAP_FILE = "redline_heap"      # boards/RPI_PICO/redline_board.py: free heap to leave, in bytes


def heap_bytes(size):
    """Bytes of a heap size: an int, or text like "110K", "1M", "112640" (K = 1024)."""
    if isinstance(size, int):
        n = size
    else:
        text = str(size).strip()
        mult = {"k": 1024, "m": 1048576}.get(text[-1:].lower(), 1)
        try:
            n = int(text[:-1] if mult > 1 else text) * mult
        except ValueError:
            raise BoardError("%r is not a heap size (e.g. 110K)" % size)
    if n < 16384:
        raise BoardError("a heap of %d bytes is below 16K" % n)
    return n


class RP2040Board:
    """The emulated Pico; see the module doc. Provisioning a ``flash`` file that already holds a
    configuration or a key keeps them unless ``config``/``key`` are given (a board deployed to
    stays deployed); ``vb.key`` is then the key read back from its filesystem."""

    kind = "rp2040"

    def __init__(self, trace=None, config=None, key=None, link=None, rate=None, no_key=False,
                 flash=None, uf2=None, bootrom=None, speed="realtime", board="RPI_PICO", files=None,
                 marker=True, heap=None):
        self.trace = str(Path(trace).resolve()) if trace else None
        self.config = str(Path(config).resolve()) if isinstance(config, (str, Path)) else config
        self.key = key
        self.no_key = no_key
        self.link = link
        self.rate = rate
        self.flash = str(Path(flash).resolve()) if flash else None
        self.uf2 = Path(uf2).resolve() if uf2 else DEFAULT_UF2
        bootrom = bootrom or default_bootrom()
        self.bootrom = Path(bootrom).resolve() if bootrom else None
        self.speed = speed
        self.board = board
        self.files = dict(files or {})
        self.marker = marker
        # free heap the board leaves the node (bytes, or "110K"): a ballast allocated at boot
        # (boards/RPI_PICO/redline_board.py reads /redline_heap); None: the whole heap
        self.heap = heap_bytes(heap) if heap is not None else None
        self.proc = None
        self.dir = None
        self.path = None
        self._master = None
        self._keepalive = None
        self._stderr = None
        self._events = []
        self._edges = []              # marker-pin edge events, kept apart: a run makes ~10^5 of them
        self._cond = threading.Condition()
        self._reader = None
        self.stale = []

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- set-up
    def _check_inputs(self):
        if self.bootrom is None:
            raise BoardError("no RP2040 bootrom: ../shared/toolchains/%s is absent; give --bootrom or "
                             "REDLINE_BOOTROM" % BOOTROM_NAME)
        if not self.bootrom.is_file():
            raise BoardError("the RP2040 bootrom is missing: %s" % self.bootrom)
        if not self.uf2.is_file():
            raise BoardError("no firmware image at %s: run make firmware BOARD=RPI_PICO" % self.uf2)
        if NODE_MODULES is None or not (NODE_MODULES / "rp2040js").is_dir():
            raise BoardError("rp2040js is not installed: run make setup (or set REDLINE_NODE_MODULES)")
        try:
            import littlefs  # noqa: F401  (only whether it is installed)
        except ImportError:
            raise BoardError("PyPI littlefs-python is not installed: run make setup")
        if self.uf2 == DEFAULT_UF2.resolve():
            self.stale = stale_sources(self.uf2)
            if self.stale:
                log.warning("%s was built from other sources (%s changed since): run make firmware "
                            "BOARD=RPI_PICO", self.uf2, ", ".join(self.stale[:5]))

    def _provision(self):
        from redline_host.sensor.sensorconfig import read_config_module, write_config_module
        d = Path(self.dir)
        fresh = not Path(self.flash).is_file()
        on_flash = set() if fresh else set(list_flash_files(self.flash))
        files = {}
        cfg_path = d / "redline_config.py"
        if isinstance(self.config, (str, Path)):
            shutil.copyfile(self.config, cfg_path)
        elif self.config is not None or not on_flash & {"redline_config.py", "redline_config.mpy"}:
            write_config_module(self.config if self.config is not None else pico_default_config(), cfg_path,
                                source="redline vboard --board rp2040")
        elif "redline_config.py" in on_flash:
            cfg_path.write_bytes(read_flash_file(self.flash, "redline_config.py"))
        else:
            cfg_path = None       # deployed as .mpy: kept as it is
        if cfg_path is not None:
            text = cfg_path.read_bytes()
            if self.rate:
                text += b"RATE_HZ = %d\n" % int(self.rate)
            files["redline_config.py"] = text
        elif self.rate:
            raise BoardError("--rate needs a redline_config.py; this flash holds a deployed redline_config.mpy")
        if self.no_key:
            self.key = None
        elif self.key is None and "redline.key" in on_flash:
            try:
                self.key = bytes.fromhex(read_flash_file(self.flash, "redline.key").decode().strip())
            except ValueError:
                self.key = None
        if self.key is None and not self.no_key:
            self.key = os.urandom(32)
        if self.key is not None:
            files["redline.key"] = (self.key.hex() + "\n").encode()
        # a released latch record (redline.latch), as redline deploy provisions, but only on a flash
        # that has none: what the firmware wrote there (a trip) must survive a new start
        from redline.latch import MemoryFlash, provision, slot_name
        if not (Path(self.flash).is_file() and read_flash_file(self.flash, slot_name(0)) is not None):
            mem = MemoryFlash()
            provision(mem)
            files.update(mem.files)
        if self.marker:
            files["pins.py"] = marker_pins_module(self.board)
        remove = ["redline.key"] if self.no_key else []
        if self.heap:
            files[HEAP_FILE] = b"%d\n" % self.heap
        else:
            remove.append(HEAP_FILE)        # a flash kept from a --heap run gets its whole heap back
        files.update(self.files)
        write_flash_files(self.flash, files, remove=tuple(remove))
        if not self.trace:
            self.trace = str(d / "nominal.csv")
            write_nominal_trace(self.trace, read_config_module(cfg_path) if cfg_path is not None
                                else pico_default_config())

    def start(self):
        self._check_inputs()
        self.dir = tempfile.mkdtemp(prefix="redline-rp2040-")
        if self.flash is None:
            self.flash = str(Path(self.dir) / "flash.bin")
        else:
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
        cmd = [find_node(), str(BOARD_MJS), "--bootrom", str(self.bootrom), "--uf2", str(self.uf2),
               "--flash", self.flash, "--speed", self.speed, "--marker-pin", str(MARKER_PIN)]
        if self.trace:
            cmd += ["--csv", self.trace] + pin_map(self.board)
        r, w = os.pipe()
        cmd += ["--events", "fd:%d" % w]
        env = dict(os.environ, REDLINE_NODE_MODULES=str(NODE_MODULES))
        self._stderr = open(Path(self.dir) / "board.log", "ab")
        self.proc = subprocess.Popen(cmd, stdin=self._master, stdout=self._master, stderr=self._stderr,
                                     pass_fds=(w,), cwd=self.dir, env=env, start_new_session=True)
        os.close(w)
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
                        e = json.loads(line)
                    except ValueError:
                        continue
                    (self._edges if e.get("ev") == "pin" else self._events).append(e)
                self._cond.notify_all()
        os.close(fd)

    # -- what clients use
    @property
    def device(self):
        return str(self.link) if self.link else self.path

    def events(self, kind=None):
        """Events so far other than marker edges (boot, reset, first_tx, stats, flash_saved, ...)."""
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
        with self._cond:
            return list(self._edges)

    def edge_count(self):
        with self._cond:
            return len(self._edges)

    def wait_markers(self, count, since=0, timeout=10.0):
        """The marker-pin edges after the first ``since``, once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if len(self._edges) - since >= count:
                    return self._edges[since:since + count]
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive():
                    raise BoardError("%d marker edges after %.0f s, expected %d" % (
                        len(self._edges) - since, timeout, count))
                self._cond.wait(min(left, 0.5))

    def pulses(self, count, since=0, timeout=10.0):
        """Cycles of each of ``count`` marker pulses (rising to falling edge) after edge ``since``.

        A pulse cut by a reset of the chip (edges of two instances) is None."""
        edges = self.wait_markers(2 * count, since, timeout)
        out = []
        for i in range(0, 2 * count, 2):
            up, down = edges[i], edges[i + 1]
            if up["value"] != 1 or down["value"] != 0:
                raise BoardError("marker edges out of step at edge %d: %r %r" % (since + i, up, down))
            out.append(down["cycles"] - up["cycles"] if up["instance"] == down["instance"] else None)
        return out

    def stats(self, timeout=10.0):
        """Cycles and emulated time now (asks the bridge with SIGUSR1)."""
        n = len(self.events())
        self.proc.send_signal(signal.SIGUSR1)
        return self.wait_event(lambda e: e.get("ev") == "stats", timeout, start=n)

    def wait_ready(self, timeout=90.0):
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
        if self.key is not None:
            # redline's serial port is not a REPL: its maintenance window opens with the key
            from redline_host.device.maint import unlock
            unlock(self.path, self.key)
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
        end_process_group(self.proc, timeout)       # board.mjs saves the flash on SIGTERM
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
