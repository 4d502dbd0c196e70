// Run a MicroPython script on the WebAssembly port under node, like `micropython script.py`.
//
//     node host/redline_host/device/js/wasm_run.mjs -X heapsize=128K --path firmware --path models/default \
//         tools/mp_test_runner.py tests/firmware/test_compat.py
//
// The WebAssembly MicroPython has 31-bit small ints and boxed floats, like the
// ESP32 and RP2040 ports, so it catches big-int slips a 64-bit host hides.
//
// Options (before the script path; everything after it becomes sys.argv[1:]):
//   -X heapsize=N[K|M]  MicroPython GC heap, default 128K (a board's order of magnitude)
//   --path DIR          repeatable: copy DIR's .py files (recursively) into the wasm
//                       file system at the same absolute path and put DIR on sys.path,
//                       in the order given, after the script's own directory
//
// The wasm file system mirrors host paths: the script's directory (its modules and
// packages) and every --path directory are copied to their absolute host paths and the
// working directory is the host's, so tracebacks name real files and relative module
// paths given as arguments resolve. Other host files (data) are not visible: pass
// data on stdin.
//
// Heap: this port (the pyscript variant) grows its GC heap on demand up to 128 MB and
// collects garbage only when control returns to JavaScript, i.e. never during one
// script run. -X heapsize is therefore the *initial* heap, not a limit, and garbage
// accumulates for the whole run; board-sized heap limits are checked on the unix port.
// micropython.heap_lock() works normally (allocation-free proofs hold here).
//
// stdin, stdout and stderr are the process's file descriptors 0, 1 and 2, read and
// written synchronously: a Python read returns as soon as bytes arrive (a pipe or a pty
// works line by line) and every Python write reaches the descriptor at once.
//
// Exit status: SystemExit(n) gives n (None -> 0, a message -> printed, 1); an uncaught
// exception prints its traceback to stderr and gives 1; a usage error gives 2.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The npm package: REDLINE_NODE_MODULES (set by redline_host), else a clone's tools/node_modules (make setup).
const NODE_MODULES = process.env.REDLINE_NODE_MODULES || path.join(HERE, "..", "..", "..", "..", "tools", "node_modules");
const PACKAGE = path.join(NODE_MODULES, "@micropython", "micropython-webassembly-pyscript", "micropython.mjs");
const DEFAULT_HEAPSIZE = "128K";
// Folders never worth copying from the script's directory.
const SKIP_DIRS = new Set(["node_modules", "__pycache__"]);

function usage(message) {
    process.stderr.write("wasm_run: " + message + "\n" +
        "usage: node wasm_run.mjs [-X heapsize=N[K|M]] [--path DIR]... SCRIPT [ARG]...\n");
    process.exit(2);
}

function parseHeapsize(text) {
    const m = /^(\d+)([kKmM]?)$/.exec(text);
    if (!m) usage("bad heapsize " + JSON.stringify(text) + " (expected N, NK or NM)");
    const scale = { "": 1, k: 1024, m: 1024 * 1024 }[m[2].toLowerCase()];
    return parseInt(m[1], 10) * scale;
}

function parseArgs(argv) {
    const opts = { heapsize: parseHeapsize(DEFAULT_HEAPSIZE), paths: [], script: null, args: [] };
    let i = 0;
    while (i < argv.length) {
        const a = argv[i];
        if (a === "-X") {
            const v = argv[i + 1];
            if (v === undefined || !v.startsWith("heapsize=")) usage("-X supports only heapsize=N[K|M]");
            opts.heapsize = parseHeapsize(v.slice("heapsize=".length));
            i += 2;
        } else if (a.startsWith("-Xheapsize=")) {
            opts.heapsize = parseHeapsize(a.slice("-Xheapsize=".length));
            i += 1;
        } else if (a === "--path") {
            if (argv[i + 1] === undefined) usage("--path needs a directory");
            opts.paths.push(argv[i + 1]);
            i += 2;
        } else if (a === "-h" || a === "--help") {
            process.stdout.write("usage: node wasm_run.mjs [-X heapsize=N[K|M]] [--path DIR]... SCRIPT [ARG]...\n" +
                "  -X heapsize=N[K|M]  initial MicroPython heap (default " + DEFAULT_HEAPSIZE + "; this port grows it, see the header)\n" +
                "  --path DIR          copy DIR's .py files into the wasm file system and add it to sys.path\n");
            process.exit(0);
        } else if (a.startsWith("-") && a !== "-") {
            usage("unknown option " + a);
        } else {
            opts.script = a;
            opts.args = argv.slice(i + 1);
            break;
        }
    }
    if (opts.script === null) usage("no script given");
    return opts;
}

// Copy the .py/.mpy files (and a compiled model's .sha256 sidecar) under hostDir into the wasm FS
// at the same absolute path.
// packagesOnly: below the top level, descend only into packages (folders with an
// __init__.py), so a script in a big folder such as /tmp does not copy the world.
function mirrorTree(FS, hostDir, packagesOnly = false, top = true) {
    let entries;
    try {
        entries = fs.readdirSync(hostDir, { withFileTypes: true });
    } catch (err) {
        if (top) throw err;
        return; // an unreadable sub-folder cannot hold modules we need
    }
    if (!top && packagesOnly && !entries.some((e) => e.name === "__init__.py")) return;
    FS.mkdirTree(hostDir);
    for (const entry of entries) {
        const full = path.join(hostDir, entry.name);
        if (entry.isDirectory()) {
            if (!entry.name.startsWith(".") && !SKIP_DIRS.has(entry.name)) mirrorTree(FS, full, packagesOnly, false);
        } else if (entry.name.endsWith(".py") || entry.name.endsWith(".mpy") || entry.name.endsWith(".sha256")) {
            try {
                FS.writeFile(full, fs.readFileSync(full));
            } catch (err) {
                if (err.code !== "EISDIR" && err.code !== "EACCES" && err.code !== "ENOENT") throw err;
            }
        }
    }
}

function sleepMs(ms) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// Blocking read/write on a host descriptor; a non-blocking descriptor (EAGAIN) is polled.
function readFd(fd, buffer) {
    for (;;) {
        try {
            return fs.readSync(fd, buffer, 0, buffer.length, null);
        } catch (err) {
            if (err.code === "EAGAIN") { sleepMs(5); continue; }
            if (err.code === "EOF") return 0;
            throw err;
        }
    }
}

function writeFd(fd, bytes) {
    let done = 0;
    while (done < bytes.length) {
        try {
            done += fs.writeSync(fd, bytes, done, bytes.length - done);
        } catch (err) {
            if (err.code === "EAGAIN") { sleepMs(1); continue; }
            if (err.code === "EPIPE") return; // reader went away: drop output like a closed pipe
            throw err;
        }
    }
}

// Route the wasm FS's fds 0-2 straight to the host's, one host call per Python call.
function connectStdio(FS) {
    const hostStream = (fd) => {
        const stream = FS.streams[fd];
        stream.stream_ops = Object.assign({}, stream.stream_ops, {
            read(_stream, buffer, offset, length) {
                if (length === 0) return 0;
                const tmp = Buffer.alloc(length);
                const n = readFd(fd, tmp);
                buffer.set(tmp.subarray(0, n), offset);
                return n;
            },
            write(_stream, buffer, offset, length) {
                writeFd(fd, Buffer.from(buffer.buffer, buffer.byteOffset + offset, length));
                return length;
            },
        });
    };
    hostStream(0);
    hostStream(1);
    hostStream(2);
}

// Python string literal for a JS string: JSON's escapes are all valid Python escapes.
const pyStr = (s) => JSON.stringify(s);

function bootstrap(script, argv, sysPath) {
    // Runs the script as __main__ and turns its end into an exit status. The heap is
    // unlocked before anything is printed: an exception escaping a heap_lock() would
    // otherwise hang this port. heap_unlock() on an unlocked heap would *lock* it (the
    // depth counter wraps), so the current depth is read with a lock/unlock pair first.
    return `
def _wasm_run(script, argv, path):
    import sys
    import micropython
    del sys.argv[:]
    sys.argv.extend(argv)
    del sys.path[:]
    sys.path.extend(path)
    code = 0
    try:
        with open(script) as f:
            source = f.read()
        code_obj = compile(source, script, "exec")
        source = None
        exec(code_obj, {"__name__": "__main__", "__file__": script})
    except SystemExit as exc:
        micropython.heap_lock()
        depth = micropython.heap_unlock()
        while depth:
            depth = micropython.heap_unlock()
        code = exc.args[0] if exc.args else None
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except BaseException as exc:
        micropython.heap_lock()
        depth = micropython.heap_unlock()
        while depth:
            depth = micropython.heap_unlock()
        sys.print_exception(exc, sys.stderr)
        code = 1
    return code
_wasm_run_status = _wasm_run(${pyStr(script)}, [${argv.map(pyStr).join(", ")}], [${sysPath.map(pyStr).join(", ")}])
`;
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const script = path.resolve(opts.script);
    if (!fs.existsSync(script) || !fs.statSync(script).isFile()) usage("no such script " + opts.script);
    const dirs = [path.dirname(script)];
    for (const p of opts.paths) {
        const d = path.resolve(p);
        if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) usage("--path: no such directory " + p);
        if (!dirs.includes(d)) dirs.push(d);
    }
    if (!fs.existsSync(PACKAGE)) {
        process.stderr.write("wasm_run: WebAssembly MicroPython not installed at " + PACKAGE + " (run make setup)\n");
        process.exit(2);
    }
    const { loadMicroPython } = await import(PACKAGE);
    // Until connectStdio() takes over, anything the port prints goes straight through.
    const mp = await loadMicroPython({
        heapsize: opts.heapsize,
        linebuffer: false,
        stdout: (b) => writeFd(1, b),
        stderr: (b) => writeFd(2, b),
    });
    const FS = mp.FS;
    mirrorTree(FS, dirs[0], true);
    for (const d of dirs.slice(1)) mirrorTree(FS, d);
    FS.writeFile(script, fs.readFileSync(script));
    FS.mkdirTree(process.cwd());
    FS.chdir(process.cwd());
    connectStdio(FS);

    // sys.path like the unix port's: script directory, --path dirs, then the port's own.
    const sysPath = [...dirs, ".frozen", "/lib"];
    let status;
    try {
        mp.runPython(bootstrap(script, [script, ...opts.args], sysPath));
        status = mp.globals.get("_wasm_run_status");
    } catch (err) {
        // Only reached if the bootstrap itself fails (e.g. MemoryError with a tiny heap).
        process.stderr.write("wasm_run: " + (err.message || String(err)) + "\n");
        status = 1;
    }
    process.exit(typeof status === "number" ? status : 1);
}

main();
