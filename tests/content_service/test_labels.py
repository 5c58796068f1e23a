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


def _code128_on(pdf: bytes, dpi: int) -> list[list[str]]:
    """Every Code 128 read by zxing-cpp on each page, rasterised at `dpi`."""
    import zxingcpp

    pages = []
    for page in pypdfium2.PdfDocument(pdf):
        image = np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
        pages.append(sorted(b.text for b in found))
    return pages


BARCODES = ["31234000567890", "BTM-0001-2345", "DEMO-029-2", "B0001", "P00012345678", "lib/2024/0007"]


@pytest.mark.parametrize("layout", ["L7160", "A4-3x8"])
def test_labels_carry_the_copy_barcode_as_code128_and_text(session, layout):
    """Staff tell labels apart by the copy's barcode: printed beside the QR as a real
    Code 128 (read back by zxing-cpp from the sheet printed at 300 dpi) and in text."""
    book = make_book(session, title="Laskar Pelangi: sebuah novel tentang sebelas anak Belitong",
                     call_number="899.221 3 HIR l")
    items = [make_item(session, book, barcode=b) for b in BARCODES]
    session.commit()
    sheet = labels.labels_for_items(session, items, PUBLIC_BASE_URL)
    pdf = labels.render(sheet, layout)
    assert _code128_on(pdf, 300) == [sorted(BARCODES)]
    # The QR codes still read, each beside its own copy's barcode.
    assert decode_pdf(pdf) == [sorted(label.url for label in sheet)]
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    for barcode in BARCODES:
        assert barcode in text


def test_each_code128_sits_beside_its_copys_qr(session):
    """Read together, a label's QR and its bars name the same copy."""
    import zxingcpp

    book = make_book(session, title="Bumi Manusia")
    items = [make_item(session, book, barcode=f"BTM-{n:04d}") for n in range(1, 7)]
    session.commit()
    sheet = labels.labels_for_items(session, items, PUBLIC_BASE_URL)
    page = pypdfium2.PdfDocument(labels.render(sheet, "L7160"))[0]
    image = np.asarray(page.render(scale=300 / 72, grayscale=True).to_pil().convert("L"))
    found = zxingcpp.read_barcodes(image, formats=(zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode))
    by_row: dict[tuple[int, int], dict[str, str]] = {}
    for b in found:
        cell = (int(b.position.top_left.y // (38.1 / 25.4 * 300)), int(b.position.top_left.x // (66.04 / 25.4 * 300)))
        by_row.setdefault(cell, {})[b.format.name] = b.text
    url_to_barcode = {label.url: item.barcode for label, item in zip(sheet, items)}
    pairs = [(v["QRCode"], v["Code128"]) for v in by_row.values()]
    assert len(pairs) == 6
    assert all(url_to_barcode[url] == barcode for url, barcode in pairs)


def test_a_barcode_too_long_for_bars_is_still_printed_in_text(session):
    book = make_book(session, title="Ronggeng Dukuh Paruk")
    long = "PERPUSTAKAAN-KOTA-BATAM-2024-000123"
    sheet = labels.labels_for_items(session, [make_item(session, book, barcode=long)], PUBLIC_BASE_URL)
    pdf = labels.render(sheet, "L7160")
    assert long in pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert decode_pdf(pdf) == [[sheet[0].url]]


def test_a_new_copy_has_its_code_before_any_label_is_printed(app, session, client, tmp_path):
    """However a copy is made (here: by the session, as scripts and syncs do, and by
    an import), it has a code at once: its label URL resolves to it, and printing a
    sheet later uses that same code."""
    from sqlalchemy import select

    from content_service.catalogue.models import Item
    from content_service.imports import import_file

    book = make_book(session, title="Negeri 5 Menara")
    item = make_item(session, book, barcode="BTM-7001")
    session.commit()
    (code,) = session.scalars(select(Code).where(Code.target_type == "item", Code.target_id == item.id))
    assert code.printed_at is None and code.retired_at is None
    answer = client.get("/api/v1/resolve", query_string={"payload": f"{PUBLIC_BASE_URL}/q/{code.code}"}).get_json()
    assert answer["item"]["barcode"] == "BTM-7001"
    (label,) = labels.labels_for_items(session, [item], PUBLIC_BASE_URL)
    assert label.code == code.code
    session.commit()
    session.refresh(code)
    assert code.printed_at is not None
    # An import's copies too.
    csv_file = tmp_path / "katalog.csv"
    csv_file.write_text("judul,pengarang,barcode\nSang Pemimpi,Andrea Hirata,BTM-7002\n", encoding="utf-8")
    with app.app_context():
        report = import_file(session, csv_file, "csv")
    assert report.count("imported") == 1
    session.commit()
    imported = session.scalars(select(Item).where(Item.barcode == "BTM-7002")).one()
    assert session.scalars(select(Code).where(Code.target_type == "item", Code.target_id == imported.id)).one()
    # Withdrawn copies get none.
    gone = make_item(session, book, barcode="BTM-7003", status="withdrawn")
    session.commit()
    assert session.scalars(select(Code).where(Code.target_id == gone.id, Code.target_type == "item")).all() == []


def test_unlabelled_means_never_printed(runner, session, tmp_path):
    book = make_book(session, title="Laut Bercerita")
    make_item(session, book, barcode="BTM-8001")
    make_item(session, book, barcode="BTM-8002")
    session.commit()
    out = tmp_path / "labels.pdf"
    first = runner.invoke(args=["print-labels", "--unlabelled", "-o", str(out)])
    assert first.exit_code == 0 and "2 labels" in first.output, first.output
    assert sorted(t for page in _code128_on(out.read_bytes(), 300) for t in page) == ["BTM-8001", "BTM-8002"]
    again = runner.invoke(args=["print-labels", "--unlabelled", "-o", str(out)])
    assert again.exit_code != 0  # both printed now
