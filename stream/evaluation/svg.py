"""Tiny inline-SVG charts (lines and bars) for the HTML report: no plotting dependency, no scripts.

Readable by construction: ticks at round values (whole numbers for counts), at most eight
rotated date labels, the legend below the plot with full names, an optional marked point (the
operating point). Every label is escaped; output is deterministic so reports diff cleanly.
"""

from __future__ import annotations

import math
from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#2ca02c",
           "#d62728")
CHAR_W = 6.4  # approximate width of one 11px sans-serif character, for laying out labels


class Box:
    """Plot geometry: outer size and the margins around the plotting area."""

    def __init__(self, w: int, h: int, left: int = 56, right: int = 16, top: int = 30, bottom: int = 44):
        self.w, self.h, self.l, self.r, self.t, self.b = w, h, left, right, top, bottom

    def sx(self, v: float, x0: float, x1: float) -> float:
        return self.l + (v - x0) / ((x1 - x0) or 1) * (self.w - self.l - self.r)

    def sy(self, v: float, y0: float, y1: float) -> float:
        return self.h - self.b - (v - y0) / ((y1 - y0) or 1) * (self.h - self.t - self.b)


def nice_ticks(lo: float, hi: float, n: int = 6, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2 or 5 x 10^k (at least 1 for counts)."""
    span = (hi - lo) or 1.0
    raw = span / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1.0, math.ceil(step))
    first = math.floor(lo / step) * step
    ticks, v = [], first
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _fmt(v: float, ticks: list[float]) -> str:
    step = (ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{v:,.{decimals}f}"


def _legend(names: list[str], colors: list[str], box: Box, y: float) -> tuple[list[str], float]:
    """Legend entries left to right, wrapping; returns the parts and the height used."""
    out, x, row = [], box.l, 0
    for name, color in zip(names, colors):
        width = 18 + CHAR_W * len(name) + 14
        if x + width > box.w - 4 and x > box.l:
            x, row = box.l, row + 1
        yy = y + 16 * row
        out.append(f'<rect x="{x:.0f}" y="{yy:.0f}" width="10" height="10" fill="{color}"/>'
                   f'<text x="{x + 14:.0f}" y="{yy + 9:.0f}">{escape(name)}</text>')
        x += width
    return out, (16 * (row + 1) if names else 0)


def _svg(box: Box, title: str, body: list[str], extra_h: float = 0) -> str:
    h = box.h + extra_h
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{box.w}" height="{h:.0f}" viewBox="0 0 {box.w} {h:.0f}" '
            f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">'
            + "".join(body) + "</svg>")


def _axes(box: Box, title: str, xlabel: str, ylabel: str, yticks: list[float]) -> list[str]:
    y0, y1 = yticks[0], yticks[-1]
    out = [f'<text x="{box.l}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for v in yticks:
        y = box.sy(v, y0, y1)
        out.append(f'<line x1="{box.l}" y1="{y:.1f}" x2="{box.w - box.r}" y2="{y:.1f}" stroke="#e6e6e6"/>'
                   f'<text x="{box.l - 5}" y="{y + 4:.1f}" text-anchor="end">{_fmt(v, yticks)}</text>')
    out.append(f'<line x1="{box.l}" y1="{box.h - box.b}" x2="{box.w - box.r}" y2="{box.h - box.b}" stroke="#333"/>'
               f'<line x1="{box.l}" y1="{box.t}" x2="{box.l}" y2="{box.h - box.b}" stroke="#333"/>')
    if xlabel:
        out.append(f'<text x="{(box.l + box.w - box.r) / 2:.0f}" y="{box.h - 6}" text-anchor="middle">'
                   f'{escape(xlabel)}</text>')
    mid = (box.t + box.h - box.b) / 2
    out.append(f'<text x="13" y="{mid:.0f}" transform="rotate(-90 13 {mid:.0f})" text-anchor="middle">'
               f'{escape(ylabel)}</text>')
    return out


def line_chart(series: list[tuple[str, list[tuple[float, float]]]], title: str, xlabel: str, ylabel: str,
               x_range: tuple[float, float] = (0.0, 1.0), y_range: tuple[float, float] = (0.0, 1.0),
               marks: list[tuple[float, float, str]] = (), size: tuple[int, int] = (640, 320),
               legend: bool = True) -> str:
    """Polylines with point markers (clipped to the ranges); `marks` are ringed and labelled points."""
    box = Box(*size)
    yticks = nice_ticks(*y_range)
    xticks = nice_ticks(*x_range)
    x0, x1, y0, y1 = xticks[0], xticks[-1], yticks[0], yticks[-1]
    out = _axes(box, title, xlabel, ylabel, yticks)
    for v in xticks:
        out.append(f'<text x="{box.sx(v, x0, x1):.1f}" y="{box.h - box.b + 14}" text-anchor="middle">'
                   f'{_fmt(v, xticks)}</text>')
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    for color, (_, pts) in zip(colors, series):
        xy = [(box.sx(min(max(x, x0), x1), x0, x1), box.sy(min(max(y, y0), y1), y0, y1)) for x, y in pts]
        if len(xy) > 1:
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.8" points="'
                       + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + '"/>')
        out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{color}"/>' for x, y in xy)
    for mx, my, label in marks:
        x, y = box.sx(mx, x0, x1), box.sy(my, y0, y1)
        anchor = "end" if x > (box.l + box.w) / 2 else "start"
        dx = -9 if anchor == "end" else 9
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="none" stroke="#000" stroke-width="2"/>'
                   f'<text x="{x + dx:.1f}" y="{y + 16 if y < box.t + 20 else y - 8:.1f}" text-anchor="{anchor}" '
                   f'font-weight="bold">{escape(label)}</text>')
    extra = 0.0
    if legend and series:
        parts, extra = _legend([n for n, _ in series], colors, box, box.h + 2)
        out += parts
    return _svg(box, title, out, extra)


def _date_label(label: str, span_years: bool) -> str:
    """2026-10-05 -> 'Oct 05' (with the year when the range spans years); other labels unchanged."""
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    parts = label.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        short = f"{months[int(parts[1]) - 1]} {parts[2]}"
        return f"{short} {parts[0]}" if span_years else short
    return label


def bar_chart(labels: list[str], series: list[tuple[str, list[float]]], title: str, ylabel: str,
              colors: list[str] | None = None, size: tuple[int, int] = (640, 320)) -> str:
    """Stacked bars, one per label (e.g. per day). Whole-number ticks; at most 8 labels, rotated."""
    box = Box(size[0], size[1], bottom=58)
    n = max(1, len(labels))
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
    yticks = nice_ticks(0, max(totals, default=0) or 1, integer=True)
    top = yticks[-1]
    out = _axes(box, title, "", ylabel, yticks)
    every = max(1, math.ceil(n / 8))
    years = {lab[:4] for lab in labels}
    for i, lab in enumerate(labels):
        if i % every:
            continue
        x = box.sx(i + 0.5, 0, n)
        y = box.h - box.b + 12
        out.append(f'<text x="{x:.1f}" y="{y}" text-anchor="end" transform="rotate(-35 {x:.1f} {y})">'
                   f'{escape(_date_label(lab, len(years) > 1))}</text>')
    colors = colors or [PALETTE[k % len(PALETTE)] for k in range(len(series))]
    width = (box.w - box.l - box.r) / n * 0.8
    for i in range(len(labels)):
        base = 0.0
        for k, (name, values) in enumerate(series):
            v = values[i]
            if v <= 0:
                continue
            y_hi, y_lo = box.sy(base + v, 0, top), box.sy(base, 0, top)
            out.append(f'<rect x="{box.sx(i + 0.1, 0, n):.1f}" y="{y_hi:.1f}" width="{width:.1f}" '
                       f'height="{y_lo - y_hi:.1f}" fill="{colors[k]}">'
                       f'<title>{escape(labels[i])}: {escape(name)} {v:g}</title></rect>')
            base += v
    parts, extra = _legend([name for name, _ in series], colors, box, box.h + 2)
    return _svg(box, title, out + parts, extra)
