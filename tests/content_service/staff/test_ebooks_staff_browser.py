"""Staff attach e-resources in a real browser (Debian's Chromium): an EPUB is
uploaded and listed as an e-book; an EPUB with a script is refused with its
reason shown and nothing added; an online resource needs an https address and
its provider (a plain http one is refused on the page); a librarian imports a
CSV of ISBN -> link on the imports page and reads the row-by-row report.
The portal's Content-Security-Policy stays on."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from content_service.catalogue.models import Asset
from tests.content_service.staff import samples
from tests.content_service.staff.test_browser import axe, browser, db, live, log_in, upload  # noqa: F401
from tests.factories import make_book
from tests.security import malicious

pytestmark = pytest.mark.browser


def test_an_editor_uploads_an_epub_and_sees_a_bad_one_refused(live, browser):  # noqa: F811
    with db(live) as session:
        book = make_book(session, title="Laskar Pelangi (e-book)", copies=1)
        session.commit()
        book_id = book.id
    page = log_in(browser, live, "sari")
    page.goto(f"{live.url}/staff/books/{book_id}/content")
    upload(page, "ebook", "laskar.epub", samples.epub(), "Laskar Pelangi (EPUB)")
    row = page.wait_for_selector("li.asset-row:has(.asset-title:text('Laskar Pelangi (EPUB)'))")
    assert "E-book (EPUB/PDF)" in row.inner_text() and row.query_selector("a[download]").inner_text() == "EPUB"
    # An EPUB whose chapter runs a script: refused, the reason shown, nothing added.
    upload(page, "ebook", "jebakan.epub", malicious.epub_with(chapters=[("Bab", "<script>alert(1)</script>")]), "Jebakan")
    alert = page.wait_for_selector("[role=alert]")
    assert alert.get_attribute("data-error-code") == "upload_refused"
    assert "skrip" in alert.inner_text() and "scripts" in alert.inner_text()
    assert page.locator("li.asset-row").count() == 1
    # An online resource: a plain http address is refused, then an https one with its provider is added.
    page.select_option("#kind", "online")
    assert page.locator("input[name=provider]").is_visible() and page.locator("#file").is_hidden()
    page.fill("#upload-form input[name=url]", "http://ipusnas.id/laskar")
    page.fill("#upload-form input[name=provider]", "iPusnas")
    page.click("#upload-button")
    # The form posts by script (with a progress bar): wait for the new refusal, not the last one.
    alert = page.wait_for_selector("[role=alert]:has-text('alamat https://')")
    assert alert.get_attribute("data-error-code") == "upload_refused" and "https:// address" in alert.inner_text()
    page.select_option("#kind", "online")
    page.fill("#upload-form input[name=url]", "https://ipusnas.id/laskar")
    page.fill("#upload-form input[name=provider]", "iPusnas")
    page.click("#upload-button")
    page.wait_for_selector("li.asset-row .provider:text('iPusnas')")
    axe(page, "extras with an e-book")
    assert page.csp_errors == []
    with db(live) as session:
        kinds = sorted(a.kind for a in session.scalars(select(Asset).where(Asset.book_id == book_id)))
    assert kinds == ["ebook", "online"]
    page.context.close()


def test_a_librarian_imports_online_links_and_reads_the_report(live, browser):  # noqa: F811
    with db(live) as session:
        book = make_book(session, title="Bumi Manusia", isbn13="9786020331607")
        session.commit()
        book_id = book.id
    page = log_in(browser, live, "budi")
    page.goto(f"{live.url}/staff/imports")
    csv_text = ("isbn,url,provider\n978-602-03-3160-7,https://ipusnas.id/bumi,iPusnas\n"
                "9780140449136,https://ipusnas.id/x,iPusnas\n12345,https://ipusnas.id/y,iPusnas\n")
    page.set_input_files("#links-form input[type=file]", {"name": "tautan.csv", "mimeType": "text/csv",
                                                          "buffer": csv_text.encode()})
    page.click("#links-form button")
    report = page.wait_for_selector("#links-report")
    counts = {s: page.locator(f"#links-report [data-status={s}]").inner_text() for s in ("added", "unmatched", "invalid")}
    assert counts == {"added": "1", "unmatched": "1", "invalid": "1"}
    rows = page.locator(".links-problems tbody tr").all_inner_texts()
    assert any("9780140449136" in r and "3" in r.split()[0] for r in rows) and any("12345" in r for r in rows)
    assert "ISBN" in report.inner_text()
    axe(page, "online links report")
    assert page.csp_errors == []
    with db(live) as session:
        (asset,) = session.scalars(select(Asset).where(Asset.book_id == book_id)).all()
        assert (asset.kind, asset.url, asset.published) == ("online", "https://ipusnas.id/bumi", True)
    page.context.close()
