"""The staff guide to extras: in Indonesian and English, the upload limits as
this server has them (a PINDAI_UPLOAD_LIMITS change shows), example files
that pass the portal's own upload checks, and a link to it from every form
that uploads an extra or a cover."""
from __future__ import annotations

import re

from content_service.media import checks
from tests.factories import make_book


def text(res) -> str:
    return re.sub(r"\s+", " ", res.get_data(as_text=True))


def test_the_guide_in_both_languages_with_this_server_s_limits(app, staff_client):
    client, _ = staff_client("editor")
    page = client.get("/staff/guide")
    assert page.status_code == 200
    html = text(page)
    assert "Panduan membuat dan mengunggah konten tambahan" in html and 'lang="id"' in html
    for section in ("video", "audio", "image", "model3d", "ar_overlay", "ebook", "link"):
        assert f'id="{section}"' in html, section
    assert re.search(r'id="limit-video">.*?60 MB', html) and re.search(r'id="limit-model3d">.*?30 MB.*?5 MB', html)
    assert "ffmpeg -i rekaman.mov" in html
    english = text(client.get("/staff/guide?lang=en"))
    assert "Making and uploading good extras" in english and "Panduan membuat" not in english
    app.config["UPLOAD_LIMITS"] = {"video": 25 * 1024 * 1024}
    assert re.search(r'id="limit-video">.*?25 MB', text(client.get("/staff/guide")))


def test_the_example_files_are_what_the_upload_checks_accept(staff_client):
    client, _ = staff_client("editor")
    html = client.get("/staff/guide").get_data(as_text=True)
    for kind, name in (("ar_overlay", "stiker-ar-contoh.png"), ("model3d", "buku-3d-contoh.glb")):
        assert f'id="example-{kind}"' in html
        res = client.get(f"/staff/guide/examples/{name}")
        assert res.status_code == 200 and name in res.headers["Content-Disposition"]
        checks.check(kind, res.data)  # raises if the portal would refuse its own example
    assert client.get("/staff/guide/examples/../../etc/passwd").status_code == 404
    assert client.get("/staff/guide/examples/nothing.png").status_code == 404


def test_every_upload_form_links_to_the_guide(app, session, staff_client):
    client, _ = staff_client("librarian")
    book = make_book(session, title="Laskar Pelangi")
    session.commit()
    extras = text(client.get(f"/staff/books/{book.id}/content"))
    assert 'href="/staff/guide"' in extras and "Cara membuat konten tambahan yang baik" in extras
    event_form = text(client.get("/staff/events/new"))
    assert 'href="/staff/guide#image"' in event_form


def test_only_staff_read_the_guide(app):
    res = app.test_client().get("/staff/guide")
    assert res.status_code == 302 and "/staff/login" in res.headers["Location"]


def test_the_guide_names_the_buttons_staff_see(staff_client, session):
    """"Open the book under Books, then ...": the words the guide says to tap are the
    portal's own, in either language (the guide said 'Ekstra'; the button is 'Kelola konten')."""
    book = make_book(session, title="Laskar Pelangi")
    session.commit()
    client, _ = staff_client("editor")
    for lang in ("id", "en"):
        guide = text(client.get(f"/staff/guide?lang={lang}"))
        menu, button = re.search(r"<li>(?:Buka buku di|Open the book under) <em>(.+?)</em>, "
                                 r"(?:lalu|then) <em>(.+?)</em>\.", guide).groups()
        page = text(client.get(f"/staff/books/{book.id}?lang={lang}"))
        assert f">{menu}</a>" in page, (lang, menu)
        assert re.search(rf">{re.escape(button)} \(\d+\)</a>", page), (lang, button)
    assert "ekstra" not in text(client.get("/staff/guide?lang=id")).lower().replace("extras", "")
