"""The carousel builder: slides (a title and a body each) drawn on square 1080 x 1080 pt pages in the
workspace's colours, as the PDF document LinkedIn shows as a swipeable carousel.

Drawn with reportlab, the long-standing pure-Python PDF library (a wheel from PyPI, no system libraries):
it embeds TrueType fonts (subset), measures text exactly as it draws it (so fitting is exact), and with
`invariant=1` writes the same bytes for the same slides, so building a carousel twice stores it once.

Text is wrapped to the page's width (a word too long for a line is broken) and fitted: the title and body
shrink together, down to a floor still readable on a phone; a slide whose text does not fit even then is
refused, naming the slide, rather than drawn past the page. The font is DejaVu Sans (Latin, Greek, Cyrillic
and more), found in matplotlib's data or the system's fonts; a character it cannot draw (most emoji, CJK) is
refused naming it, rather than drawn as a box. Text and background need a contrast of at least 3:1 (WCAG's
figure for large text).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

PAGE = 1080.0  # points: LinkedIn's square carousel shape
MARGIN = 96.0
WIDTH = PAGE - 2 * MARGIN
TOP = PAGE - MARGIN - 48.0  # below the accent bar
BOTTOM = MARGIN + 56.0  # above the page number
TITLE_SIZE, BODY_SIZE = 84.0, 44.0
# The smallest scale of those sizes tried (body 26.4 pt, title 50.4 pt) before a slide is refused.
MIN_SCALE = 0.6
TITLE_LEADING, BODY_LEADING, GAP = 1.15, 1.35, 0.6
MIN_CONTRAST = 3.0


class DoesNotFit(ValueError):
    """A slide that cannot be drawn: `index` (0-based), `field` (title/body) and the reason."""

    def __init__(self, index: int, field: str, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.field = field


@dataclass(frozen=True)
class Slide:
    title: str
    body: str


@dataclass(frozen=True)
class Colors:
    background: str
    text: str
    accent: str


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    name: str
    glyphs: frozenset[int] | None  # None: a standard font (WinAnsi)


def _font_files() -> tuple[Path, Path] | None:
    folders = [Path("/usr/share/fonts/truetype/dejavu")]
    spec = importlib.util.find_spec("matplotlib")  # finds its folder without importing it
    if spec is not None and spec.submodule_search_locations:
        folders.insert(0, Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf")
    for folder in folders:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


@cache
def fonts() -> _Fonts:
    files = _font_files()
    if files is None:
        return _Fonts("Helvetica", "Helvetica-Bold", "Helvetica", None)
    regular, bold = TTFont("PwSans", str(files[0])), TTFont("PwSans-Bold", str(files[1]))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    glyphs = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
    return _Fonts("PwSans", "PwSans-Bold", "DejaVu Sans", glyphs)


def unsupported_characters(text: str) -> str:
    """The distinct characters of `text` the carousel font cannot draw (line breaks aside)."""
    font = fonts()
    missing: dict[str, None] = {}
    for char in text:
        if char in "\n\r\t":
            continue
        if font.glyphs is None:
            try:
                char.encode("cp1252")
            except UnicodeEncodeError:
                missing[char] = None
        elif ord(char) not in font.glyphs:
            missing[char] = None
    return "".join(missing)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21)."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def wrap(text: str, font: str, size: float, width: float = WIDTH) -> list[str]:
    """Lines of `text` no wider than `width` at `size`: words wrapped, a too-long word broken, line breaks
    kept (an empty line stays empty)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if pdfmetrics.stringWidth(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            while pdfmetrics.stringWidth(word, font, size) > width:  # break a word wider than the page
                cut = len(word) - 1
                while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


@dataclass(frozen=True)
class _Layout:
    title_size: float
    body_size: float
    title_lines: list[str]
    body_lines: list[str]


def _height(layout: _Layout) -> float:
    height = len(layout.title_lines) * layout.title_size * TITLE_LEADING
    if layout.body_lines:
        height += layout.title_size * GAP + len(layout.body_lines) * layout.body_size * BODY_LEADING
    return height


def fit(index: int, slide: Slide) -> _Layout:
    """The largest sizes at which the slide fits between the top bar and the page number."""
    font = fonts()
    for field, text in (("title", slide.title), ("body", slide.body)):
        if missing := unsupported_characters(text):
            raise DoesNotFit(
                index,
                field,
                f"slide {index + 1}'s {field} has characters the carousel font ({font.name}) cannot draw: "
                f"{' '.join(missing[:10])}",
            )
    scale = 1.0
    while scale >= MIN_SCALE - 1e-9:
        title_size, body_size = round(TITLE_SIZE * scale, 1), round(BODY_SIZE * scale, 1)
        layout = _Layout(
            title_size,
            body_size,
            wrap(slide.title, font.bold, title_size),
            wrap(slide.body, font.regular, body_size) if slide.body.strip() else [],
        )
        if _height(layout) <= TOP - BOTTOM:
            return layout
        scale -= 0.05
    field = "body" if slide.body.strip() else "title"
    raise DoesNotFit(
        index,
        field,
        f"slide {index + 1}'s text does not fit on its page even at {BODY_SIZE * MIN_SCALE:.0f} pt "
        f"(title {TITLE_SIZE * MIN_SCALE:.0f} pt): shorten it or split it over two slides",
    )


def build(title: str, slides: list[Slide], colors: Colors, out: Path) -> None:
    """Write the carousel's PDF to `out`. DoesNotFit for a slide that cannot be drawn; ValueError for
    colours too close to read."""
    ratio = contrast(colors.text, colors.background)
    if ratio < MIN_CONTRAST:
        raise ValueError(
            f"text colour {colors.text} on background {colors.background} has a contrast of {ratio:.1f}:1; "
            f"at least {MIN_CONTRAST:.0f}:1 is needed to read it"
        )
    layouts = [fit(index, slide) for index, slide in enumerate(slides)]
    font = fonts()
    pdf = canvas.Canvas(str(out), pagesize=(PAGE, PAGE), invariant=1, pageCompression=1)
    pdf.setTitle(title)
    pdf.setCreator("Postwright")
    pdf.setProducer("Postwright")
    background, text, accent = HexColor(colors.background), HexColor(colors.text), HexColor(colors.accent)
    for number, layout in enumerate(layouts, start=1):
        pdf.setFillColor(background)
        pdf.rect(0, 0, PAGE, PAGE, stroke=0, fill=1)
        pdf.setFillColor(accent)
        pdf.rect(MARGIN, PAGE - MARGIN, 120, 14, stroke=0, fill=1)
        y = TOP
        pdf.setFillColor(text)
        for line in layout.title_lines:
            y -= layout.title_size
            pdf.setFont(font.bold, layout.title_size)
            pdf.drawString(MARGIN, y, line)
            y -= layout.title_size * (TITLE_LEADING - 1)
        if layout.body_lines:
            y -= layout.title_size * GAP
            for line in layout.body_lines:
                y -= layout.body_size
                pdf.setFont(font.regular, layout.body_size)
                pdf.drawString(MARGIN, y, line)
                y -= layout.body_size * (BODY_LEADING - 1)
        pdf.setFillColor(accent)
        pdf.setFont(font.bold, 28)
        pdf.drawRightString(PAGE - MARGIN, MARGIN, f"{number} / {len(layouts)}")
        pdf.showPage()
    pdf.save()
