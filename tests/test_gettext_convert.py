"""tools/gettext_convert.py: hand-written bilingual errors become gettext calls whose
Indonesian lands in the catalogue, and the converted error still answers both languages."""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "content_service" / "translations"

SAMPLE = '''"""A feature written before the catalogues."""
from __future__ import annotations

from content_service import errors


class ShelfClosed(errors.PindaiError):
    status = 409
    code = "shelf_closed"
    message_id = "Rak ini sedang ditutup."
    message_en = "This shelf is closed."


def check(shelf: int, size: int) -> None:
    if shelf > 9:
        raise errors.NotFound(f"No shelf {shelf}.", message_id=f"Rak {shelf} tidak ada.")
    if size > 100:
        raise errors.BadRequest(f"At most 100 books, not {size}.", message_id=f"Paling banyak 100 buku, bukan {size}.",
                                limit=100)
'''


def _load(path: Path):
    spec = importlib.util.spec_from_file_location("converted_sample", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_conversion_keeps_the_indonesian_in_the_catalogue(make_app, tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import gettext_convert
    finally:
        sys.path.remove(str(ROOT / "tools"))
    translations = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, translations)
    po = translations / "id" / "LC_MESSAGES" / "messages.po"
    source = tmp_path / "shelves.py"
    source.write_text(SAMPLE)

    assert gettext_convert.main(["--po", str(po), str(source)]) == 0
    code = source.read_text()
    assert "message_id" not in code
    assert 'message_en = _l("This shelf is closed.")' in code
    assert '_l("No shelf %(shelf)s.", shelf=shelf)' in code
    assert '_l("At most 100 books, not %(size)s.", size=size),' in code and "limit=100" in code
    assert code.index("from flask_babel import lazy_gettext as _l") < code.index("from content_service import errors")
    with open(po, "rb") as f:
        catalogue = read_po(f, locale="id")
    assert catalogue.get("No shelf %(shelf)s.").string == "Rak %(shelf)s tidak ada."
    assert catalogue.get("This shelf is closed.").string == "Rak ini sedang ditutup."

    with open(po.with_suffix(".mo"), "wb") as f:  # what `make translations` would compile
        write_mo(f, catalogue)
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(translations))
    sample = _load(source)
    with app.test_request_context("/?lang=en"):
        for call, expected in ((lambda: sample.check(12, 1), ("No shelf 12.", "Rak 12 tidak ada.")),
                               (lambda: sample.check(1, 500), ("At most 100 books, not 500.", "Paling banyak 100 buku, bukan 500."))):
            try:
                call()
            except sample.errors.PindaiError as exc:
                body = exc.to_dict()
            assert (body["message"], body["message_id"]) == expected
        assert sample.ShelfClosed().to_dict()["message_id"] == "Rak ini sedang ditutup."
        assert body["details"] == {"limit": 100}
