"""QR label sheets: a PDF of labels for chosen copies, on A4 label stock.

Each label carries the QR of the copy's label URL (vector, so it prints
sharp at any size), a short title, the call number, the copy's item barcode
as Code 128 with its number in text beneath (so staff can tell which label
goes on which copy, and a desk scanner reads it), and the code in text for
when a camera fails."""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import click
import qrcode
from flask import Flask, current_app
from flask.cli import with_appcontext
from qrcode.constants import ERROR_CORRECT_M
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .. import codes
from ..catalogue.models import Book, Item
from ..clock import utcnow
from ..db import get_session


@dataclass(frozen=True)
class Layout:
    """A label stock: a grid of ``columns`` x ``rows`` labels on A4."""

    name: str
    columns: int
    rows: int
    width: float  # label size, points
    height: float
    left: float  # page margin to the first label, points
    top: float
    pitch_x: float  # distance from one label's left edge to the next
    pitch_y: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS = {
    # Avery/Zweckform L7160 and compatibles: 21 labels of 63.5 x 38.1 mm.
    "L7160": Layout("L7160", 3, 7, 63.5 * mm, 38.1 * mm, 7.2 * mm, 15.15 * mm, 66.04 * mm, 38.1 * mm),
    # Borderless 3 x 8 sheets (70 x 37 mm), common at Indonesian stationers.
    "A4-3x8": Layout("A4-3x8", 3, 8, 70 * mm, 37 * mm, 0, 0.5 * mm, 70 * mm, 37 * mm),
}


@dataclass(frozen=True)
class Label:
    url: str
    code: str
    title: str
    call_number: str | None = None
    barcode: str | None = None  # the copy's item barcode, printed as Code 128
    library: str | None = None  # the library of the network holding the copy (printed under its code)


_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)


def _fonts() -> tuple[str, str]:
    """DejaVu (wide Unicode coverage, from fonts-dejavu-core) when present,
    else the PDF base fonts."""
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return "DejaVuSans", "DejaVuSans-Bold"
    for folder in _FONT_DIRS:
        regular, bold = Path(folder, "DejaVuSans.ttf"), Path(folder, "DejaVuSans-Bold.ttf")
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _draw_qr(pdf: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    module = size / len(matrix)
    pdf.setFillColorRGB(0, 0, 0)
    for row_index, row in enumerate(matrix):
        # Merge runs of dark modules into one rectangle: smaller PDF, no hairline gaps.
        col = 0
        while col < len(row):
            if row[col]:
                start = col
                while col < len(row) and row[col]:
                    col += 1
                pdf.rect(x + start * module, y + size - (row_index + 1) * module, (col - start) * module, module,
                         stroke=0, fill=1)
            else:
                col += 1


# Code 128 bars: no thinner than 0.17 mm (4 dots at 600 dpi, 2 at 300 dpi: what
# a desk scanner and the decoder still resolve), no wider than 0.33 mm.
MIN_BAR = 0.17 * mm
MAX_BAR = 0.33 * mm
BAR_HEIGHT = 7 * mm


def _draw_code128(pdf: canvas.Canvas, value: str, x: float, y: float, width: float, font: str) -> float:
    """The Code 128 of `value` left-aligned at (x, y) within `width` (quiet zones
    included), its text beneath; answers the height used, or 0 if it cannot fit."""
    modules = Code128(value, barWidth=1, quiet=False).width + 20  # 10-module quiet zones
    bar = min(MAX_BAR, width / modules)
    if bar < MIN_BAR:
        return 0.0
    symbol = Code128(value, barWidth=bar, barHeight=BAR_HEIGHT, quiet=False, humanReadable=False)
    text_size = 7
    symbol.drawOn(pdf, x + 10 * bar, y + text_size + 1)
    pdf.setFont(font, text_size)
    pdf.drawString(max(x + 10 * bar, x + 2 * mm), y, value)
    return BAR_HEIGHT + text_size + 1


def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while pdfmetrics.stringWidth(line, font, size) > width and len(line) > 1:
            line = line[:-1]  # a single word wider than the label
        if len(lines) == max_lines:
            break
    if line and len(lines) < max_lines:
        lines.append(line)
    if len(lines) == max_lines and " ".join(lines) != " ".join(words):
        last = lines[-1]
        while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def render(labels: list[Label], layout: str = "L7160", start: int = 1, library: str = "Perpustakaan Kota Batam") -> bytes:
    """The PDF bytes of a label sheet. ``start`` (1-based) skips labels
    already used on the first sheet."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown label layout {layout!r}; known: {', '.join(LAYOUTS)}")
    sheet = LAYOUTS[layout]
    if not 1 <= start <= sheet.per_page:
        raise ValueError(f"start must be between 1 and {sheet.per_page}")
    regular, bold = _fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle("Pindai QR labels")
    page_width, page_height = A4
    pad = 2.5 * mm
    for index, label in enumerate(labels, start=start - 1):
        slot = index % sheet.per_page
        if slot == 0 and index != start - 1:
            pdf.showPage()
        col, row = slot % sheet.columns, slot // sheet.columns
        x = sheet.left + col * sheet.pitch_x
        y = page_height - sheet.top - (row + 1) * sheet.pitch_y + (sheet.pitch_y - sheet.height)
        # ~28 mm: modules near 1 mm for a 29-module URL code, which any phone
        # reads at arm's length, and room beside it for a readable title.
        # With a barcode beside it, 24 mm (modules near 0.8 mm, still read at
        # arm's length) leaves the bars room to stay wide enough.
        qr_size = min(sheet.height - 2 * pad, (24 if label.barcode else 28) * mm)
        _draw_qr(pdf, label.url, x + pad, y + (sheet.height - qr_size) / 2, qr_size)
        text_x = x + pad + qr_size + 2 * mm
        text_width = x + sheet.width - pad - text_x
        cursor = y + sheet.height - pad - 8
        # Bottom up: the code, the library, the copy's barcode; the title and the
        # call number take the room above.
        pdf.setFont(bold, 9)
        pdf.drawString(text_x, y + pad, f"{label.code[:4]} {label.code[4:]}")
        pdf.setFont(regular, 6)
        pdf.drawString(text_x, y + pad + 10, (label.library or library)[: 40])
        floor = y + pad + 17
        if label.barcode:
            # The quiet zones fall in the gap after the QR and in the label's margin.
            qr_right = x + pad + qr_size
            used = _draw_code128(pdf, label.barcode, qr_right, floor, x + sheet.width - qr_right, regular)
            if not used:  # too long to print readably beside the QR: the number alone
                pdf.setFont(bold, 8)
                pdf.drawString(text_x, floor, label.barcode)
                used = 9
            floor += used + 2
        lines = max(1, int((cursor - floor) // 9.5) + 1)
        title_lines = _wrap(label.title, bold, 8, text_width, min(3, lines))
        for line in title_lines:
            pdf.setFont(bold, 8)
            pdf.drawString(text_x, cursor, line)
            cursor -= 9.5
        if label.call_number and cursor - 2 >= floor:
            cursor -= 2
            for line in _wrap(label.call_number, regular, 8, text_width, max(1, int((cursor - floor) // 9.5) + 1)):
                pdf.setFont(regular, 8)
                pdf.drawString(text_x, cursor, line)
                cursor -= 9.5
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def labels_for_items(session: Session, items: list[Item], base_url: str) -> list[Label]:
    """A label per copy (minting a code for a copy that has none), each code
    stamped as printed (committed by the caller once the sheet exists)."""
    labels = []
    now = utcnow()
    for item in items:
        row = codes.ensure_code(session, "item", item.id)
        row.printed_at = now
        code = row.code
        book = item.book
        labels.append(Label(codes.label_url(base_url, code), code, _short_title(book),
                            item.call_number or book.call_number, item.barcode, item.library.name))
    return labels


def _short_title(book: Book) -> str:
    title = book.title
    return title if len(title) <= 80 else title[:79] + "…"


def select_items(session: Session, barcodes=(), book_ids=(), all_items=False, unlabelled=False,
                 library_id: int | None = None) -> list[Item]:
    """Copies chosen by barcode, by book, or all (optionally only those whose
    label was never printed, only one library's)."""
    query = select(Item).options(selectinload(Item.book)).where(Item.status != "withdrawn").order_by(Item.book_id, Item.id)
    if library_id is not None:
        query = query.where(Item.library_id == library_id)
    if not all_items and not unlabelled:
        query = query.where(Item.barcode.in_(list(barcodes)) | Item.book_id.in_(list(book_ids)))
    items = list(session.scalars(query))
    if unlabelled:
        items = [i for i in items if (code := codes.active_code_for(session, "item", i.id)) is None
                 or code.printed_at is None]
    return items


@click.command("print-labels")
@click.option("--barcode", "barcodes", multiple=True, help="A copy's barcode (repeatable).")
@click.option("--book", "book_ids", multiple=True, type=int, help="Every copy of this book id (repeatable).")
@click.option("--all", "all_items", is_flag=True, help="Every copy in the catalogue.")
@click.option("--unlabelled", is_flag=True, help="Only copies whose label was never printed.")
@click.option("--layout", default=None, type=click.Choice(sorted(LAYOUTS)), help="Label stock (default: PINDAI_LABEL_LAYOUT).")
@click.option("--start", default=1, show_default=True, help="First free label on a partly used sheet.")
@click.option("--library", "library_code", default=None, help="Only this library's copies (its code).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def print_labels_command(barcodes, book_ids, all_items, unlabelled, layout, start, library_code, output: Path) -> None:
    """Write a PDF sheet of QR labels for the chosen copies."""
    from ..libraries import NoSuchLibrary, get_library

    session = get_session()
    try:
        library_id = get_library(session, library_code).id if library_code else None
    except NoSuchLibrary:
        raise click.ClickException(f"no library with code {library_code!r} (flask library list)") from None
    items = select_items(session, barcodes, book_ids, all_items, unlabelled, library_id)
    missing = set(barcodes) - {i.barcode for i in items}
    if missing:
        raise click.ClickException(f"no copy with barcode(s): {', '.join(sorted(missing))}")
    if not items:
        raise click.ClickException("no copies chosen: use --barcode, --book, --all or --unlabelled")
    labels = labels_for_items(session, items, current_app.config["PUBLIC_BASE_URL"])
    try:
        pdf = render(labels, layout or current_app.config["LABEL_LAYOUT"], start)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()  # the codes are minted only once the sheet exists
    tmp = output.with_suffix(output.suffix + ".part")
    tmp.write_bytes(pdf)
    os.replace(tmp, output)
    sheet = LAYOUTS[layout or current_app.config["LABEL_LAYOUT"]]
    pages = -(-(len(labels) + start - 1) // sheet.per_page)
    click.echo(f"{len(labels)} labels on {pages} page(s) of {sheet.name}: {output}")


def init_app(app: Flask) -> None:
    app.cli.add_command(print_labels_command)
