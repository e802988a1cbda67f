"""The speed goals the benchmarks measure against (the issue's), in one place for every script.

Imported as `goals` by the scripts of this directory (run as `python bench/<script>.py`, which
puts bench/ first on the path).
"""

ROW_FLOOR = "bare DRF view, one row"
WRITE_FLOOR = "bare approval write"
# Each request's CPU at least this share of its floor's: a decision's floor is the bare write,
# every other request's the bare one-row read.
GOALS = {
    "GET /ping": 0.8,
    "GET /me": 0.3,
    "GET /orders/{id}": 0.3,
    "POST /orders/{id}/approval": 0.6,
}
LIST_GOAL = 0.15  # every other request
DECISION_P99_GOAL_MS = 100  # a decision's p99 latency at 16 clients
BALANCE_GOAL = 0.5  # under load, no gunicorn worker below half an even share of the work
RSS_GOAL_MB = 150  # each gunicorn worker's resident memory
SCALE_GOAL = 1.5  # at the largest size, at most this many times the time at the smallest
IMPACT_GOAL_MS = 1000  # 1,000 orders replayed in under a second


def goal_of(request: str) -> float:
    return GOALS.get(request, LIST_GOAL)
