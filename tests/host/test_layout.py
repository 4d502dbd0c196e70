"""The layout's rules, checked on the source: doctests, import cycles, one definition per name.

- Every ``>>>`` example in a firmware module runs (doctest, on CPython) and passes.
- No import cycle among the modules of firmware/ (the ``redline`` package and main.py) and
  host/ (``redline_host``), imports inside functions included (parsed with ``ast``).
- No class or function name is defined twice at the top level of firmware/.
- No package ``__init__`` in firmware/ imports anything.
- No tracked file names a machine's own directories (a work, home or mount directory by its
  absolute path): paths in the repository are relative to it (examples under ``/tmp`` are fine).
"""
import ast
import doctest
import importlib
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIRMWARE = REPO / "firmware"
HOST = REPO / "host"


def _modules(root, package):
    """{dotted module name: path} of every .py file of ``package`` under ``root``."""
    out = {}
    for p in sorted((root / package).rglob("*.py")):
        if "__pycache__" in p.parts:
            continue
        rel = p.relative_to(root).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


FIRMWARE_MODULES = _modules(FIRMWARE, "redline")
HOST_MODULES = _modules(HOST, "redline_host")
ALL_MODULES = dict(FIRMWARE_MODULES, **HOST_MODULES)
ALL_MODULES["main"] = FIRMWARE / "main.py"


def _imports(name, path):
    """Module names ``name`` imports anywhere in its file (top level or inside functions)."""
    tree = ast.parse(path.read_text(), str(path))
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[:-(node.level - 1)]
                base = ".".join(base)
                mod = base + ("." + node.module if node.module else "")
            else:
                mod = node.module
            out.add(mod)
            for a in node.names:
                out.add(mod + "." + a.name)    # ``from pkg import submodule``
    return out


def import_graph():
    graph = {}
    for name, path in ALL_MODULES.items():
        graph[name] = sorted(m for m in _imports(name, path) if m in ALL_MODULES and m != name)
    return graph


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index = {}
    low = {}
    stack = []
    on = set()
    out = []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    # node.py imports the text path only inside functions (lazily): the graph must still see it
    assert "redline.text.pipe" in graph["redline.node"]
    assert "redline.link.proto" in graph["redline.node"]
    assert len(graph) > 60


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert cycles({"a": ["b"], "b": []}) == []


def test_no_import_cycles_in_firmware_and_host():
    assert cycles(import_graph()) == []


def test_no_name_defined_twice_in_firmware():
    where = defaultdict(list)
    files = list(FIRMWARE.rglob("*.py"))
    for path in files:
        tree = ast.parse(path.read_text(), str(path))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                where[node.name].append(str(path.relative_to(REPO)))
    twice = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert len(files) > 40 and len(where) > 100
    assert twice == {}


def test_firmware_package_inits_import_nothing():
    for name, path in FIRMWARE_MODULES.items():
        if path.name != "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert imports == [], name


DOCTEST_MODULES = sorted(n for n, p in FIRMWARE_MODULES.items() if ">>> " in p.read_text())


def test_firmware_modules_with_examples_are_found():
    assert len(DOCTEST_MODULES) >= 20
    for name in ("redline.text.adv", "redline.text.goal", "redline.text.cusum", "redline.text.conf",
                 "redline.text.repeat", "redline.sensor.guard", "redline.ladder", "redline.codes"):
        assert name in DOCTEST_MODULES


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_firmware_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=True)
    assert result.attempted > 0
    assert result.failed == 0, "%d of %d examples of %s failed" % (result.failed, result.attempted, name)


def test_only_the_cli_imports_command_modules():
    graph = import_graph()
    users = sorted(m for m, deps in graph.items()
                   if any(d.startswith("redline_host.commands.") for d in deps)
                   and not m.startswith("redline_host.commands"))
    assert users == ["redline_host.cli"] or users == []   # cli imports them by name (importlib)
    host = [m for m in HOST_MODULES if m.startswith("redline_host.") and not m.startswith("redline_host.commands")]
    too_long = [m for m in host if len(HOST_MODULES[m].read_text().splitlines()) > 420
                and "above 400 lines because" not in HOST_MODULES[m].read_text()[:4000]]
    assert too_long == []


_MACHINE_PATH = re.compile(rb"(?:^|[^A-Za-z0-9_.~-])/(?:work|home|Users|root|mnt|opt)/[^\s`'\")]*")


def _tracked_files():
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (or no git): the tracked files cannot be listed")
    return [REPO / n.decode() for n in out.split(b"\0") if n]


def test_the_machine_path_pattern_finds_one():
    assert _MACHINE_PATH.search(b"the image (`/" + b"work/main/build/pico/RPI_PICO.uf2`)")
    assert _MACHINE_PATH.search(b"/" + b"home/me/redline")
    assert not _MACHINE_PATH.search(b"--link /tmp/pico0, build/pico/RPI_PICO.uf2, ../shared/golden")


def test_no_tracked_file_names_a_machines_own_directories():
    hits = []
    for p in _tracked_files():
        if not p.is_file():
            continue
        data = p.read_bytes()
        if b"\0" in data[:4096]:
            continue
        for i, line in enumerate(data.splitlines(), 1):
            m = _MACHINE_PATH.search(line)
            if m:
                hits.append("%s:%d: %s" % (p.relative_to(REPO), i, m.group(0).strip().decode(errors="replace")))
    assert not hits, "absolute paths of a machine in tracked files:\n" + "\n".join(hits[:20])
