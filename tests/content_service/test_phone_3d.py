"""3D models on the phone page through HTTP (SQLite and PostgreSQL): the
page carries <model-viewer> with the GLB, the USDZ when there is one, the size
budget's tap-to-load and the iPhone note; model-viewer comes from the service
(node_modules), and only a page with a model allows its one style hash. The
staff page warns about a model over the budget and one without a USDZ."""
from __future__ import annotations

import pytest

from content_service.catalogue.models import Asset
from content_service.headers import CSP
from tests.content_service.staff.conftest import make_staff, staff_client  # noqa: F401  (fixtures)
from content_service.public import MODEL_VIEWER_STYLES, NODE_MODULES, VENDOR
from content_service.staff.models import AssetFile
from tests.factories import make_book


def model(session, book, size: int, usdz: str | None = None) -> Asset:
    asset = Asset(book_id=book.id, kind="model3d", title="Buku 3D", media_hash="a" * 64,
                  media_type="model/gltf-binary", language="both", audience="all", published=True)
    session.add(asset)
    session.flush()
    session.add(AssetFile(asset_id=asset.id, size_bytes=size, usdz_hash=usdz))
    session.commit()
    return asset


def test_the_book_page_shows_the_model_inline_with_ar_as_an_extra(client, session):
    book = make_book(session, title="Ulat yang Sangat Lapar")
    model(session, book, 900_000, usdz="b" * 64)
    res = client.get(f"/books/{book.id}")
    html = res.get_data(as_text=True)
    assert '<model-viewer class="model"' in html and 'ios-src="/media/' + "b" * 64 + '.usdz"' in html
    assert 'ar-modes="webxr scene-viewer quick-look"' in html and 'reveal="manual"' not in html
    assert "GLB (878,9 KB)" in html or "GLB (879 KB)" in html
    assert "/vendor/model-viewer.min.js" in html and "iPhone perlu berkas USDZ" not in html
    assert MODEL_VIEWER_STYLES[0] in res.headers["Content-Security-Policy"]
    plain = make_book(session, title="Bumi")
    assert client.get(f"/books/{plain.id}").headers["Content-Security-Policy"] == CSP  # no model, no allowance


def test_a_model_over_the_budget_waits_for_a_tap_and_iphones_are_told(client, session):
    book = make_book(session, title="Atlas Besar")
    model(session, book, 7_800_000)
    html = client.get(f"/books/{book.id}").get_data(as_text=True)
    assert 'reveal="manual"' in html and "Ketuk untuk memuat model 3D (7,4 MB)" in html
    assert "quick-look" not in html and "iPhone perlu berkas USDZ" in html


def test_model_viewer_is_served_by_the_service_never_a_cdn(client):
    if not (NODE_MODULES / VENDOR["model-viewer.min.js"]).is_file():
        pytest.skip("needs model-viewer from npm (make setup runs npm ci)")
    res = client.get("/vendor/model-viewer.min.js")
    assert res.status_code == 200 and res.mimetype == "text/javascript" and b"model-viewer" in res.data
    assert client.get("/vendor/jquery.js").status_code == 404


def test_the_staff_page_warns_about_a_big_model_and_a_missing_usdz(app, session, staff_client):
    book = make_book(session, title="Atlas Besar")
    model(session, book, 7_800_000)
    client, _token = staff_client("librarian")
    html = client.get(f"/staff/books/{book.id}/content").get_data(as_text=True)
    assert "Model ini 7,4 MB, di atas 5 MB yang mudah dimuat ponsel" in html
    assert "Pindai belum bisa membuat USDZ dari GLB sendiri" in html
