"""The building blocks of the PDF sheet (ReportLab): page geometry, colours, paragraph
styles, flowables (tick box, image, a map sized to the page), the page-numbering canvas,
tables and the QR code. The sheet itself is laid out in :mod:`webgis.exports.pdf`."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

MARGIN = 12 * mm
PAGE_W, PAGE_H = A4
BODY_W = PAGE_W - 2 * MARGIN
NAVY = colors.HexColor("#1f4e79")
RED = colors.HexColor("#c00000")
PINK = colors.HexColor("#ffe1e1")
GREY = colors.HexColor("#f2f2f2")
GRID = colors.HexColor("#9aa5b1")
# Binary (not ASCII85) streams: the pure-Python ASCII85 encoder costs ~1 s per map image.
rl_config.useA85 = 0
LEVEL_COLORS = {"I": "#c00000", "II": "#e36c0a", "III": "#b8860b", "IV": "#1f5fbf"}


def styles(font: str) -> dict[str, ParagraphStyle]:
    """The sheet's paragraph styles in ``font``."""
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=6.5, leading=8),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cellb": ParagraphStyle("cellb", parent=base, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", parent=base, fontSize=8, leading=10,
                               textColor=colors.white),
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=21,
                                textColor=NAVY),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, leading=15),
        "h2": ParagraphStyle("h2", parent=base, fontSize=11.5, leading=14,
                             textColor=colors.white, backColor=NAVY, borderPadding=(2, 3, 2, 3),
                             spaceBefore=7, spaceAfter=5),
        "key": ParagraphStyle("key", parent=base, fontSize=9, leading=11.5,
                              textColor=colors.HexColor("#333333")),
        "value": ParagraphStyle("value", parent=base, fontSize=10, leading=13),
        "alert": ParagraphStyle("alert", parent=base, fontSize=12, leading=15, textColor=RED),
        "center": ParagraphStyle("center", parent=base, fontSize=7, leading=8.5,
                                 alignment=TA_CENTER),
    }


class TickBox(Flowable):
    """An empty square to tick by hand."""

    def __init__(self, size: float = 4.2 * mm):
        super().__init__()
        self.size = size
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(0.9)
        self.canv.rect(0, 0, self.size, self.size, stroke=1, fill=0)


class PilImage(Flowable):
    """A PIL image drawn at a fixed size (no PNG encode/decode round trip)."""

    def __init__(self, img: Any, width: float, height: float):
        super().__init__()
        self.img, self.width, self.height = img, width, height

    def draw(self) -> None:
        self.canv.drawImage(ImageReader(self.img), 0, 0, self.width, self.height)


class MapFlowable(Flowable):
    """A map that takes the height left on the page (between ``min_h`` and ``max_h``);
    rendered once, at its final size, when drawn."""

    def __init__(self, render: Any, width: float, min_h: float, max_h: float):
        super().__init__()
        self.render, self.width, self.min_h, self.max_h = render, width, min_h, max_h
        self.height = max_h

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.height = max(min(avail_height - 1, self.max_h), self.min_h)
        return self.width, self.height

    def draw(self) -> None:
        img = self.render(self.width / mm, self.height / mm)
        self.canv.drawImage(ImageReader(img), 0, 0, self.width, self.height)


class NumberedCanvas(rl_canvas.Canvas):
    """Draws 'page n of N' once the page count is known."""

    def __init__(self, *args: Any, footer: Any = None, **kw: Any):
        super().__init__(*args, **kw)
        self._saved: list[dict] = []
        self._footer = footer

    def showPage(self) -> None:  # noqa: N802 (ReportLab API)
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            if self._footer:
                self._footer(self, total)
            super().showPage()
        super().save()


def para(text: Any, style: ParagraphStyle) -> Paragraph:
    """Plain text as a paragraph (escaped; line breaks kept)."""
    return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"), style)


def table(data: list[list[Any]], widths: list[float], *, header_rows: int = 1,
          extra: list[tuple] | None = None) -> Table:
    """A gridded table with a navy header and banded rows; ``extra`` adds style commands."""
    t = Table(data, colWidths=widths, repeatRows=header_rows)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
    ]
    if header_rows:
        style += [("BACKGROUND", (0, 0), (-1, header_rows - 1), NAVY)]
    for i in range(header_rows, len(data)):
        if (i - header_rows) % 2 == 1:
            style.append(("BACKGROUND", (0, i), (-1, i), GREY))
    t.setStyle(TableStyle(style + (extra or [])))
    return t


def qr_code(link: str, size: float = 30 * mm) -> Drawing:
    """The QR code of ``link`` at ``size``."""
    w = QrCodeWidget(link or "about:blank", barLevel="M")
    x0, y0, x1, y1 = w.getBounds()
    d = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    d.add(w)
    return d
