"""Sharing: the Open Graph / Twitter tags of book and event pages (absolute,
escaped), the share links, and the square PNG posters read back by the
kiosk's own decoder."""
from __future__ import annotations

import io
from html.parser import HTMLParser
from itertools import combinations
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from PIL import Image

from content_service import codes, media
from content_service.events import schedule
from content_service.sharing import posters
from tests.conftest import PUBLIC_BASE_URL
from tests.content_service.events.helpers import make_event
from tests.content_service.staff.conftest import make_staff, staff_client  # noqa: F401  (fixtures)
from tests.factories import make_book, make_code

NASTY = 'Kata "Kutip" & <script>alert(1)</script>'
LONG_TITLE = ("Sejarah Panjang Perpustakaan Rakyat di Kepulauan Riau dari Masa ke Masa: Catatan Para Pustakawan, "
              "Guru, dan Pembaca Setia di Batam, Bintan, Karimun, Lingga, Natuna dan Kepulauan Anambas Sejak Tahun 1950")


class Head(HTMLParser):
    """The page's <meta> tags (property or name -> content), canonical link, and every link's href by class."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.links: dict[str, str] = {}
        self.inputs: dict[str, dict] = {}
        self.scripts: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content") or ""
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]
        elif tag == "a" and a.get("class"):
            for name in a["class"].split():
                self.links[name] = a["href"]
        elif tag == "input" and a.get("id"):
            self.inputs[a["id"]] = a
        elif tag == "script":
            self.scripts.append(a)


def decoded(png: bytes) -> list[str]:
    from kiosk.scan.decoding import decode

    image = np.array(Image.open(io.BytesIO(png)).convert("RGB"))[:, :, ::-1]  # BGR, as OpenCV reads a camera
    return [scan.text for scan in decode(image)]


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_a_book_page_tells_chat_apps_its_title_summary_and_poster(client, session):
    book = make_book(session, title=NASTY, authors=["Andrea Hirata"], summary="Kisah anak-anak Belitung. " * 30)
    session.commit()
    res = client.get(f"/books/{book.id}")
    html = res.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html  # autoescaped everywhere
    head = Head(html)
    url = f"{PUBLIC_BASE_URL}/books/{book.id}"
    assert head.canonical == url
    assert head.meta["og:title"] == head.meta["twitter:title"] == NASTY  # the parser unescapes what was escaped
    assert head.meta["og:url"] == url and head.meta["og:type"] == "book"
    assert head.meta["og:site_name"] == "Perpustakaan Kota Batam" and head.meta["og:locale"] == "id_ID"
    description = head.meta["og:description"]
    assert description == head.meta["twitter:description"] == head.meta["description"]
    assert description.startswith("Kisah anak-anak Belitung.") and description.endswith("…")
    assert len(description) <= 200 and "  " not in description
    assert head.meta["og:image"] == head.meta["twitter:image"] == f"{url}/poster.png"  # no cover: the poster
    assert head.meta["og:image:width"] == head.meta["og:image:height"] == "1080"
    assert head.meta["twitter:card"] == "summary_large_image"
    assert Head(client.get(f"/books/{book.id}?lang=en").get_data(as_text=True)).meta["og:locale"] == "en_US"
    # Opened from a label: the same card, the canonical address being the book's page.
    code = make_code(session, book)
    session.commit()
    assert Head(client.get(f"/q/{code}").get_data(as_text=True)).canonical == url


def test_a_book_with_a_cover_shares_the_cover_and_a_short_record_its_authors(client, session):
    cover = io.BytesIO()
    Image.new("RGB", (400, 600), (200, 40, 40)).save(cover, "PNG")
    with client.application.app_context():
        digest = media.storage().put(cover.getvalue())
    book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], cover_url=f"media:{digest}.png")
    session.commit()
    head = Head(client.get(f"/books/{book.id}").get_data(as_text=True))
    assert head.meta["og:image"] == f"{PUBLIC_BASE_URL}/media/{digest}.png"
    assert "og:image:width" not in head.meta  # a cover's size is not known
    assert head.meta["og:description"] == "oleh Andrea Hirata"
    poster = client.get(f"/books/{book.id}/poster.png")
    assert poster.status_code == 200 and _png(poster.data).size == (1080, 1080)
    assert _png(poster.data).getpixel((100, 300))[:3] == (200, 40, 40)  # the cover is on the poster


def test_the_share_links_carry_the_title_and_the_address_encoded(client, session):
    book = make_book(session, title="Bumi & Manusia? #1 100%")
    session.commit()
    page = client.get(f"/books/{book.id}").get_data(as_text=True)
    head = Head(page)
    url = f"{PUBLIC_BASE_URL}/books/{book.id}"
    whatsapp, facebook = urlsplit(head.links["share-whatsapp"]), urlsplit(head.links["share-facebook"])
    assert (whatsapp.scheme, whatsapp.netloc, whatsapp.path) == ("https", "wa.me", "/")
    assert parse_qs(whatsapp.query) == {"text": [f"Bumi & Manusia? #1 100% {url}"]}
    assert "&" not in whatsapp.query and "#" not in head.links["share-whatsapp"]  # encoded, not cut short
    assert (facebook.netloc, facebook.path) == ("www.facebook.com", "/sharer/sharer.php")
    assert parse_qs(facebook.query) == {"u": [url]}
    # Without script: the address to copy by hand, read-only; the script is a file (CSP: no inline script).
    field = head.inputs["share-url"]
    assert field["value"] == url and "readonly" in field
    assert {"type": "module", "src": "/static/share.js"} in head.scripts
    assert 'aria-label="Bagikan ke WhatsApp"' in page and "Salin tautan" in page and "Tautan disalin" in page
    assert client.get("/static/share.js").status_code == 200


def test_an_event_date_page_says_when_and_where_and_links_the_poster(client, session):
    event = make_event(session, title=NASTY, location="Ruang Anak, Lantai 1", summary="Dongeng untuk anak-anak.",
                       registration_required=True, capacity=20)
    key = schedule.occurrence_key(event.starts_at)
    page = client.get(f"/events/{event.id}/{key}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script>alert(1)" not in html
    head = Head(html)
    url = f"{PUBLIC_BASE_URL}/events/{event.id}/{key}"
    assert head.canonical == head.meta["og:url"] == url
    assert head.meta["og:title"] == NASTY and head.meta["og:type"] == "website"
    assert "WIB" in head.meta["og:description"] and "Ruang Anak, Lantai 1" in head.meta["og:description"]
    assert head.meta["og:description"].endswith("Dongeng untuk anak-anak.")
    assert head.meta["og:image"] == f"{PUBLIC_BASE_URL}/events/{event.id}/poster.png"
    assert parse_qs(urlsplit(head.links["share-facebook"]).query) == {"u": [url]}
    assert parse_qs(urlsplit(head.links["share-whatsapp"]).query) == {"text": [f"{NASTY} {url}"]}
    english = Head(client.get(f"/events/{event.id}/{key}?lang=en").get_data(as_text=True))
    assert english.meta["og:locale"] == "en_US" and english.canonical == url


def test_the_event_poster_is_square_and_its_qr_opens_the_event(client, session):
    event = make_event(session, title="Cerita di Pagi Hari", location="Ruang Anak", registration_required=True,
                       rrule="FREQ=WEEKLY;BYDAY=SA")
    res = client.get(f"/events/{event.id}/poster.png")
    assert res.status_code == 200 and res.mimetype == "image/png"
    assert res.headers["Cache-Control"] == "public, max-age=3600" and res.headers["ETag"]
    assert _png(res.data).size == (1080, 1080)
    code = codes.active_code_for(session, "event", event.id)
    assert code is not None  # the poster's code, minted on the first request
    label = codes.label_url(PUBLIC_BASE_URL, code.code)
    assert decoded(res.data) == [label]
    # The label leads to the event, as the A4 poster's does.
    assert client.get(urlsplit(label).path).headers["Location"].endswith(f"/events/{event.id}")
    again = client.get(f"/events/{event.id}/poster.png", headers={"If-None-Match": res.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(f"/events/{event.id}/poster.png").data == res.data  # the same code, the same picture


def test_a_book_poster_with_a_200_character_title_still_fits_and_scans(client, session):
    assert len(LONG_TITLE) >= 200
    book = make_book(session, title=LONG_TITLE, authors=["Tim Penulis Perpustakaan Kota Batam"] * 3,
                     subtitle="Edisi Revisi dengan Foto-foto Arsip yang Belum Pernah Diterbitkan Sebelumnya")
    session.commit()
    res = client.get(f"/books/{book.id}/poster.png")
    assert _png(res.data).size == (1080, 1080)
    assert decoded(res.data) == [codes.label_url(PUBLIC_BASE_URL, codes.active_code_for(session, "book", book.id).code)]


@pytest.mark.parametrize("title", ["Dongeng", LONG_TITLE, "A" * 200, "Perpustakaan" * 20])
@pytest.mark.parametrize("cover", [False, True])
def test_no_text_leaves_its_place_on_the_poster(title, cover, tmp_path):
    path = None
    if cover:
        path = str(tmp_path / "cover.png")
        Image.new("RGB", (400, 600), "red").save(path)
    poster = posters.Poster(heading="Mendongeng · Storytelling", title=title,
                            lines=("Sabtu, 05 Desember 2026", "pukul 09.00–10.30 WIB", "Ruang Anak, Lantai 1 " * 6),
                            url=f"{PUBLIC_BASE_URL}/q/ABCD1234", code="ABCD1234", library="Perpustakaan Kota Batam " * 3,
                            hint=("Pindai untuk detail dan pendaftaran.", "Scan for details and registration."),
                            cover=path)
    spot = posters.layout(poster)
    boxes = [text.bbox for text in spot.texts]
    inside = (posters.MARGIN // 2, 0, posters.SIZE - posters.MARGIN // 2, posters.SIZE - posters.MARGIN // 2)
    for box in boxes:
        assert inside[0] <= box[0] and box[2] <= inside[2] and inside[1] <= box[1] and box[3] <= inside[3], box

    def overlap(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    assert not [box for box in boxes if overlap(box, spot.qr_box)]
    assert not spot.cover_box or not [box for box in boxes if overlap(box, spot.cover_box)]
    assert not [(a, b) for a, b in combinations(boxes, 2) if overlap(a, b)]
    title_lines = [t.text for t in spot.texts if t.size == spot.title_size and t.style == "bold" and t.fill == posters.INK]
    drawn = "".join(title_lines).replace(" ", "")
    assert drawn == title.replace(" ", "") or (drawn.endswith("…") and title.replace(" ", "").startswith(drawn[:-1]))
    if len(title) < 20:
        assert spot.title_size == max(posters.TITLE_SIZES)  # a short title is drawn big
    assert decoded(posters.render(poster)) == [poster.url]


def test_unknown_and_unpublished_ones_are_not_found(client, session):
    draft = make_event(session, title="Draf Rahasia", status="draft")
    for path in ("/books/999999/poster.png", "/events/999999/poster.png", f"/events/{draft.id}/poster.png"):
        page = client.get(path)
        assert page.status_code == 404 and page.mimetype == "text/html", path
        api = client.get(path, headers={"Accept": "application/json"})
        assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found", path


def test_staff_download_the_posters_from_the_portal(app, client, session, staff_client):
    book = make_book(session, title="Laskar Pelangi")
    draft = make_event(session, title="Lomba Mewarnai", status="draft")
    session.commit()
    assert client.get(f"/staff/books/{book.id}/poster.png").status_code in (302, 401)  # behind the login
    staff, _token = staff_client("librarian")
    record = staff.get(f"/staff/books/{book.id}").get_data(as_text=True)
    assert f'href="/staff/books/{book.id}/poster.png" download>Unduh poster Instagram (PNG)</a>' in record
    png = staff.get(f"/staff/books/{book.id}/poster.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and _png(png.data).size == (1080, 1080)
    assert png.headers["Content-Disposition"] == f'attachment; filename="poster-buku-{book.id}.png"'
    assert png.headers["Cache-Control"] == "private, no-cache"
    listing = staff.get("/staff/events").get_data(as_text=True)
    assert f'href="/staff/events/{draft.id}/poster.png" download>Unduh poster Instagram (PNG)</a>' in listing
    assert "Unduh poster Instagram (PNG)" in staff.get(f"/staff/events/{draft.id}/poster").get_data(as_text=True)
    event_png = staff.get(f"/staff/events/{draft.id}/poster.png")  # a draft: ready before it is published
    assert event_png.status_code == 200 and decoded(event_png.data) == [
        codes.label_url(PUBLIC_BASE_URL, codes.active_code_for(session, "event", draft.id).code)]
    assert event_png.headers["Content-Disposition"] == f'attachment; filename="poster-acara-{draft.id}.png"'
    assert staff.get("/staff/books/999999/poster.png").status_code == 404
