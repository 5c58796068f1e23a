"""The event form's related books and cover, through the staff portal: books
picked from the catalogue search (the JSON search the script uses, and the
no-script "Cari buku" post), unknown ids refused with nothing lost; covers
uploaded through the media checks, shown on the public page, refused with the
reason, kept, held across a refused post and removed."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from content_service.catalogue.models import Book
from content_service.events import schedule
from content_service.events.models import Event
from tests.content_service.staff import samples
from tests.content_service.staff.conftest import csrf_token, login, make_staff, staff_client  # noqa: F401 (fixtures)
from tests.factories import make_book

from .helpers import make_event


@pytest.fixture
def librarian(staff_client):
    return staff_client("librarian")


@pytest.fixture
def books(session):
    made = {
        "kancil": make_book(session, title="Kancil dan Buaya", authors=["Tim Dongeng"], year=2001),
        "cerdik": make_book(session, title="Si Kancil Cerdik", authors=["Ayu Lestari"], year=2015),
        "laskar": make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], year=2005),
    }
    session.commit()
    return made


def _form(token: str, **fields) -> dict:
    day = schedule.local(schedule.now()).date() + timedelta(days=7)
    return {"csrf_token": token, "title": "Dongeng Kancil", "category": "storytelling", "audience": "children",
            "location": "Ruang Anak", "status": "published", "start": f"{day}T09:00", "end": f"{day}T10:00",
            "repeat": "none", **fields}


def _post(client, path: str, form: dict, cover: tuple[bytes, str] | None = None):
    data = dict(form)
    if cover is not None:
        data["cover"] = (io.BytesIO(cover[0]), cover[1])
    return client.post(path, data=data, content_type="multipart/form-data")


def _events(session) -> list[Event]:
    session.rollback()  # a fresh snapshot of what the requests wrote
    session.expire_all()
    return session.scalars(select(Event)).all()


def _store(app) -> list[Path]:
    root = Path(app.config["MEDIA_ROOT"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# -- related books ----------------------------------------------------------

def test_the_json_search_finds_books_by_title_author_and_leaves_chosen_ones_out(librarian, books):
    staff, _token = librarian
    found = staff.get("/staff/events/books", query_string={"q": "kancil"}).get_json()["items"]
    assert found == [{"id": books["kancil"].id, "title": "Kancil dan Buaya", "authors": ["Tim Dongeng"], "year": 2001},
                     {"id": books["cerdik"].id, "title": "Si Kancil Cerdik", "authors": ["Ayu Lestari"], "year": 2015}]
    by_author = staff.get("/staff/events/books", query_string={"q": "hirata"}).get_json()["items"]
    assert [b["title"] for b in by_author] == ["Laskar Pelangi"]
    left = staff.get("/staff/events/books", query_string={"q": "kancil", "leave_out": str(books["kancil"].id)})
    assert [b["title"] for b in left.get_json()["items"]] == ["Si Kancil Cerdik"]
    assert staff.get("/staff/events/books", query_string={"q": ""}).get_json() == {"items": []}
    assert staff.get("/staff/events/books", query_string={"q": "x" * 201}).status_code == 400


def test_the_book_search_is_behind_the_staff_login(app, books):
    anonymous = app.test_client().get("/staff/events/books", query_string={"q": "kancil"})
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"]


def test_books_found_without_script_are_ticked_saved_and_shown_by_title(session, librarian, books):
    staff, token = librarian
    # "Cari buku" posts the form back unsaved: the matches are boxes to tick, everything typed is kept.
    searched = _post(staff, "/staff/events/new", _form(token, book_q="kancil", find_books="1",
                                                      description="Dongeng hewan untuk anak"))
    page = searched.get_data(as_text=True)
    assert searched.status_code == 200 and _events(session) == []
    assert "Ditemukan: 2. Centang buku yang ingin ditambahkan" in page
    assert f'name="book_id" value="{books["kancil"].id}">' in page  # a box, not ticked yet
    assert "Kancil dan Buaya — Tim Dongeng (2001)" in page and "Laskar Pelangi" not in page
    assert 'value="Dongeng Kancil"' in page and "Dongeng hewan untuk anak" in page and 'value="kancil"' in page
    # Ticking one and searching again keeps it as a chosen book, and leaves it out of the matches.
    again = _post(staff, "/staff/events/new", {**_form(token, book_q="kancil", find_books="1"),
                                               "book_id": str(books["cerdik"].id)}).get_data(as_text=True)
    assert f'name="book_id" value="{books["cerdik"].id}" checked' in again and "Ditemukan: 1." in again
    nothing = _post(staff, "/staff/events/new", _form(token, book_q="zzz", find_books="1")).get_data(as_text=True)
    assert "Tidak ada buku yang cocok dengan pencarian itu." in nothing
    saved = staff.post("/staff/events/new", data={**_form(token), "book_id": [str(books["cerdik"].id),
                                                                              str(books["kancil"].id)]})
    assert saved.status_code == 303, saved.get_data(as_text=True)[-1500:]
    event = _events(session)[0]
    assert [b.title for b in event.books] == ["Kancil dan Buaya", "Si Kancil Cerdik"]
    edit = staff.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert "Si Kancil Cerdik — Ayu Lestari (2015)" in edit and "Kancil dan Buaya — Tim Dongeng (2001)" in edit
    assert f'name="book_id" value="{books["kancil"].id}" checked' in edit
    assert 'name="book_ids"' not in edit  # ids are no longer typed
    # Unticking one on the edit form drops it; the older comma field is still read.
    staff.post(f"/staff/events/{event.id}/edit", data={**_form(token), "book_id": str(books["kancil"].id)})
    assert [b.title for b in _events(session)[0].books] == ["Kancil dan Buaya"]
    staff.post(f"/staff/events/{event.id}/edit", data={**_form(token), "book_ids": f"{books['laskar'].id}, "})
    assert [b.title for b in _events(session)[0].books] == ["Laskar Pelangi"]


def test_an_unknown_or_deleted_book_is_refused_clearly_and_nothing_is_lost(session, librarian, books):
    staff, token = librarian
    gone = make_book(session, title="Buku Terhapus")
    session.commit()
    gone_id = gone.id
    session.delete(gone)
    session.commit()
    refused = staff.post("/staff/events/new", data={**_form(token, description="Jangan hilang"),
                                                    "book_id": [str(books["laskar"].id), str(gone_id)]})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'role="alert"' in page
    assert f"Buku dengan id {gone_id} tidak ada." in page
    assert f"Buku {gone_id} tidak ada di katalog (sudah dihapus?)" in page
    assert f'name="book_id" value="{gone_id}" checked' in page  # still there: staff decide
    assert "Laskar Pelangi — Andrea Hirata (2005)" in page and "Jangan hilang" in page
    assert _events(session) == []
    forged = staff.post("/staff/events/new", data={**_form(token), "book_id": "1 OR 1=1"})
    assert forged.status_code == 400
    assert "Buku terkait dipilih lewat pencarian katalog; &#39;1 OR 1=1&#39; bukan buku." in forged.get_data(as_text=True)


# -- the cover ----------------------------------------------------------------

def test_an_uploaded_cover_is_stored_shown_kept_and_removed(app, client, session, librarian):
    staff, token = librarian
    saved = _post(staff, "/staff/events/new", _form(token), cover=(samples.jpeg(), "sampul.jpg"))
    assert saved.status_code == 303, saved.get_data(as_text=True)[-1500:]
    event = _events(session)[0]
    found = re.fullmatch(r"media:([0-9a-f]{64})\.jpg", event.cover_url)
    assert found, event.cover_url
    # On the public page, served from the media store as pixels only (EXIF and GPS gone).
    public = client.get(f"/events/{event.id}", follow_redirects=True).get_data(as_text=True)
    src = re.search(r'<img class="cover" src="([^"]+)"', public).group(1)
    assert src.endswith(f"/media/{found[1]}.jpg")
    served = client.get(src.replace("https://pindai.example.id", ""))
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and b"SecretPhone" not in served.data
    assert Image.open(io.BytesIO(served.data)).size == (640, 480)
    # The edit form shows it, with "Hapus sampul"; saving with no file keeps it.
    edit = staff.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert f'src="/media/{found[1]}.jpg"' in edit and "Hapus sampul" in edit
    assert 'name="cover_url"' not in edit and 'enctype="multipart/form-data"' in edit
    assert _post(staff, f"/staff/events/{event.id}/edit", _form(token, title="Dongeng Kancil 2")).status_code == 303
    assert _events(session)[0].cover_url == event.cover_url
    # A new file replaces it; "Hapus sampul" takes it away, and visitors no longer get the file.
    _post(staff, f"/staff/events/{event.id}/edit", _form(token), cover=(samples.png(), "baru.png"))
    replaced = _events(session)[0].cover_url
    assert replaced.startswith("media:") and replaced.endswith(".png")
    assert _post(staff, f"/staff/events/{event.id}/edit", _form(token, remove_cover="on")).status_code == 303
    assert _events(session)[0].cover_url is None
    assert client.get(f"/media/{replaced.removeprefix('media:')}").status_code == 404
    assert '<img class="cover"' not in client.get(f"/events/{event.id}", follow_redirects=True).get_data(as_text=True)


REFUSED = [
    (samples.html, "sampul.jpg", 415, "SVG, HTML"),
    (samples.svg, "sampul.png", 415, "SVG, HTML"),
    (lambda: samples.SCRIPT + bytes(100), "sampul.jpg", 415, "SVG, HTML"),
    (lambda: b"%PDF-1.4 bukan gambar", "sampul.jpg", 415, "bukan gambar JPEG, PNG atau WebP"),
    (samples.gif, "sampul.gif", 415, "image/gif"),
    (lambda: samples.video(frames=5), "sampul.png", 415, "video/mp4"),
    (samples.png_bomb, "bom.png", 422, "megapiksel"),
    (lambda: samples.png()[:200], "rusak.png", 422, "rusak"),
]


@pytest.mark.parametrize("make, name, status, says", REFUSED, ids=[r[1] + "-" + str(r[2]) for r in REFUSED])
def test_a_refused_cover_says_why_and_keeps_what_was_typed(app, session, librarian, books, make, name, status, says):
    staff, token = librarian
    event = make_event(session, title="Pameran Batik", cover_url=None)
    original = _post(staff, f"/staff/events/{event.id}/edit", _form(token), cover=(samples.png(), "lama.png"))
    assert original.status_code == 303
    kept = _events(session)[0].cover_url
    stored = _store(app)
    refused = _post(staff, f"/staff/events/{event.id}/edit",
                    {**_form(token, title="Pameran Batik Nusantara", description="Kain dari 20 daerah"),
                     "book_id": str(books["laskar"].id)}, cover=(make(), name))
    page = refused.get_data(as_text=True)
    assert refused.status_code == status, page[-1500:]
    assert 'role="alert"' in page and says in page
    assert 'value="Pameran Batik Nusantara"' in page and "Kain dari 20 daerah" in page
    assert "Laskar Pelangi — Andrea Hirata (2005)" in page
    after = _events(session)[0]
    assert (after.title, after.cover_url, after.books) == ("Dongeng Kancil", kept, [])
    assert _store(app) == stored  # nothing of the refused file was written


def test_the_malicious_images_of_the_upload_corpus_are_refused_as_covers(app, session, librarian):
    from tests.security import malicious

    staff, token = librarian
    cases = [(name, make) for name, kind, make, _cls in malicious.CASES if kind in ("image", "ar_overlay")]
    assert len(cases) >= 5
    for name, make in cases:
        refused = _post(staff, "/staff/events/new", _form(token), cover=(make(), "sampul.png"))
        assert 400 <= refused.status_code < 500, name
        assert 'role="alert"' in refused.get_data(as_text=True), name
    assert _events(session) == [] and _store(app) == []


def test_a_cover_over_the_limit_is_refused_with_the_limit(make_app, make_staff):
    app = make_app(UPLOAD_LIMITS={"image": 2000}, MAX_CONTENT_LENGTH=300_000)
    make_staff("librarian")
    staff = app.test_client()
    login(staff, "librarian-user")
    token = csrf_token(staff, "/staff/events/new")
    big = _post(staff, "/staff/events/new", _form(token), cover=(samples.png(size=(400, 400)) + bytes(3000), "besar.png"))
    page = big.get_data(as_text=True)
    assert big.status_code == 413 and "batas untuk gambar adalah 2 KB" in page and 'value="Dongeng Kancil"' in page
    assert "paling besar 2 KB" in page  # the form says the limit before anyone tries
    # Beyond the whole-request limit the server stops reading: the form comes back saying so.
    huge = _post(staff, "/staff/events/new", _form(token), cover=(bytes(400_000), "raksasa.png"))
    assert huge.status_code == 413 and "Formulir terlalu besar" in huge.get_data(as_text=True)
    assert 'class="card grid event-form"' in huge.get_data(as_text=True)
    with app.app_context():
        session = app.extensions["pindai.sessionmaker"]()
        assert session.scalar(select(func.count()).select_from(Event)) == 0
        session.close()
    assert _store(app) == []


def test_a_cover_uploaded_on_a_refused_post_is_held_until_saved(app, client, session, librarian):
    staff, token = librarian
    refused = _post(staff, "/staff/events/new", _form(token, age_min="9", age_max="5"), cover=(samples.webp(), "s.webp"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Sudah diunggah; tersimpan bersama acara." in page
    held = re.search(r'name="cover_held" value="([^"]+)"', page).group(1)
    preview = re.search(r'<img src="(/staff/events/cover/[^"]+)"', page).group(1)
    assert staff.get(preview).mimetype == "image/webp"
    assert client.get(preview).status_code == 302  # behind the login
    assert staff.get("/staff/events/cover/forged-token").status_code == 404
    # The next post carries the held cover: no file chosen again.
    saved = _post(staff, "/staff/events/new", _form(token, age_min="5", age_max="9", cover_held=held))
    assert saved.status_code == 303
    assert re.fullmatch(r"media:[0-9a-f]{64}\.webp", _events(session)[0].cover_url)
    forged = _post(staff, "/staff/events/new", _form(token, cover_held="media:" + "0" * 64 + ".png"))
    assert forged.status_code == 400 and "Sampul yang dipilih tadi tidak ditemukan" in forged.get_data(as_text=True)


def test_a_typed_cover_address_is_no_longer_taken_but_one_set_by_command_is_kept(session, librarian):
    staff, token = librarian
    typed = staff.post("/staff/events/new", data=_form(token, cover_url="https://contoh.example/sampul.png"))
    assert typed.status_code == 400 and "alamat web tidak diterima lagi" in typed.get_data(as_text=True)
    event = make_event(session, title="Dongeng Kancil", cover_url="https://perpus.example/poster.jpg")
    edit = staff.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'src="https://perpus.example/poster.jpg"' in edit
    assert _post(staff, f"/staff/events/{event.id}/edit", _form(token, location="Aula")).status_code == 303
    assert _events(session)[0].cover_url == "https://perpus.example/poster.jpg"
    assert session.scalar(select(func.count()).select_from(Book)) == 0
