"""Run firmware test files on MicroPython (and CPython): the pytest stand-in for boards.

Each argument is a test module name (imported from sys.path) or a path to a
tests/firmware/test_*.py file; every ``test_*`` function runs in the order it is
defined in the file, and the last line is ``N passed, N failed``::

    micropython -X heapsize=128K tools/mp_test_runner.py tests/firmware/test_compat.py
    node host/redline_host/device/js/wasm_run.mjs --path firmware --path tests/firmware \\
        tools/mp_test_runner.py -k ticks test_compat

Options: ``-k TEXT`` runs only tests whose ``module.name`` contains TEXT;
``-v`` also prints ``ok module.name`` for each passing test. The exit status is
1 when any test (or import) failed, 0 otherwise. redline (firmware/) must be
importable: MICROPYPATH, ``--path`` or PYTHONPATH.
"""
import gc
import sys

try:
    from redline.compat import heap_lock, heap_unlock
except ImportError:  # firmware/ not on the path: the tests will say so themselves
    def heap_lock():
        return 0

    def heap_unlock():
        return 0


def unlock_heap():
    """Undo any heap_lock() a failed test left behind.

    A bare heap_unlock() on an unlocked heap is not harmless: MicroPython's lock
    depth counter wraps and the heap stays locked. So read the depth first with a
    lock/unlock pair (which leaves it unchanged), then unlock exactly that often.
    """
    heap_lock()
    depth = heap_unlock()
    while depth:
        depth = heap_unlock()


def print_traceback(exc):
    if hasattr(sys, "print_exception"):
        sys.print_exception(exc, sys.stdout)
    else:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stdout)


def split_target(target):
    """'tests/firmware/test_x.py' -> ('tests/firmware', 'test_x'); 'test_x' -> (None, 'test_x')."""
    if not target.endswith(".py"):
        return None, target
    slash = target.rfind("/")
    folder = target[:slash] if slash > 0 else ("/" if slash == 0 else ".")
    return folder, target[slash + 1:-3]


def definition_order(module, names):
    """``names`` in the order their ``def`` lines appear in the module's source.

    Names not found in the source (a frozen module has no file; a test may be
    assigned rather than defined) follow in alphabetical order.
    """
    order = {}
    path = getattr(module, "__file__", None)
    if path:
        try:
            with open(path) as f:
                n = 0
                for line in f:
                    if line.startswith("def test_"):
                        end = line.find("(")
                        if end > 4:
                            order[line[4:end].strip()] = n
                            n += 1
        except OSError:
            pass
    known = [name for name in names if name in order]
    known.sort(key=lambda name: order[name])
    rest = [name for name in names if name not in order]
    rest.sort()
    return known + rest


def collect(module):
    names = [name for name in dir(module) if name.startswith("test_")]
    names = [name for name in names if callable(getattr(module, name))]
    return definition_order(module, names)


def report_failure(label, exc):
    print("FAIL %s: %s: %s" % (label, type(exc).__name__, exc))
    print_traceback(exc)


def run(targets, keyword=None, verbose=False):
    """Run the test modules named by ``targets``; return (passed, failed)."""
    passed = 0
    failed = 0
    for target in targets:
        folder, name = split_target(target)
        if folder is not None and folder not in sys.path:
            sys.path.insert(0, folder)
        try:
            module = __import__(name)
        except Exception as exc:
            unlock_heap()
            report_failure(name + " (import)", exc)
            failed += 1
            continue
        for test_name in collect(module):
            label = name + "." + test_name
            if keyword is not None and keyword not in label:
                continue
            test = getattr(module, test_name)
            gc.collect()
            try:
                test()
            except KeyboardInterrupt:
                unlock_heap()
                raise
            except BaseException as exc:  # SystemExit from a test is a failure too
                unlock_heap()
                report_failure(label, exc)
                failed += 1
            else:
                passed += 1
                if verbose:
                    print("ok " + label)
    return passed, failed


def main(argv):
    keyword = None
    verbose = False
    targets = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "-k":
            if i + 1 >= len(argv):
                print("mp_test_runner: -k needs a substring")
                sys.exit(2)
            keyword = argv[i + 1]
            i += 2
            continue
        if arg == "-v":
            verbose = True
        else:
            targets.append(arg)
        i += 1
    if not targets:
        print("usage: mp_test_runner.py [-k TEXT] [-v] MODULE_OR_FILE...")
        sys.exit(2)
    passed, failed = run(targets, keyword, verbose)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
