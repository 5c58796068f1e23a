"""The public page a phone opens from a label, and its friendly errors."""
from __future__ import annotations

from content_service import codes
from content_service.codes.models import Code
from tests.factories import make_asset, make_book, make_code, make_item


def test_label_page_shows_book_copies_and_extras(client, session):
    book = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], isbn13="9789793062792",
                     summary="Sebelas anak Belitong.", subjects=["Fiksi", "Pendidikan"], call_number="899.221 3 HIR l",
                     publisher="Bentang Pustaka", year=2005, language="id")
    shelf = make_item(session, book, location="Lantai 2 · Fiksi Indonesia · Rak F2")
    make_item(session, book, status="on_loan", location="Lantai 2 · Fiksi Indonesia · Rak F2")
    make_asset(session, book, kind="link", title="Wawancara penulis", url="https://example.org/w")
    code = make_code(session, shelf)
    session.commit()
    res = client.get(f"/q/{code}", headers={"Accept-Language": "id"})
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    for text in ("Laskar Pelangi", "Andrea Hirata", "Sebelas anak Belitong.", "899.221 3 HIR l",
                 "Lantai 2 · Fiksi Indonesia · Rak F2", "1 dari 2 eksemplar ada di rak", "Wawancara penulis",
                 "Pendidikan", "Bentang Pustaka", "9789793062792", shelf.barcode, 'name="viewport"'):
        assert text in html, text
    english = client.get(f"/q/{code}?lang=en").get_data(as_text=True)
    assert "1 of 2 copies on the shelf" in english and "Where is it?" in english
    # The choice sticks for the next page.
    assert "1 of 2 copies on the shelf" in client.get(f"/q/{code}").get_data(as_text=True)


def test_book_without_copies(client, session):
    book = make_book(session, title="Cantik Itu Luka", call_number="899.221 3 KUR c")
    code = make_code(session, book)
    session.commit()
    html = client.get(f"/q/{code}", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Belum ada eksemplar di perpustakaan" in html
    assert "Belum ada konten tambahan" in html
    assert "899.221 3 KUR c" in html


def test_lowercase_code_redirects_to_canonical(client, session):
    book = make_book(session)
    code = make_code(session, book)
    session.commit()
    res = client.get(f"/q/{code.lower()}")
    assert res.status_code == 301 and res.headers["Location"].endswith(f"/q/{code}")


def test_unknown_and_retired_codes_get_friendly_pages(client, session):
    res = client.get("/q/ZZZZ2345", headers={"Accept": "text/html", "Accept-Language": "id"})
    assert res.status_code == 404 and res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    assert "Kode ini tidak dikenal" in html and "This code is not known" in html
    assert "Traceback" not in html
    book = make_book(session)
    code = make_code(session, book)
    codes.retire(session.get(Code, code))
    session.commit()
    gone = client.get(f"/q/{code}", headers={"Accept-Language": "en"})
    assert gone.status_code == 410 and "no longer in use" in gone.get_data(as_text=True)
    garbage = client.get("/q/%3Cscript%3E")
    assert garbage.status_code == 404 and "<script>" not in garbage.get_data(as_text=True)


def test_home_page_code_form(client, session):
    book = make_book(session)
    code = make_code(session, book)
    session.commit()
    assert "ABCD2345" in client.get("/").get_data(as_text=True)  # placeholder of the form
    res = client.get("/q", query_string={"code": f" {code[:4]}-{code[4:].lower()} "})
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/q/{code}")
    assert client.get("/q", query_string={"code": "??"}).status_code == 404


def test_unknown_url_and_method(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    wrong = client.post("/api/v1/resolve")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"


def test_media_is_served_with_range_and_etag(app, client, session):
    from content_service.catalogue.shapes import media_url

    with app.test_request_context():
        from content_service.media import storage

        digest = storage().put(b"0123456789" * 100)
        url = media_url(digest, "image/png").replace("http://localhost", "")
    assert client.get(url).status_code == 404  # stored, but nothing refers to it (docs/media.md)
    make_asset(session, make_book(session), kind="image", media_hash=digest, media_type="image/png", url=None)
    session.commit()
    res = client.get(url)
    assert res.status_code == 200 and res.headers["ETag"].strip('"') == digest
    assert "max-age=31536000" in res.headers["Cache-Control"]
    part = client.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == b"0123456789"
    assert client.get(url, headers={"If-None-Match": f'"{digest}"'}).status_code == 304
    assert client.get("/media/../../etc/passwd").status_code == 404
    assert client.get("/media/" + "0" * 64 + ".png").status_code == 404


def _stored_media(app, session, data=b"glTF-ish bytes"):
    from content_service.catalogue.shapes import media_url

    with app.test_request_context():
        from content_service.media import storage

        digest = storage().put(data)
        url = media_url(digest, "model/gltf-binary").replace("http://localhost", "")
    make_asset(session, make_book(session), kind="model3d", media_hash=digest,
               media_type="model/gltf-binary", url=None)
    session.commit()
    return url


def test_media_answers_cors_for_kiosk_pages_of_other_origins(app, client, session):
    """A kiosk page (another origin) fetches models with fetch(): /media/ says
    any origin may read it (published media is public), for reads only and
    without cookies; other paths say nothing."""
    url = _stored_media(app, session)
    kiosk = {"Origin": "http://127.0.0.1:8080"}
    res = client.get(url, headers=kiosk)
    assert res.status_code == 200
    assert res.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in res.headers
    assert res.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "Content-Range" in res.headers["Access-Control-Expose-Headers"]
    ranged = client.get(url, headers={**kiosk, "Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.headers["Access-Control-Allow-Origin"] == "*"
    pre = client.options(url, headers={**kiosk, "Access-Control-Request-Method": "GET",
                                       "Access-Control-Request-Headers": "range"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert pre.headers["Access-Control-Allow-Headers"] == "Range"
    assert client.post(url, headers=kiosk).status_code in (400, 405)
    # A missing file still answers CORS, so the page sees the 404 (not a network error).
    missing = client.get("/media/" + "0" * 64 + ".glb", headers=kiosk)
    assert missing.status_code == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/books", headers=kiosk).headers


def test_media_cors_limited_to_listed_origins(make_app):
    app = make_app(MEDIA_CORS_ORIGINS="http://kiosk-1.local:8080 http://kiosk-2.local:8080/")
    client = app.test_client()
    session = app.extensions["pindai.sessionmaker"]()
    try:
        url = _stored_media(app, session)
    finally:
        session.close()
    listed = client.get(url, headers={"Origin": "http://kiosk-2.local:8080"})
    assert listed.headers["Access-Control-Allow-Origin"] == "http://kiosk-2.local:8080"
    assert "Origin" in listed.headers["Vary"]
    other = client.get(url, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers
    none = make_app(MEDIA_CORS_ORIGINS="").test_client()
    assert "Access-Control-Allow-Origin" not in none.get(url, headers={"Origin": "http://kiosk-1.local:8080"}).headers


def test_home_page_searches_the_catalogue(client):
    html = client.get("/", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert 'action="/search"' in html and "Cari buku di katalog" in html


def test_home_search_does_not_capitalise_and_a_missing_page_offers_search(client):
    home = client.get("/", headers={"Accept-Language": "id"}).get_data(as_text=True)
    box = home.split('id="q"')[1].split(">")[0]
    assert 'autocapitalize="off"' in box  # "laskar pelangi" typed on a phone stays as typed
    missing = client.get("/no/such/page", headers={"Accept-Language": "id"})
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and 'id="error-search"' in page and "Cari buku di katalog" in page
    assert 'action="/search"' in page.split('id="error-search"')[0].rsplit("<form", 1)[1]
    bad = client.get("/q/", headers={"Accept-Language": "id"})
    assert bad.status_code != 500
