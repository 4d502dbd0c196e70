"""Draw docs/img/architecture.png: redline's data flow on the node and on the host, each box naming its folder.

    .venv/bin/python tools/arch_diagram.py [--out docs/img/architecture.png]

The picture docs/architecture.md shows. Boxes and arrows are listed below (a change of
layout is a change of these lists); the PNG is written without a timestamp, so the same
lists give the same file.
"""
import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

# name: (x, y, title, folder lines)
NODE = {
    "serial": (1.0, 3.2, "serial line", "link/line.py, link/proto.py"),
    "sample": (1.0, 1.6, "sensor sample", "boards/<board>/ -> node.sample()"),
    "text": (3.8, 3.2, "text gauges", "text/ (tok, kw, clf, sift, pipe...)"),
    "sensor": (3.8, 1.6, "sensor gauges", "sensor/ (guard, stuck, ramp, shift,\nreplay, cusum, conf, ring)"),
    "policy": (6.6, 2.4, "policy", "text/policy.py, sensor/ladder.py,\nladder.py (DAL gate), codes.py"),
    "interlock": (9.4, 2.4, "interlock", "interlock.py (pin, latch,\nwatchdog)"),
    "audit": (12.2, 2.4, "audit", "audit.py"),
    "node": (6.6, 0.9, "node (composition root)", "node.py, resource.py"),
}
HOST = {
    "corpus": (1.0, -1.8, "corpus", "host/redline_host/text/\n(sources, corpus)"),
    "trainer": (3.8, -1.8, "trainer", "host/redline_host/text/\n(train, build, export)"),
    "model": (6.6, -1.8, "model module", "models/<name>/redline_model.py"),
    "image": (9.4, -1.8, "frozen image", "boards/<board>/manifest.py,\ntools/firmware.py"),
    "board": (12.2, -1.8, "board", "firmware/ (main.py, redline/)"),
    "harness": (12.2, -3.4, "harness", "host/redline_host/device/\n(harness, vboard, runtimes)"),
}
ARROWS = (
    ("serial", "text"), ("sample", "sensor"), ("text", "policy"), ("sensor", "policy"), ("policy", "interlock"),
    ("interlock", "audit"), ("corpus", "trainer"), ("trainer", "model"), ("model", "image"), ("image", "board"),
)
BOTH_WAYS = (("board", "harness"),)
W, H = 2.1, 1.05


def _box(ax, x, y, title, folders, color):
    ax.add_patch(FancyBboxPatch((x - W / 2, y - H / 2), W, H, boxstyle="round,pad=0.04", fc=color, ec="#333333",
                                lw=1.0))
    ax.text(x, y + 0.22, title, ha="center", va="center", fontsize=9.5, weight="bold")
    ax.text(x, y - 0.17, folders, ha="center", va="center", fontsize=6.6, family="monospace", linespacing=1.15)


def _arrow(ax, a, b, both=False):
    (xa, ya), (xb, yb) = a, b
    dx, dy = xb - xa, yb - ya
    # start and end on the boxes' edges
    sx = W / 2 / abs(dx) if dx else float("inf")
    sy = H / 2 / abs(dy) if dy else float("inf")
    s = min(sx, sy) * 1.06
    start = (xa + dx * s, ya + dy * s)
    end = (xb - dx * s, yb - dy * s)
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="<|-|>" if both else "-|>", mutation_scale=12, lw=1.2,
                                 color="#333333"))


def draw(out):
    fig, ax = plt.subplots(figsize=(13.5, 6.6))
    ax.set_xlim(-0.4, 13.6)
    ax.set_ylim(-4.1, 4.1)
    ax.axis("off")
    ax.text(-0.3, 4.05, "on the node: firmware/redline/ (paths below it)", fontsize=10, va="top", style="italic")
    ax.text(-0.3, -0.75, "on the host: building and checking what the node runs", fontsize=10, va="top",
            style="italic")
    ax.plot([-0.3, 13.5], [-0.6, -0.6], color="#999999", lw=0.8, ls="--")
    pos = {}
    for name, (x, y, title, folders) in NODE.items():
        _box(ax, x, y, title, folders, "#dbe9f6" if name != "node" else "#f3e6c8")
        pos[name] = (x, y)
    for name, (x, y, title, folders) in HOST.items():
        _box(ax, x, y, title, folders, "#e2f0d9")
        pos[name] = (x, y)
    for a, b in ARROWS:
        _arrow(ax, pos[a], pos[b])
    for a, b in BOTH_WAYS:
        _arrow(ax, pos[a], pos[b], both=True)
    ax.text(pos["node"][0], pos["node"][1] - 0.6, "builds every stage; runs each guard step in the fail-safe;\n"
            "feeds resource pressure to the guard; answers the protocol", ha="center", va="top", fontsize=7)
    ax.text(pos["board"][0] + 0.2, -2.6, "serial\nprotocol", fontsize=7, va="center")
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100, metadata={"Software": None})
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(REPO / "docs" / "img" / "architecture.png"), help="PNG to write")
    args = ap.parse_args(argv)
    draw(args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
