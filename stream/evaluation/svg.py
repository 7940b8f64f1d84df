"""Tiny inline-SVG charts (lines and bars) for the HTML report: no plotting dependency, no scripts.

Every label is escaped; output is deterministic so reports diff cleanly between runs.
"""

from __future__ import annotations

from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf",
           "#bcbd22")
W, H, L, R, T, B = 560, 320, 56, 150, 28, 44  # size and margins (right margin holds the legend)


def _frame(title: str, xlabel: str, ylabel: str, x0: float, x1: float, y0: float, y1: float,
           xticks: list[tuple[float, str]]) -> list[str]:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
           f'<text x="{L}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
           f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="#333"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="#333"/>']
    for i in range(5):
        v = y0 + (y1 - y0) * i / 4
        y = _sy(v, y0, y1)
        out.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{L - 4}" y="{y + 4:.1f}" text-anchor="end">{_num(v)}</text>')
    for v, label in xticks:
        x = _sx(v, x0, x1)
        out.append(f'<text x="{x:.1f}" y="{H - B + 14}" text-anchor="middle">{escape(label)}</text>')
    out.append(f'<text x="{(L + W - R) / 2:.0f}" y="{H - 8}" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(f'<text x="12" y="{(T + H - B) / 2:.0f}" transform="rotate(-90 12 {(T + H - B) / 2:.0f})" '
               f'text-anchor="middle">{escape(ylabel)}</text>')
    return out


def _sx(v: float, x0: float, x1: float) -> float:
    return L + (v - x0) / ((x1 - x0) or 1) * (W - L - R)


def _sy(v: float, y0: float, y1: float) -> float:
    return H - B - (v - y0) / ((y1 - y0) or 1) * (H - T - B)


def _num(v: float) -> str:
    return f"{v:.2f}" if abs(v) < 10 else f"{v:.0f}"


def _legend(names: list[str]) -> list[str]:
    return [f'<rect x="{W - R + 10}" y="{T + 16 * i}" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{W - R + 24}" y="{T + 16 * i + 9}">{escape(n[:22])}</text>' for i, n in enumerate(names)]


def line_chart(series: list[tuple[str, list[tuple[float, float]]]], title: str, xlabel: str, ylabel: str,
               x_range: tuple[float, float] = (0.0, 1.0), y_range: tuple[float, float] = (0.0, 1.0)) -> str:
    """Polylines with point markers; points outside the ranges are clipped to them."""
    x0, x1 = x_range
    y0, y1 = y_range
    ticks = [(x0 + (x1 - x0) * i / 4, _num(x0 + (x1 - x0) * i / 4)) for i in range(5)]
    out = _frame(title, xlabel, ylabel, x0, x1, y0, y1, ticks)
    for i, (_, pts) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        xy = [(_sx(min(max(x, x0), x1), x0, x1), _sy(min(max(y, y0), y1), y0, y1)) for x, y in pts]
        if len(xy) > 1:
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.8" points="'
                       + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + '"/>')
        out.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.2" fill="{color}"/>' for x, y in xy)
    out += _legend([n for n, _ in series]) + ["</svg>"]
    return "".join(out)


def bar_chart(labels: list[str], series: list[tuple[str, list[float]]], title: str, ylabel: str) -> str:
    """Stacked bars, one per label (e.g. per day); every `label_every`-th label is printed."""
    n = max(1, len(labels))
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    every = max(1, n // 8)
    ticks = [(i + 0.5, lab) for i, lab in enumerate(labels) if i % every == 0]
    out = _frame(title, "", ylabel, 0, n, 0, top, ticks)
    width = (W - L - R) / n * 0.8
    for i in range(len(labels)):
        base = 0.0
        for k, (_, values) in enumerate(series):
            v = values[i]
            if v <= 0:
                continue
            y_hi, y_lo = _sy(base + v, 0, top), _sy(base, 0, top)
            out.append(f'<rect x="{_sx(i + 0.1, 0, n):.1f}" y="{y_hi:.1f}" width="{width:.1f}" '
                       f'height="{y_lo - y_hi:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                       f'<title>{escape(labels[i])}: {escape(series[k][0])} {v:g}</title></rect>')
            base += v
    out += _legend([name for name, _ in series]) + ["</svg>"]
    return "".join(out)
