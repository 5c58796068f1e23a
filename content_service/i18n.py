"""Interface text, Bahasa Indonesia first and English second. The language
comes from ``?lang=``, then a cookie, then the browser's Accept-Language."""
from __future__ import annotations

from flask import Flask, g, request

LANGUAGES = ("id", "en")

TEXT = {
    "library": ("Perpustakaan Kota Batam", "Batam City Public Library"),
    "tagline": ("Pindai label QR di buku untuk melihat isinya.", "Scan the QR label on a book to see what it holds."),
    "by": ("oleh", "by"),
    "where": ("Di mana bukunya?", "Where is it?"),
    "copies_on_shelf": ("{available} dari {total} eksemplar ada di rak", "{available} of {total} copies on the shelf"),
    "status.available": ("Tersedia", "Available"),
    "status.all_on_loan": ("Semua sedang dipinjam", "All copies on loan"),
    "status.reference_only": ("Hanya baca di tempat", "Reference only (read in the library)"),
    "status.no_copies": ("Belum ada eksemplar di perpustakaan", "No copies in the library yet"),
    "this_copy": ("Eksemplar ini", "This copy"),
    "item_status.available": ("ada di rak", "on the shelf"),
    "item_status.on_loan": ("sedang dipinjam", "on loan"),
    "item_status.reference": ("koleksi referensi", "reference copy"),
    "item_status.in_transit": ("dalam perjalanan", "in transit"),
    "item_status.missing": ("hilang", "missing"),
    "item_status.withdrawn": ("ditarik", "withdrawn"),
    "summary": ("Ringkasan", "Summary"),
    "subjects": ("Subjek", "Subjects"),
    "details": ("Detail", "Details"),
    "publisher": ("Penerbit", "Publisher"),
    "year": ("Tahun", "Year"),
    "language": ("Bahasa", "Language"),
    "call_number": ("Nomor panggil", "Call number"),
    "extras": ("Konten tambahan", "Extras"),
    "no_extras": ("Belum ada konten tambahan untuk buku ini.", "No extras for this book yet."),
    "open_link": ("Buka tautan", "Open link"),
    "view_3d": ("Lihat model 3D", "View 3D model"),
    "switch_language": ("English", "Bahasa Indonesia"),
    "enter_code": ("Ketik kode di bawah QR", "Type the code under the QR"),
    "go": ("Buka", "Open"),
    "search_catalogue": ("Cari buku di katalog", "Search the catalogue"),
    "search_go": ("Cari", "Search"),
    "back_home": ("Kembali ke beranda", "Back to the home page"),
    "error_title": ("Maaf", "Sorry"),
    "lang.id": ("Bahasa Indonesia", "Indonesian"),
    "lang.en": ("Bahasa Inggris", "English"),
    "audience": ("Untuk", "For"),
    "audience.children": ("Anak-anak", "Children"),
    "audience.teens": ("Remaja", "Teens"),
    "audience.adults": ("Dewasa", "Adults"),
    "audience.all": ("Semua umur", "All ages"),
}


def current_language() -> str:
    if "lang" not in g:
        chosen = request.args.get("lang") or request.cookies.get("lang")
        if chosen not in LANGUAGES:
            chosen = request.accept_languages.best_match(LANGUAGES, default="id")
        g.lang = chosen
    return g.lang


def t(key: str, **values) -> str:
    """The text for ``key`` in the current language."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    text = pair[LANGUAGES.index(current_language())]
    return text.format(**values) if values else text


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(t=t, current_language=current_language)

    @app.after_request
    def _remember_language(response):
        chosen = request.args.get("lang")
        if chosen in LANGUAGES:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response
