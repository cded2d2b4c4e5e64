"""A very small SVG writer for the documentation's diagrams.

Only what the diagrams need: boxes with centred lines of text, arrows with
an optional label, plain text and lines. Every drawing has its own light
background so it reads the same in the light and the dark theme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif"
INK = "#1f2330"
MUTED = "#5b6070"
ACCENT = "#5e35b1"  # the site's deep purple
FILLS = {
    "bot": "#e8eaf6",
    "core": "#ede7f6",
    "server": "#e0f2f1",
    "discord": "#e3f2fd",
    "warn": "#fff3e0",
    "bad": "#ffebee",
    "plain": "#f5f5f7",
}


def text_width(text: str, size: float) -> float:
    """A generous estimate of the rendered width of ``text``."""
    return len(text) * size * 0.56


@dataclass
class Drawing:
    width: float
    height: float
    title: str
    parts: list[str] = field(default_factory=list)

    def box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        lines: list[str],
        *,
        fill: str = "plain",
        size: float = 14,
        bold_first: bool = True,
        rx: float = 8,
    ) -> None:
        self.parts.append(
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" '
            f'fill="{FILLS.get(fill, fill)}" stroke="{INK}" stroke-width="1.2"/>'
        )
        step = size * 1.3
        top = y + h / 2 - step * (len(lines) - 1) / 2
        for i, line in enumerate(lines):
            weight = "600" if bold_first and i == 0 else "400"
            colour = INK if i == 0 else MUTED
            self.text(x + w / 2, top + i * step, line, size=size if i == 0 else size - 2,
                      weight=weight, colour=colour)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float = 13,
        anchor: str = "middle",
        weight: str = "400",
        colour: str = INK,
    ) -> None:
        self.parts.append(
            f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" '
            f'dominant-baseline="middle" font-weight="{weight}" fill="{colour}" '
            f'style="{FONT}">{escape(text)}</text>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, *, colour: str = MUTED,
             dashed: bool = False, width: float = 1.2) -> None:
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        self.parts.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
            f'stroke-width="{width}"{dash}/>'
        )

    def arrow(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        label: str = "",
        *,
        both: bool = False,
        dashed: bool = False,
        label_dy: float = -9,
        label_dx: float = 0,
        colour: str = ACCENT,
        anchor: str = "middle",
    ) -> None:
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        start = ' marker-start="url(#tail)"' if both else ""
        self.parts.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
            f'stroke-width="1.6"{dash} marker-end="url(#head)"{start}/>'
        )
        if label:
            self.text((x1 + x2) / 2 + label_dx, (y1 + y2) / 2 + label_dy, label, size=12,
                      colour=INK, anchor=anchor)

    def path_arrow(self, d: str, label: str = "", at: tuple[float, float] = (0, 0)) -> None:
        self.parts.append(
            f'<path d="{d}" fill="none" stroke="{ACCENT}" stroke-width="1.6" '
            f'marker-end="url(#head)"/>'
        )
        if label:
            self.text(at[0], at[1], label, size=12)

    def render(self) -> str:
        defs = (
            "<defs>"
            f'<marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
            f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{ACCENT}"/></marker>'
            f'<marker id="tail" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
            f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{ACCENT}"/></marker>'
            "</defs>"
        )
        body = "\n".join(self.parts)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" '
            f'height="{self.height}" viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(self.title)}">\n<title>{escape(self.title)}</title>\n{defs}\n'
            f'<rect width="100%" height="100%" rx="10" fill="#ffffff"/>\n{body}\n</svg>\n'
        )
