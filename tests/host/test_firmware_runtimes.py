"""Every tests/firmware/test_*.py file, run by tools/mp_test_runner.py on each MicroPython runtime.

    .venv/bin/python -m pytest -q tests/host/test_firmware_runtimes.py -k wasm-test_keywords

One process per runtime per file, with the board-sized heap (``-X heapsize=128K``),
started up front for the selected cases on as many threads as there are CPUs
(REDLINE_TEST_JOBS=N overrides).
New firmware test files are picked up automatically. The runner's own behaviour
(order, failure lines, heap unlocking, ``-k``, exit status) is checked on all
three runtimes with a throw-away test file.
"""
import os
import re
import subprocess
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from redline_host.paths import DEFAULT_MODEL, FIRMWARE, REPO
from redline_host.device.runtimes import RUNTIMES, run_script

FIRMWARE_TESTS = REPO / "tests" / "firmware"
RUNNER = REPO / "tools" / "mp_test_runner.py"
HEAPSIZE = "128K"
# A test file that needs more declares it in its first lines: "# redline-test-heap: 256K".
# Only files that load the whole text pipeline do: its modules take ~41 KB of a 64-bit
# unix heap from .mpy, where a board running them frozen from flash pays far less.
HEAP_MARK = re.compile(r"^# redline-test-heap: (\d+K)$", re.M)
TIMEOUT = 300
DEF_TEST = re.compile(r"^def (test_\w+)\(", re.M)


def firmware_test_files():
    return sorted(FIRMWARE_TESTS.glob("test_*.py"))


def module_paths(runtime, test_dir):
    """Module folders for a run: firmware, the default model, and (wasm) the test folder.

    The runner puts a test file's own folder on sys.path; the wasm port only sees
    folders copied into its file system, so there the test folder is passed too.
    """
    paths = [FIRMWARE] + ([DEFAULT_MODEL] if DEFAULT_MODEL.is_dir() else [])
    if runtime == "wasm":
        paths.append(test_dir)
    return paths


def heapsize_for(test_file):
    head = Path(test_file).read_text()[:2000]
    m = HEAP_MARK.search(head)
    return m.group(1) if m else HEAPSIZE


def run_runner(runtime, test_file, *runner_args):
    try:
        return run_script(runtime, RUNNER, args=list(runner_args) + [str(test_file)],
                          paths=module_paths(runtime, Path(test_file).parent), heapsize=heapsize_for(test_file),
                          timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        pytest.fail("%s: %s timed out after %ss" % (runtime, Path(test_file).name, exc.timeout))


def describe(runtime, proc):
    return "runtime %s, exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
        runtime, proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


def pytest_generate_tests(metafunc):
    if "runtime_and_file" in metafunc.fixturenames:
        runtimes = getattr(metafunc.config, "redline_runtimes", ("unix", "wasm"))
        cases = [(rt, f) for rt in runtimes for f in firmware_test_files()]
        metafunc.parametrize("runtime_and_file", cases, ids=["%s-%s" % (rt, f.stem) for rt, f in cases])


@pytest.fixture(scope="session")
def firmware_runs(request):
    """Futures of the runner's CompletedProcess for every selected (runtime, file) case."""
    cases = [item.callspec.params["runtime_and_file"] for item in request.session.items
             if "runtime_and_file" in getattr(getattr(item, "callspec", None), "params", {})]
    pool = ThreadPoolExecutor(max_workers=int(os.environ.get("REDLINE_TEST_JOBS", 0)) or os.cpu_count() or 1)
    futures = {case: pool.submit(run_runner, *case) for case in cases}
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


def test_firmware_file_passes(runtime_and_file, firmware_runs):
    runtime, test_file = runtime_and_file
    proc = firmware_runs[runtime_and_file].result()
    # Every `def test_` at the top of the file must have run: a runner that silently
    # skips tests would otherwise pass.
    expected = len(set(DEF_TEST.findall(test_file.read_text())))
    last = proc.stdout.decode(errors="replace").rstrip().splitlines()[-1:] or [""]
    assert proc.returncode == 0 and last[0] == "%d passed, 0 failed" % expected, (
        "%s failed on %s (expected '%d passed, 0 failed')\n%s" % (test_file.name, runtime, expected,
                                                                 describe(runtime, proc)))


# --- the runner itself, on all three runtimes ---------------------------------

RUNNER_SELF_TEST = textwrap.dedent('''\
    from redline.compat import heap_lock


    def test_zeta_passes():
        assert 1 + 1 == 2


    def test_alpha_fails():
        assert 1 == 2, "one is not two"


    def test_dies_with_heap_locked():
        exc = ValueError("locked")
        heap_lock()
        raise exc


    def helper_not_a_test():
        raise RuntimeError("must not run")


    def test_allocates_after_the_locked_failure():
        x = [1, 2, 3]
        assert len(x) == 3
    ''')


@pytest.fixture
def self_test_file(tmp_path):
    path = tmp_path / "test_runner_selfcheck.py"
    path.write_text(RUNNER_SELF_TEST)
    return path


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_runner_reports_in_definition_order_and_unlocks_the_heap(runtime, self_test_file):
    proc = run_runner(runtime, self_test_file, "-v")
    out = proc.stdout.decode(errors="replace")
    status = [line for line in out.splitlines() if line.startswith(("ok ", "FAIL "))]
    assert status == [
        "ok test_runner_selfcheck.test_zeta_passes",
        "FAIL test_runner_selfcheck.test_alpha_fails: AssertionError: one is not two",
        "FAIL test_runner_selfcheck.test_dies_with_heap_locked: ValueError: locked",
        "ok test_runner_selfcheck.test_allocates_after_the_locked_failure",
    ], describe(runtime, proc)
    assert out.rstrip().splitlines()[-1] == "2 passed, 2 failed", describe(runtime, proc)
    assert proc.returncode == 1, describe(runtime, proc)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_runner_keyword_filter_and_success_status(runtime, self_test_file):
    proc = run_runner(runtime, self_test_file, "-k", "zeta")
    assert proc.stdout.decode(errors="replace").splitlines() == ["1 passed, 0 failed"], describe(runtime, proc)
    assert proc.returncode == 0, describe(runtime, proc)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_runner_counts_an_import_error_as_a_failure(runtime, tmp_path):
    path = tmp_path / "test_broken_import.py"
    path.write_text("import no_such_module_here\n\ndef test_never_runs():\n    pass\n")
    proc = run_runner(runtime, path)
    lines = proc.stdout.decode(errors="replace").splitlines()
    error = "ModuleNotFoundError" if runtime == "cpython" else "ImportError"
    assert lines[0].startswith("FAIL test_broken_import (import): %s: " % error), describe(runtime, proc)
    assert lines[-1] == "0 passed, 1 failed", describe(runtime, proc)
    assert proc.returncode == 1, describe(runtime, proc)
