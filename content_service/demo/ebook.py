"""A generated EPUB 3 for the demo's open e-books: a title's own catalogue
facts (title, authors, summary, subjects) as a short reading sample in a
real package (mimetype stored first, container, OPF, navigation, two
chapters), written with zipfile; no text of the book itself."""
from __future__ import annotations

import io
import uuid
import zipfile
from html import escape

from ..catalogue.models import Book

_CONTAINER = (b'<?xml version="1.0" encoding="utf-8"?>\n<container version="1.0" '
              b'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
              b'<rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')


def _page(title: str, body: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" '
            f'xmlns:epub="http://www.idpf.org/2007/ops" lang="id" xml:lang="id"><head><title>{escape(title)}</title>'
            f'<link rel="stylesheet" type="text/css" href="style.css"/></head><body>{body}</body></html>').encode()


def book_epub(book: Book) -> bytes:
    """The demo e-book of ``book`` (the same bytes for the same facts: the seed stays idempotent)."""
    title, authors = escape(book.title), escape(", ".join(book.authors or []))
    identifier = uuid.uuid5(uuid.NAMESPACE_URL, f"pindai-demo:{book.control_number or book.id}")
    summary = escape(book.summary or book.title)
    subjects = "".join(f"<li>{escape(s)}</li>" for s in book.subjects or [])
    chapters = [
        ("Tentang buku ini", f"<h1>{title}</h1><p class='by'>{authors}</p><p>{summary}</p>"),
        ("Di perpustakaan", f"<h1>Di perpustakaan</h1><p>Contoh e-book terbuka dari demo Pindai: pindai label QR "
                            f"buku ini di rak untuk melihat salinannya.</p><ul>{subjects}</ul>"),
    ]
    opf = (f'<?xml version="1.0" encoding="utf-8"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
           f'unique-identifier="uid" xml:lang="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           f'<dc:identifier id="uid">urn:uuid:{identifier}</dc:identifier><dc:title>{title}</dc:title>'
           f'<dc:creator>{authors}</dc:creator><dc:language>{escape(book.language or "id")}</dc:language>'
           f'<meta property="dcterms:modified">2026-01-01T00:00:00Z</meta></metadata><manifest>'
           f'<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           f'<item id="css" href="style.css" media-type="text/css"/>'
           + "".join(f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
                     for i in range(1, len(chapters) + 1))
           + '</manifest><spine>' + "".join(f'<itemref idref="c{i}"/>' for i in range(1, len(chapters) + 1))
           + '</spine></package>').encode()
    nav = _page("Daftar isi", '<nav epub:type="toc"><ol>' + "".join(
        f'<li><a href="c{i}.xhtml">{escape(name)}</a></li>' for i, (name, _b) in enumerate(chapters, start=1))
        + "</ol></nav>")
    files = [("mimetype", b"application/epub+zip"), ("META-INF/container.xml", _CONTAINER),
             ("EPUB/package.opf", opf), ("EPUB/nav.xhtml", nav),
             ("EPUB/style.css", b"body { font-family: serif; line-height: 1.6 } .by { font-style: italic }")]
    files += [(f"EPUB/c{i}.xhtml", _page(name, body)) for i, (name, body) in enumerate(chapters, start=1)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for index, (name, data) in enumerate(files):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=zipfile.ZIP_STORED if index == 0 else zipfile.ZIP_DEFLATED)
    return out.getvalue()
