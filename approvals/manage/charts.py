"""Bar charts of the admin area, drawn on the server (SVG): no script, works offline and in
e-mail. One helper lays out the bars either way: columns (the dashboard's weeks) or rows (the
analytics page's approvers, steps and rules, whose names need the width). Each chart has a text
alternative, and its page shows the same numbers in a table."""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = {"width": 720, "height": 250, "top": 40, "bottom": 44, "side": 10}


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to show (drawn as an empty slot)
    text: str  # the value as the chart writes it
    title: str = ""  # the hover text; also the chart's text alternative
    current: bool = False  # drawn lighter: still filling (this week)
    count: int = 0
    # Rows only: the bar split into named shares of it (summing to 1), e.g. how runs ended.
    parts: tuple[tuple[str, float], ...] = ()


def bar_chart(bars: list[Bar], *, rows: bool = False) -> dict:
    """The geometry of a bar chart of `bars`, scaled to the highest value; a value above 0 is
    never drawn thinner than 3 units (columns) or 3 % (rows), so that it shows."""
    values = [bar.value for bar in bars if bar.value is not None]
    highest = max(values, default=0)
    layout = _rows(bars, highest) if rows else _columns(bars, highest)
    return {
        **layout,
        "has_data": bool(values),
        "description": " ".join(f"{bar.title or bar.label + ': ' + bar.text}." for bar in bars),
    }


def _length(value: float | None, highest: float, room: float) -> float:
    if value is None:
        return 0.0
    return max(room * value / highest if highest else 0, 3)


def _columns(bars: list[Bar], highest: float) -> dict:
    chart = COLUMNS
    plot = chart["height"] - chart["top"] - chart["bottom"]
    slot = (chart["width"] - 2 * chart["side"]) / max(len(bars), 1)
    bar_width = slot * 0.56
    drawn = []
    for index, bar in enumerate(bars):
        height = _length(bar.value, highest, plot)
        x = chart["side"] + index * slot + (slot - bar_width) / 2
        y = chart["top"] + plot - height
        drawn.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "width": round(bar_width, 1),
                "height": round(height, 1),
                "center": round(x + bar_width / 2, 1),
                "value_y": round(y - 8, 1) if bar.value is not None else chart["top"] + plot - 8,
                "value": bar.text,
                "label": bar.label,
                "title": bar.title,
                "count": bar.count,
                "empty": bar.value is None,
                "current": bar.current,
            }
        )
    return {
        **chart,
        "bars": drawn,
        "baseline": chart["top"] + plot,
        "label_y": chart["height"] - 14,
        "right": chart["width"] - chart["side"],
    }


def _rows(bars: list[Bar], highest: float) -> dict:
    # Rows are drawn as HTML (a label, a track, the value): the names keep the page's type
    # size whatever the width, and each bar is an SVG rect with a percentage width (no inline
    # style, which the Content-Security-Policy refuses).
    drawn = []
    for bar in bars:
        percent = round(_length(bar.value, highest, 100.0), 1) if bar.value is not None else 0
        parts, start = [], 0.0
        for name, share in bar.parts:
            width = round(percent * share, 1)
            if width > 0:
                parts.append({"name": name, "x": start, "width": width})
                start = round(start + width, 1)
        drawn.append(
            {
                "label": bar.label,
                "value": bar.text,
                "title": bar.title or f"{bar.label}: {bar.text}",
                "percent": percent,
                "parts": parts,
                "empty": bar.value is None,
                "current": bar.current,
            }
        )
    return {"bars": drawn}
