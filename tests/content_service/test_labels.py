"""Label sheets: the PDF's QR codes decode back to the right label URLs."""
from __future__ import annotations

import numpy as np
import pypdfium2
import pytest

from kiosk.scan.decoding import decode

from content_service.codes import labels
from content_service.codes.models import Code
from tests.conftest import PUBLIC_BASE_URL
from tests.factories import make_book, make_item


def decode_pdf(data: bytes, dpi: int = 200) -> list[list[str]]:
    """Every QR text on every page, by rasterising the PDF as a printer would
    and reading it with the kiosk's own decoder."""
    pages = []
    document = pypdfium2.PdfDocument(data)
    for page in document:
        image = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
        pages.append(sorted(scan.text for scan in decode(image) if scan.symbology == "qr"))
    return pages


def test_sheet_qr_codes_decode_to_label_urls(session):
    book = make_book(session, title="Laskar Pelangi: sebuah novel tentang sebelas anak Belitong yang luar biasa",
                     call_number="899.221 3 HIR l")
    items = [make_item(session, book) for _ in range(23)]  # more than one page of 21
    session.commit()
    sheet = labels.labels_for_items(session, items, PUBLIC_BASE_URL)
    session.commit()
    pdf = labels.render(sheet, "L7160")
    pages = decode_pdf(pdf)
    assert [len(p) for p in pages] == [21, 2]
    expected = sorted(f"{PUBLIC_BASE_URL}/q/{label.code}" for label in sheet)
    assert sorted(url for page in pages for url in page) == expected
    # Every code on the sheet resolves to its copy.
    for label, item in zip(sheet, items):
        code = session.get(Code, label.code)
        assert (code.target_type, code.target_id) == ("item", item.id)


def test_start_position_skips_used_labels_and_codes_are_stable(session):
    book = make_book(session, title="Bumi Manusia")
    items = [make_item(session, book) for _ in range(3)]
    first = labels.labels_for_items(session, items, PUBLIC_BASE_URL)
    again = labels.labels_for_items(session, items, PUBLIC_BASE_URL)
    assert [l.code for l in first] == [l.code for l in again]  # reprinting keeps the code
    pages = decode_pdf(labels.render(first, "L7160", start=20))
    assert [len(p) for p in pages] == [2, 1]


def test_other_layout_and_bad_arguments(session):
    book = make_book(session, title="Sang Pemimpi")
    sheet = labels.labels_for_items(session, [make_item(session, book)], PUBLIC_BASE_URL)
    assert decode_pdf(labels.render(sheet, "A4-3x8")) == [[sheet[0].url]]
    with pytest.raises(ValueError, match="unknown label layout"):
        labels.render(sheet, "Avery-9999")
    with pytest.raises(ValueError, match="start must be between 1 and 21"):
        labels.render(sheet, "L7160", start=22)


def test_print_labels_command(runner, session, tmp_path):
    book = make_book(session, title="Negeri 5 Menara")
    make_item(session, book, barcode="BTM-1")
    make_item(session, book, barcode="BTM-2")
    session.commit()
    out = tmp_path / "labels.pdf"
    result = runner.invoke(args=["print-labels", "--book", str(book.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 labels on 1 page(s) of L7160" in result.output
    assert len(decode_pdf(out.read_bytes())[0]) == 2
    missing = runner.invoke(args=["print-labels", "--barcode", "NOPE", "-o", str(out)])
    assert missing.exit_code != 0 and "no copy with barcode(s): NOPE" in missing.output
    nothing = runner.invoke(args=["print-labels", "-o", str(out)])
    assert nothing.exit_code != 0 and "no copies chosen" in nothing.output
    unlabelled = runner.invoke(args=["print-labels", "--unlabelled", "-o", str(out)])
    assert unlabelled.exit_code != 0  # both copies have codes now
