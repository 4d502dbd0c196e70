// Emulated Raspberry Pi Pico: the real RPI_PICO UF2 in rp2040js, its USB CDC serial on stdin/stdout.
//
//     node host/redline_host/device/js/rp2040_board.mjs --bootrom ../shared/toolchains/rp2040-bootrom-b1.bin \
//         --uf2 build/pico/RPI_PICO.uf2 --flash build/pico/vboard/flash.bin \
//         [--fs-image fs.bin] [--csv trace.csv --adc 0=temp_a --adc 1=temp_b \
//          --i2c 0:0x76:0xf7=pressure] [--marker-pin 22] [--events fd:3] [--speed realtime|max]
//
// Started by host/redline_host/device/rp2040.py with a pty's master side as fds 0 and 1.
// stdout carries only the bytes the firmware sends on its USB CDC port; stdin only the bytes
// the host sends to it. Logs go to stderr; events (boot, marker-pin edges, resets, cycle and
// time totals) go as JSON lines to --events (a file, or fd:N), never into the serial stream.
//
// rp2040js (npm, pinned in tools/package.json) is loaded from REDLINE_NODE_MODULES (set by
// redline_host), else a clone's tools/node_modules (make setup).
//
// What the bridge does (see docs/rp2040.md and ../shared/toolchains/README.md for the why):
// - USB CDC: rp2040js's emulated USB host, except that an OUT endpoint read is answered only
//   when the host has bytes (a real host NAKs; the stock bridge answers at once with an empty
//   packet, an interrupt every ~30 us that triples cycle counts), and host bytes are queued
//   without limit (the stock queue drops past 512).
// - Flash: rp2040js's SSI is a stub, so the ROM flash routines never change the flash. The
//   bootrom's function table entries IF, EX, RE, RP, FC, CX are looked up at start, their first
//   halfword replaced by a BKPT, and the work is done here on mcu.flash (erase: whole 4 KiB
//   sectors to 0xFF; program: AND with the bytes from memory), returning to LR.
// - The flash image (2 MiB) is loaded from --flash (made from the UF2 and --fs-image or erased
//   flash when absent), the UF2's blocks are written over it at every start (like dragging the
//   UF2 onto a Pico: the filesystem area is kept), and it is saved back on exit, on every reset
//   and a moment after each burst of writes.
// - Reset: rp2040js has no reset. machine.reset() (watchdog trigger) and a watchdog timeout
//   call the watchdog's onWatchdogTrigger; the bridge saves the flash and starts a new
//   emulator from it in this same process (the pty stays open; host bytes not yet delivered
//   are dropped, as a real USB disconnect would). WATCHDOG REASON carries over, so
//   machine.reset_cause() reads WDT_RESET after a watchdog timeout.
// - ADC: conversions on channel N (GPIO 26+N; 4 = temperature sensor) return the next value
//   of the CSV column mapped with --adc N=COLUMN. Values are in read_u16 units (what the
//   calibration uses); the 12-bit converter gets value >> 4, so the firmware reads
//   (r << 4) | (r >> 8) with r = value >> 4. Each channel has its own row counter, advanced on
//   each conversion; after the last row the last value is held.
// - I2C: --i2c BUS:ADDR:REG=COLUMN answers a read of register REG at 7-bit address ADDR on
//   bus BUS with the next value of COLUMN as 16-bit big-endian (other addresses NACK, as with
//   nothing on the bus). Map every I2C sensor the firmware reads: after a NACK, MicroPython's
//   rp2 I2C code spins in busy-waits (its timeouts run on the emulated clock at ~0.2-0.4x
//   speed, and released lines read back 0 here) and the board stops answering for seconds.
// - Marker pin (default GPIO 22, free on the Pico): every edge is an event with the core's
//   cycle counter and the emulated time, so cycles between two toggles are exact.
// - Speed: "realtime" (default) never lets the emulated clock run ahead of the wall clock
//   while the chip sleeps (an idle board costs no host CPU; a busy one runs as fast as it can,
//   about 0.2x a real Pico); "max" skips idle time entirely.
// - SIGUSR1 makes it write a "stats" event at once (cycles, emulated ns, wall ms, and the PC,
//   which arm-none-eabi-nm on the image's firmware.elf turns into a function name); SIGTERM/SIGINT save the flash and exit.

import fs from "node:fs";
import net from "node:net";
import tty from "node:tty";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = process.env.REDLINE_NODE_MODULES || path.join(HERE, "..", "..", "..", "..", "tools", "node_modules");
const RP2040JS = path.join(NODE_MODULES, "rp2040js", "dist", "esm");
if (!fs.existsSync(RP2040JS)) {
    process.stderr.write("rp2040: rp2040js not found in " + NODE_MODULES + " (run make setup or set REDLINE_NODE_MODULES)\n");
    process.exit(2);
}
const { RP2040, USBCDC } = await import(path.join(RP2040JS, "index.js"));
const { SimulationClock } = await import(path.join(RP2040JS, "clock", "simulation-clock.js"));

const FLASH_SIZE = 2 * 1024 * 1024;
const FLASH_BASE = 0x10000000;
const FS_OFFSET = 0xa0000;
const SECTOR = 4096;

function log(msg) {
    process.stderr.write("rp2040: " + msg + "\n");
}

function die(msg) {
    log(msg);
    process.exit(2);
}

// ---- options --------------------------------------------------------------------------------

const opts = {
    bootrom: null, uf2: null, flash: null, fsImage: null, csv: null, adc: [], i2c: [],
    markerPin: 22, events: null, speed: "realtime", logLevel: "error", adcUnits: "u16",
};
{
    const argv = process.argv.slice(2);
    const need = (i) => {
        if (i + 1 >= argv.length) die("option " + argv[i] + " needs a value");
        return argv[i + 1];
    };
    for (let i = 0; i < argv.length; i += 2) {
        const a = argv[i];
        if (a === "--help" || a === "-h") {
            process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), "utf8")
                .split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n") + "\n");
            process.exit(0);
        }
        const v = need(i);
        if (a === "--bootrom") opts.bootrom = v;
        else if (a === "--uf2") opts.uf2 = v;
        else if (a === "--flash") opts.flash = v;
        else if (a === "--fs-image") opts.fsImage = v;
        else if (a === "--csv") opts.csv = v;
        else if (a === "--adc") opts.adc.push(v);
        else if (a === "--i2c") opts.i2c.push(v);
        else if (a === "--marker-pin") opts.markerPin = parseInt(v, 10);
        else if (a === "--events") opts.events = v;
        else if (a === "--speed") opts.speed = v;
        else if (a === "--log-level") opts.logLevel = v;
        else if (a === "--adc-units") opts.adcUnits = v;
        else die("unknown option " + a);
    }
    if (!opts.bootrom) die("--bootrom FILE is required (the RP2040 B1 mask ROM)");
    if (!opts.uf2) die("--uf2 FILE is required");
    if (!["realtime", "max"].includes(opts.speed)) die("--speed is realtime or max");
    if (!["debug", "info", "warn", "error"].includes(opts.logLevel)) die("--log-level is debug, info, warn or error");
    if (!["u16", "raw12"].includes(opts.adcUnits)) die("--adc-units is u16 or raw12");
    if (!(opts.markerPin >= 0 && opts.markerPin < 30)) die("--marker-pin is a GPIO number 0..29");
}

// ---- events (side channel) ------------------------------------------------------------------

let eventFd = null;
if (opts.events) {
    if (opts.events.startsWith("fd:")) eventFd = parseInt(opts.events.slice(3), 10);
    else eventFd = fs.openSync(opts.events, "a");
}

function emit(obj) {
    if (eventFd === null) return;
    try {
        fs.writeSync(eventFd, JSON.stringify(obj) + "\n");
    } catch (err) {
        if (err.code !== "EAGAIN") eventFd = null;   // reader gone
    }
}

// ---- images -----------------------------------------------------------------------------------

function loadBootrom(file) {
    const bytes = fs.readFileSync(file);
    if (bytes.length !== 16384) die(file + " is " + bytes.length + " bytes, not the 16 KiB RP2040 bootrom");
    const copy = new Uint8Array(16384);
    copy.set(bytes);
    return new Uint32Array(copy.buffer);
}

function applyUf2(flash, file) {
    const data = fs.readFileSync(file);
    let blocks = 0;
    let end = 0;
    for (let off = 0; off + 512 <= data.length; off += 512) {
        const magic0 = data.readUInt32LE(off);
        const magic1 = data.readUInt32LE(off + 4);
        const flags = data.readUInt32LE(off + 8);
        const addr = data.readUInt32LE(off + 12);
        const size = data.readUInt32LE(off + 16);
        if (magic0 !== 0x0a324655 || magic1 !== 0x9e5d5157 || data.readUInt32LE(off + 508) !== 0x0ab16f30) {
            die(file + ": block " + off / 512 + " is not a UF2 block");
        }
        if (flags & 1) continue;                     // "not main flash"
        const target = addr - FLASH_BASE;
        if (target < 0 || target + size > FLASH_SIZE || size > 476) die(file + ": block outside the 2 MiB flash");
        flash.set(data.subarray(off + 32, off + 32 + size), target);
        blocks++;
        end = Math.max(end, target + size);
    }
    if (!blocks) die(file + " has no flash blocks");
    if (end > FS_OFFSET) die(file + ": firmware reaches 0x" + end.toString(16) + ", into the filesystem at 0xa0000");
    return { blocks, end };
}

const bootrom = loadBootrom(opts.bootrom);
const flashImage = new Uint8Array(FLASH_SIZE).fill(0xff);
let flashDirty = false;
{
    let source = "erased flash";
    if (opts.flash && fs.existsSync(opts.flash)) {
        const saved = fs.readFileSync(opts.flash);
        if (saved.length !== FLASH_SIZE) die(opts.flash + " is " + saved.length + " bytes, not 2 MiB");
        flashImage.set(saved);
        source = opts.flash;
    } else if (opts.fsImage) {
        const img = fs.readFileSync(opts.fsImage);
        if (img.length > FLASH_SIZE - FS_OFFSET) die(opts.fsImage + " is larger than the 1408 KiB filesystem");
        flashImage.set(img, FS_OFFSET);
        source = "filesystem image " + opts.fsImage;
        flashDirty = true;
    } else {
        flashDirty = true;
    }
    const before = Buffer.from(flashImage.subarray(0, FS_OFFSET));
    const { blocks, end } = applyUf2(flashImage, opts.uf2);
    if (!before.equals(Buffer.from(flashImage.subarray(0, FS_OFFSET)))) flashDirty = true;
    log("flash from " + source + ", firmware " + blocks + " UF2 blocks (" + end + " bytes)");
}

function saveFlash(why) {
    if (!opts.flash || !flashDirty) return;
    const tmp = opts.flash + ".tmp";
    fs.writeFileSync(tmp, flashImage);
    fs.renameSync(tmp, opts.flash);
    flashDirty = false;
    emit({ ev: "flash_saved", why, file: opts.flash });
}

// ---- CSV-fed sensors ------------------------------------------------------------------------

const columns = {};
if (opts.csv) {
    const lines = fs.readFileSync(opts.csv, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
    if (!lines.length) die(opts.csv + " is empty");
    const header = lines[0].split(",").map((s) => s.trim());
    header.forEach((h) => { columns[h] = []; });
    for (let r = 1; r < lines.length; r++) {
        const cells = lines[r].split(",");
        header.forEach((h, c) => {
            const v = parseInt(cells[c], 10);
            if (Number.isNaN(v)) die(opts.csv + ": row " + (r + 1) + " column " + h + " is not an integer");
            columns[h].push(v);
        });
    }
}

function columnOf(name, what) {
    if (!opts.csv) die(what + " needs --csv");
    if (!(name in columns)) die(what + ": the CSV has no column " + JSON.stringify(name)
        + " (it has " + Object.keys(columns).join(", ") + ")");
    return columns[name];
}

class Feed {
    constructor(name, values) {
        this.name = name;
        this.values = values;
        this.row = 0;
        this.reads = 0;
    }
    next() {
        this.reads++;
        if (this.row < this.values.length) return this.values[this.row++];
        if (this.row === this.values.length) {
            this.row++;
            emit({ ev: "csv_end", column: this.name, reads: this.reads });
        }
        return this.values.length ? this.values[this.values.length - 1] : 0;
    }
}

const adcFeeds = [null, null, null, null, null];
for (const spec of opts.adc) {
    const m = /^([0-4])=(.+)$/.exec(spec);
    if (!m) die("--adc takes CHANNEL=COLUMN with CHANNEL 0..4, got " + spec);
    adcFeeds[+m[1]] = new Feed(m[2], columnOf(m[2], "--adc " + spec));
}
const i2cDevices = [[], []];
for (const spec of opts.i2c) {
    const m = /^([01]):((?:0x)?[0-9a-fA-F]+):((?:0x)?[0-9a-fA-F]+)=(.+)$/.exec(spec);
    if (!m) die("--i2c takes BUS:ADDR:REG=COLUMN, got " + spec);
    const num = (s) => parseInt(s, s.startsWith("0x") ? 16 : 10);
    i2cDevices[+m[1]].push({ addr: num(m[2]), reg: num(m[3]), feed: new Feed(m[4], columnOf(m[4], "--i2c " + spec)) });
}

// ---- host side of the USB CDC link -----------------------------------------------------------

let hostQueue = [];          // Buffers the host sent, not yet taken by the firmware
let hostQueued = 0;
let outQueue = [];           // bytes the firmware sent, waiting to be written to stdout
let outQueued = 0;
let outWriting = false;
const OUT_LIMIT = 4 * 1024 * 1024;

function takeHostBytes(max) {
    const n = Math.min(max, hostQueued);
    const buf = new Uint8Array(n);
    let done = 0;
    while (done < n) {
        const head = hostQueue[0];
        const k = Math.min(head.length, n - done);
        buf.set(head.subarray(0, k), done);
        done += k;
        if (k === head.length) hostQueue.shift();
        else hostQueue[0] = head.subarray(k);
    }
    hostQueued -= n;
    return buf;
}

function pumpOut() {
    if (outWriting || !outQueue.length) return;
    const buf = Buffer.concat(outQueue);
    outQueue = [];
    outQueued = 0;
    outWriting = true;
    fs.write(1, buf, 0, buf.length, null, (err, written) => {
        outWriting = false;
        if (err) {
            if (err.code === "EAGAIN") {
                outQueue.unshift(buf);
                outQueued += buf.length;
                setTimeout(pumpOut, 5);
                return;
            }
            return;   // reader gone: drop, like a closed serial port
        }
        if (written < buf.length) {
            outQueue.unshift(buf.subarray(written));
            outQueued += buf.length - written;
        }
        pumpOut();
    });
}

function hostReceive(bytes) {
    outQueue.push(Buffer.from(bytes));
    outQueued += bytes.length;
    while (outQueued > OUT_LIMIT && outQueue.length > 1) outQueued -= outQueue.shift().length;
    pumpOut();
}

// ---- one emulator instance -------------------------------------------------------------------

// rp2040js's ConsoleLogger prints debug/info on stdout (the serial stream) and throws on
// errors; this one writes every level to stderr and never throws
const LEVELS = { debug: 0, info: 1, warn: 2, error: 3 };
const minLevel = LEVELS[opts.logLevel] ?? 3;
const emulatorLogger = {};
for (const name of Object.keys(LEVELS)) {
    emulatorLogger[name] = (component, message) => {
        if (LEVELS[name] >= minLevel) log(name + " [" + component + "] " + message);
    };
}

const ROM_CODES = ["IF", "EX", "RE", "RP", "FC", "CX"];
let instance = 0;
let totalCycles = 0;          // cycles of previous instances
let totalNanos = 0;           // emulated time of previous instances
let mcu = null;
let pendingOut = null;        // { endpoint, size } an armed OUT endpoint with no data yet
let cdc = null;
let resetRequest = null;
let carriedReason = 0;
const wall0 = performance.now();

function romTable(m) {
    const entries = {};
    let p = m.readUint16(0x14);
    for (let i = 0; i < 256; i++, p += 4) {
        const code = m.readUint16(p);
        if (!code) break;
        entries[String.fromCharCode(code & 0xff, code >> 8)] = m.readUint16(p + 2);
    }
    return entries;
}

function patchRom(m) {
    const table = romTable(m);
    const rom16 = new Uint16Array(m.bootrom.buffer);
    const byBkpt = {};
    ROM_CODES.forEach((code, i) => {
        const addr = table[code];
        if (addr === undefined) die("the bootrom has no " + code + " function");
        rom16[(addr & ~1) >> 1] = 0xbe00 | (0x40 + i);   // BKPT #0x40+i
        byBkpt[0x40 + i] = code;
    });
    return byBkpt;
}

function flashOp(m, code) {
    const r = m.core.registers;
    if (code === "RE") {
        const addr = r[0] >>> 0;
        const count = r[1] >>> 0;
        const start = Math.floor(addr / SECTOR) * SECTOR;
        const end = Math.min(FLASH_SIZE, Math.ceil((addr + count) / SECTOR) * SECTOR);
        if (start < end) {
            m.flash.fill(0xff, start, end);
            flashImage.fill(0xff, start, end);
            flashDirty = true;
        }
    } else if (code === "RP") {
        const addr = r[0] >>> 0;
        const src = r[1] >>> 0;
        const count = r[2] >>> 0;
        for (let i = 0; i < count && addr + i < FLASH_SIZE; i++) {
            const v = m.flash[addr + i] & m.readUint8(src + i);
            m.flash[addr + i] = v;
            flashImage[addr + i] = v;
        }
        flashDirty = true;
    }
    // IF, EX, FC, CX: nothing to do on a memory-mapped model
}

function boot(reason) {
    if (mcu) {
        totalCycles += mcu.core.cycles;
        totalNanos += mcu.clock.nanos;
    }
    instance++;
    const clock = new SimulationClock();
    const m = new RP2040(clock);
    m.logger = emulatorLogger;
    m.loadBootrom(bootrom);            // resets the flash to 0xFF: load the flash after it
    m.flash.set(flashImage);
    const bkpts = patchRom(m);         // after loading bootrom and flash (README: order matters)
    m.onBreak = (imm) => {
        const code = bkpts[imm];
        if (!code) {
            log("breakpoint " + imm + " at 0x" + (m.core.PC >>> 0).toString(16) + "; stopping");
            resetRequest = "halt";
            return;
        }
        flashOp(m, code);
        m.core.PC = m.core.LR & ~1;
    };
    m.core.PC = FLASH_BASE;           // boot2 at the start of flash, as the bootrom would
    // watchdog: machine.reset() triggers it; a timeout fires it
    const wd = m.peripherals[0x40058];
    wd.reason = carriedReason;
    wd.onWatchdogTrigger = () => {
        // rp2040js re-fires an expired watchdog at the same instant for ever: stop its timer
        // (this instance is replaced by a new one at the end of the current batch anyway)
        wd.alarm.enable = false;
        wd.timer.enable = false;
        resetRequest = wd.reason === 1 ? "watchdog_timeout" : "watchdog_trigger";
        carriedReason = wd.reason;
    };
    // USB CDC, without the empty-packet storm
    pendingOut = null;
    const usb = new USBCDC(m.usbCtrl);
    let sent = false;
    usb.onSerialData = (buf) => {
        if (!sent) {   // the first byte out: with input queued from the start, main.py is serving
            sent = true;
            emit({ ev: "first_tx", instance, cycles: m.core.cycles, nanos: m.clock.nanos,
                wall_ms: performance.now() - wall0 });
        }
        hostReceive(buf);
    };
    usb.onDeviceConnected = () => emit({ ev: "usb_connected", instance, cycles: m.core.cycles,
        nanos: m.clock.nanos });
    m.usbCtrl.onEndpointRead = (endpoint, size) => {
        if (endpoint !== usb.outEndpoint) return;
        if (hostQueued > 0) m.usbCtrl.endpointReadDone(endpoint, takeHostBytes(size));
        else pendingOut = { endpoint, size };
    };
    cdc = usb;
    // ADC from the CSV
    const adcAlarm = clock.createAlarm(() => m.adc.completeADCRead(adcPending, false));
    let adcPending = 0;
    m.adc.onADCRead = (channel) => {
        const feed = adcFeeds[channel];
        let v = feed ? feed.next() : 0;
        if (opts.adcUnits === "u16") v = v >> 4;
        adcPending = Math.max(0, Math.min(4095, v));
        adcAlarm.schedule(m.adc.sampleTime * 1000);
    };
    // I2C registers from the CSV
    m.i2c.forEach((bus, b) => {
        let dev = null;
        let reg = -1;
        let readBytes = null;
        let readIdx = 0;
        let writeFirst = false;
        bus.onConnect = (address, mode) => {
            dev = i2cDevices[b].find((d) => d.addr === address) || null;
            if (!dev) { bus.completeConnect(false); return; }
            if (mode === 1 /* read */) {
                const d = i2cDevices[b].find((x) => x.addr === address && x.reg === reg);
                if (d) {
                    const v = d.feed.next() & 0xffff;
                    readBytes = [v >> 8, v & 0xff];
                } else {
                    readBytes = [];
                }
                readIdx = 0;
            } else {
                writeFirst = true;
            }
            bus.completeConnect(true);
        };
        bus.onWriteByte = (value) => {
            if (writeFirst) { reg = value; writeFirst = false; }
            bus.completeWrite(true);
        };
        bus.onReadByte = () => {
            bus.completeRead(readIdx < readBytes.length ? readBytes[readIdx++] : 0xff);
        };
    });
    // marker pin
    const pin = m.gpio[opts.markerPin];
    let last = pin.value;
    pin.addListener((value) => {
        const high = value === 1;   // GPIOPinState.High
        if (high === last) return;
        last = high;
        emit({ ev: "pin", pin: opts.markerPin, value: high ? 1 : 0, instance, cycles: m.core.cycles,
            nanos: m.clock.nanos, total_cycles: totalCycles + m.core.cycles,
            wall_ms: performance.now() - wall0 });
    });
    last = pin.value === 1;
    mcu = m;
    emit({ ev: "boot", instance, reason, reset_reason: carriedReason, wall_ms: Math.round(performance.now() - wall0) });
    log("boot #" + instance + " (" + reason + ")");
}

function deliverHostBytes() {
    if (pendingOut && hostQueued > 0) {
        const { endpoint, size } = pendingOut;
        pendingOut = null;
        mcu.usbCtrl.endpointReadDone(endpoint, takeHostBytes(size));
    }
}

function stats(kind) {
    return { ev: kind, instance, pc: mcu.core.PC >>> 0, cycles: mcu.core.cycles, nanos: mcu.clock.nanos,
        total_cycles: totalCycles + mcu.core.cycles, total_nanos: totalNanos + mcu.clock.nanos,
        wall_ms: Math.round(performance.now() - wall0) };
}

// ---- the run loop -----------------------------------------------------------------------------

let wakeTimer = null;
let running = false;
let wallBase = performance.now();     // realtime pacing: emulated ns since boot vs wall since boot

function schedule(delayMs) {
    if (wakeTimer !== null) return;
    if (delayMs <= 0) wakeTimer = setImmediate(() => { wakeTimer = null; run(); });
    else wakeTimer = setTimeout(() => { wakeTimer = null; run(); }, Math.min(delayMs, 50));
}

function wake() {
    if (wakeTimer !== null) {
        clearTimeout(wakeTimer);
        clearImmediate(wakeTimer);
        wakeTimer = null;
    }
    schedule(0);
}

function restart(why) {
    saveFlash("reset");
    hostQueue = [];
    hostQueued = 0;
    emit(Object.assign(stats("reset"), { why }));
    boot(why);
    wallBase = performance.now();
}

function run() {
    if (running) return;
    running = true;
    const m = mcu;
    const core = m.core;
    const clock = m.clock;
    const nsPerCycle = 1e9 / m.clkSys;
    const until = performance.now() + 25;
    let delay = 0;
    for (let n = 1; ; n++) {
        if (core.waiting) {
            if (!clock.nextAlarm) { delay = 50; break; }     // asleep with nothing scheduled: wait for input
            const step = clock.nanosToNextAlarm;
            if (opts.speed === "realtime") {
                const wallNs = (performance.now() - wallBase) * 1e6;
                if (clock.nanos + step > wallNs) {
                    if (wallNs > clock.nanos) clock.tick(wallNs - clock.nanos);
                    delay = (clock.nanos + clock.nanosToNextAlarm - wallNs) / 1e6;
                    break;
                }
            }
            clock.tick(step);
        } else {
            clock.tick(core.executeInstruction() * nsPerCycle);
        }
        if (resetRequest) break;
        if ((n & 0xfff) === 0 && performance.now() > until) break;
    }
    running = false;
    if (resetRequest) {
        const why = resetRequest;
        resetRequest = null;
        if (why === "halt") { shutdown(3); return; }
        restart(why);
        delay = 0;
    }
    schedule(delay);
}

// ---- stdin (the host's bytes), signals, periodic work --------------------------------------------

// a stream, not fs.read on the thread pool: a read blocked there would keep process.exit()
// from ever returning (Node joins the pool's threads at exit)
function hostSent(data) {
    hostQueue.push(Buffer.from(data));
    hostQueued += data.length;
    deliverHostBytes();
    wake();
}
const stdin = tty.isatty(0) ? new tty.ReadStream(0) : new net.Socket({ fd: 0, readable: true, writable: false });
stdin.on("data", hostSent);
stdin.on("error", (err) => log("stdin: " + err.message));

let stopping = false;
function shutdown(code) {
    log("exiting (" + code + "), flash saved");
    if (stopping) return;
    stopping = true;
    try {
        saveFlash("exit");
    } catch (err) {
        log("could not save the flash: " + err.message);
    }
    emit(stats("exit"));
    process.exit(code);
}

process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));
process.on("SIGHUP", () => shutdown(0));
process.on("SIGUSR1", () => emit(stats("stats")));
process.on("uncaughtException", (err) => {
    log("emulator failure: " + (err.stack || err));
    shutdown(3);
});

// the launcher gone (killed without stopping us): save the flash and go too, no orphan left
const parentPid = process.ppid;
setInterval(() => { if (process.ppid !== parentPid) shutdown(0); }, 1000).unref();

// flash written a moment ago and quiet since: save it, so even a kill keeps what the board wrote
let lastDirtyCheck = false;
setInterval(() => {
    if (flashDirty && lastDirtyCheck) saveFlash("idle");
    lastDirtyCheck = flashDirty;
}, 1000).unref();

boot("power_on");
schedule(0);
