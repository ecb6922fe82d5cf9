"""Charts drawn on the server as SVG: the geometry is computed here, the markup is in templates
(program/_chart_*.html), and every chart has a data table beside it as its text alternative."""

import math

# Each series' colour is its class in static/css/site.css (series-requests, …): the page's
# Content-Security-Policy allows no style attribute.
SERIES = [
    ("requests", "Requests"),
    ("accepted", "Acceptances"),
    ("completed", "Completions"),
]


def _nice_max(value: int) -> int:
    """A chart top that is four round steps (1, 2 or 5 times a power of ten), at least 4."""
    step = 1
    while step * 4 < value:
        for factor in (2, 2.5, 2):  # 1 → 2 → 5 → 10 → 20 …
            step = int(step * factor)
            if step * 4 >= value:
                break
    return step * 4


def monthly_bars(months: list[dict], *, width=720, height=260) -> dict:
    """Grouped bars: requests, acceptances and completions per month."""
    left, right, top, bottom = 40, 10, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([m[key] for m in months for key, _ in SERIES] or [0]))
    group_w = plot_w / max(len(months), 1)
    bar_w = max(2.0, min(18.0, (group_w - 6) / len(SERIES)))
    bars, labels = [], []
    for i, month in enumerate(months):
        x0 = left + i * group_w + (group_w - bar_w * len(SERIES)) / 2
        for j, (key, name) in enumerate(SERIES):
            h = plot_h * month[key] / peak
            bars.append(
                {
                    "x": round(x0 + j * bar_w, 1),
                    "y": round(top + plot_h - h, 1),
                    "w": round(bar_w - 1, 1),
                    "h": round(h, 1),
                    "series": key,
                    "title": f"{name}, {month['month']:%B %Y}: {month[key]}",
                }
            )
        if len(months) <= 12 or i % math.ceil(len(months) / 12) == 0:
            labels.append(
                {"x": round(left + (i + 0.5) * group_w, 1), "text": f"{month['month']:%b %y}"}
            )
    ticks = [
        {"y": round(top + plot_h - plot_h * k / 4, 1), "value": round(peak * k / 4)}
        for k in range(5)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": top + plot_h,
        "label_y": top + plot_h + 18,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "legend": [{"name": name, "series": key} for key, name in SERIES],
    }


def supply_demand_bars(rows: list[dict], *, limit=12, width=720) -> dict:
    """Horizontal paired bars for the options with the biggest shortfall of mentors."""
    rows = rows[:limit]
    label_w, right, row_h, top = 330, 50, 30, 10
    plot_w = width - label_w - right
    peak = _nice_max(max([max(r["supply"], r["demand"]) for r in rows] or [0]))
    items = []
    for i, row in enumerate(rows):
        y = top + i * row_h
        items.append(
            {
                "label": f"{row['option']} ({row['category']})",
                "label_y": y + 14,
                "demand_w": round(plot_w * row["demand"] / peak, 1),
                "supply_w": round(plot_w * row["supply"] / peak, 1),
                "demand_y": y + 2,
                "supply_y": y + 13,
                "demand": row["demand"],
                "supply": row["supply"],
                # In a "mentor ahead" category a level's supply is the mentors at or above it.
                "offering": "at or above" if row.get("ahead") else "",
                "gap": row["gap"],
                "short": row["gap"] > 0,
            }
        )
    return {
        "width": width,
        "height": top + len(rows) * row_h + 10,
        "x0": label_w,
        "items": items,
    }
