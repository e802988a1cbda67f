"""One summary of the benchmarks' figures against the speed goals: a JSON file and a PNG chart.

    .venv/bin/python bench/report.py [--results bench/results] [--chart PATH]

Reads what the benchmarks wrote (`cpu.json` from bench/cpu.py, `api.json` from bench/api.py,
`scale.json` from bench/scale.py,
`notifications.json` from bench/notifications.py, `impact.json` from bench/impact.py; whichever
are there) and writes `summary.json` and `chart.png` beside them: each figure as a share of its
goal, so that every bar reaching the line at 1.0 means every goal is met. `make bench` runs the
benchmarks and then this. The README's chart is a copy of a `chart.png` (docs/bench.png).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from goals import IMPACT_GOAL_MS, SCALE_GOAL

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _read(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def figures(results: Path) -> list[dict]:
    """Every measured figure with its goal, as {group, name, value, goal, share, met}: `share` is
    the value as a share of the goal, 1.0 or more when met."""
    rows: list[dict] = []

    def add(group: str, name: str, value: float, goal: float, *, higher_is_better: bool) -> None:
        share = value / goal if higher_is_better else goal / value if value else float("inf")
        rows.append(
            {"group": group, "name": name, "value": round(value, 3), "goal": goal,
             "share": round(share, 3), "met": share >= 1.0}
        )  # fmt: skip

    cpu = _read(results / "cpu.json")
    for name, measured in (cpu or {}).get("requests", {}).items():
        if "goal" in measured:
            add("CPU vs a bare view", name, measured["ratio"], measured["goal"],
                higher_is_better=True)  # fmt: skip
    load = _read(results / "api.json")
    if load:
        measured = load["requests"]
        for name, figures in measured.items():
            if "goal" in figures:
                add("CPU under load (gunicorn, wrk)", name, figures["ratio"], figures["goal"],
                    higher_is_better=True)  # fmt: skip
        decision = measured.get("POST /orders/{id}/approval")
        if decision:
            clients = load["connections"]
            add("Under load", f"decision p99 ms, {clients} clients", decision["p99_ms"],
                load["decision_p99_goal_ms"], higher_is_better=False)  # fmt: skip
        add("Under load", "gunicorn workers' evenness (the worst run)",
            min(figures["balance"] for figures in measured.values()), load["balance_goal"],
            higher_is_better=True)  # fmt: skip
        add("Under load", "gunicorn worker's resident memory MB (the largest)",
            max(load["worker_rss_mb"]["procure"]), load["worker_rss_goal_mb"],
            higher_is_better=False)  # fmt: skip
    scale = _read(results / "scale.json")
    if scale:
        sizes = sorted(scale["sizes"], key=int)
        small, large = scale["sizes"][sizes[0]], scale["sizes"][sizes[-1]]
        for name, measured in large["requests"].items():
            ratio = measured["median_ms"] / small["requests"][name]["median_ms"]
            add(f"{int(sizes[-1]):,} vs {int(sizes[0]):,} orders", name, ratio, SCALE_GOAL,
                higher_is_better=False)  # fmt: skip
    notifications = _read(results / "notifications.json")
    if notifications:
        add("Celery", "notifications vs no-op tasks", notifications["ratio"],
            notifications["goal"], higher_is_better=True)  # fmt: skip
    impact = _read(results / "impact.json")
    if impact:
        add("Impact preview", f"replay of {impact['orders']:,} orders (ms)", impact["median_ms"],
            IMPACT_GOAL_MS, higher_is_better=False)  # fmt: skip
    return rows


def chart(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt

    labels = [f"{row['group']}: {row['name']}" for row in rows]
    shares = [min(row["share"], 3.0) for row in rows]  # bars past 3x the goal are drawn at 3x
    colours = ["#2f855a" if row["met"] else "#c05621" for row in rows]
    fig, ax = plt.subplots(figsize=(12, 0.32 * len(rows) + 1.2))
    ax.barh(range(len(rows)), shares, color=colours)
    ax.axvline(1.0, color="#1a202c", linewidth=1)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("share of the goal (1.0 = met; green: met, orange: not yet)")
    ax.set_title("Procure: measured figures against the speed goals")
    ax.set_xlim(0, max(1.1, *shares) + 0.05)
    fig.subplots_adjust(left=0.42, right=0.98, top=1 - 0.5 / fig.get_figheight(),
                        bottom=0.6 / fig.get_figheight())  # fmt: skip
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--chart", type=Path, help="where to write the PNG (default: beside)")
    options = parser.parse_args()
    rows = figures(options.results)
    if not rows:
        raise SystemExit(f"no benchmark figures in {options.results}: run the benchmarks first")
    summary = options.results / "summary.json"
    summary.write_text(json.dumps({"figures": rows}, indent=2) + "\n")
    chart(rows, options.chart or options.results / "chart.png")
    met = sum(row["met"] for row in rows)
    for row in rows:
        print(f"{'met ' if row['met'] else 'NOT '} {row['share']:>6.2f}  {row['group']}: "
              f"{row['name']} ({row['value']} against {row['goal']})")  # fmt: skip
    print(f"\n{met} of {len(rows)} goals met; written: {summary}, "
          f"{options.chart or options.results / 'chart.png'}")  # fmt: skip


if __name__ == "__main__":
    main()
