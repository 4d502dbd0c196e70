// Virtual board on the WebAssembly MicroPython: firmware/main.py's Node driven by node's event loop.
//
//     node host/redline_host/device/js/wasm_board.mjs --heap 256K --path FLASH_DIR --path build/mpy-bc/... 
//
// Started by host/redline_host/device/vboard.py with a pty's master side as fds 0 and 1. The
// MicroPython call stack cannot block waiting for input (the port runs on the JS thread),
// so instead of main.run() this bridge drives main.Loop, the schedule main.run() uses:
// bytes arriving on fd 0 go to loop.feed() (one line at a time, sampling whenever due
// between lines), a timer calls loop.tick() (samples when due), and whatever Python
// writes is collected and written to fd 1 after each call.
//
// Board settings come from the environment like the unix board (REDLINE_BOARD,
// REDLINE_KEY_FILE, REDLINE_TRACE, REDLINE_RATE, REDLINE_RESET_CAUSE); this bridge hands
// them to Python in /redline_env.json together with an entropy seed (the port has no
// os.urandom). Every --path directory is copied into the wasm file system and put on
// sys.path; the first one is also the working directory (the board's "flash"), and every
// latch record the firmware writes there is copied back to that folder on the host, so
// the record survives the process like a board's flash survives a power cut.

import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The npm package: REDLINE_NODE_MODULES (set by redline_host), else a clone's tools/node_modules (make setup).
const NODE_MODULES = process.env.REDLINE_NODE_MODULES || path.join(HERE, "..", "..", "..", "..", "tools", "node_modules");
const PACKAGE = path.join(NODE_MODULES, "@micropython", "micropython-webassembly-pyscript", "micropython.mjs");

function die(msg) {
    process.stderr.write("wasm_board: " + msg + "\n");
    process.exit(2);
}

function parseSize(text) {
    const m = /^(\d+)([kKmM]?)$/.exec(text || "");
    if (!m) die("bad heap size " + JSON.stringify(text));
    return parseInt(m[1], 10) * { "": 1, k: 1024, m: 1048576 }[m[2].toLowerCase()];
}

const opts = { heap: parseSize("256K"), paths: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === "--heap") opts.heap = parseSize(argv[i + 1]);
    else if (argv[i] === "--path") opts.paths.push(path.resolve(argv[i + 1]));
    else die("unknown option " + argv[i]);
}

function mirror(FS, dir) {
    FS.mkdirTree(dir);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (!e.name.startsWith(".") && e.name !== "__pycache__") mirror(FS, full);
        } else if (/\.(py|mpy|key|csv|sha256)$/.test(e.name) || /^redline_latch\.\d+$/.test(e.name)) {
            FS.writeFile(full, fs.readFileSync(full));
        }
    }
}

let out = [];
function flush() {
    if (!out.length) return;
    const buf = Buffer.from(out);
    out = [];
    let done = 0;
    while (done < buf.length) {
        try {
            done += fs.writeSync(1, buf, done, buf.length - done);
        } catch (err) {
            if (err.code === "EAGAIN") continue;
            return; // reader gone: drop, like a closed serial port
        }
    }
}

const { loadMicroPython } = await import(PACKAGE);
const mp = await loadMicroPython({
    heapsize: opts.heap,
    linebuffer: false,
    stdout: (b) => { for (const c of b) out.push(c); },
    stderr: (b) => process.stderr.write(b),
});
const FS = mp.FS;
for (const d of opts.paths) mirror(FS, d);
const env = {
    board: process.env.REDLINE_BOARD || "wasm",
    key: null,
    trace: null,
    rate: process.env.REDLINE_RATE ? parseInt(process.env.REDLINE_RATE, 10) : null,
    seed: crypto.randomBytes(32).toString("hex"),
    reset_cause: process.env.REDLINE_RESET_CAUSE || null,
};
if (process.env.REDLINE_KEY_FILE) env.key = fs.readFileSync(process.env.REDLINE_KEY_FILE, "utf8").trim();
if (process.env.REDLINE_TRACE) {
    env.trace = "/trace.csv";
    FS.writeFile(env.trace, fs.readFileSync(process.env.REDLINE_TRACE));
}
FS.writeFile("/redline_env.json", JSON.stringify(env));
if (opts.paths.length) FS.chdir(opts.paths[0]);

mp.runPython(`
import sys
sys.path[:] = ${JSON.stringify(opts.paths)} + [".frozen", "/lib"]
import main
_rl_node, _rl_port = main.build()
_rl_loop = main.Loop(_rl_node)
_rl_flash = getattr(_rl_node.board, "flash", None)
def _rl_feed(data):
    _rl_loop.feed(bytes(data))
def _rl_tick():
    _rl_loop.tick()
def _rl_writes():
    return _rl_flash.writes if _rl_flash is not None else 0
`);
flush();
const feedPy = mp.globals.get("_rl_feed");
const tickPy = mp.globals.get("_rl_tick");
const writesPy = mp.globals.get("_rl_writes");
const period = mp.globals.get("_rl_node").period_ms;
const flashDir = opts.paths.length ? opts.paths[0] : null;

// latch records written in the wasm file system go back to the host's flash folder
let flashWrites = 0;
function syncFlash() {
    const w = writesPy();
    if (w === flashWrites || !flashDir) return;
    flashWrites = w;
    for (const name of FS.readdir(flashDir)) {
        if (!/^redline_latch\.\d+$/.test(name)) continue;
        const data = FS.readFile(path.join(flashDir, name));
        const tmp = path.join(flashDir, "." + name + ".tmp");
        fs.writeFileSync(tmp, data);
        fs.renameSync(tmp, path.join(flashDir, name));
    }
}

function guarded(fn) {
    try {
        fn();
        syncFlash();
    } catch (err) {
        process.stderr.write("wasm_board: " + (err.message || String(err)) + "\n");
    }
    flush();
}

syncFlash();
setInterval(() => guarded(tickPy), Math.max(1, Math.floor(period / 4)));

// fd 0 is a pty master: read it on the thread pool, one chunk at a time.
const chunk = Buffer.alloc(4096);
function readLoop() {
    fs.read(0, chunk, 0, chunk.length, null, (err, n) => {
        if (err) {
            if (err.code === "EAGAIN" || err.code === "EIO") { setTimeout(readLoop, 20); return; }
            die("read: " + err.message);
        }
        if (n === 0) { setTimeout(readLoop, 20); return; }
        const data = new Uint8Array(chunk.subarray(0, n));
        guarded(() => feedPy(data));
        readLoop();
    });
}
readLoop();
