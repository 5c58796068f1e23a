"""How SLiMS's values become Pindai's: a title split at its ISBD colon,
item statuses, member types as patron categories, member ids as cards."""
from __future__ import annotations

import re

from ..circulation.patrons import CATEGORY_WORDS, normalise_card
from ..imports import cleaning
from ..imports.slims_export import split_title  # noqa: F401  (one reading of SLiMS titles for sync and CSV)
from .reading import SlimsCopy

# Staff-block texts the sync owns (it sets and clears only these).
PENDING_BLOCK = "Keanggotaan masih menunggu persetujuan di SLiMS (pending) / Membership pending in SLiMS"
GONE_BLOCK = "Tidak lagi terdaftar di SLiMS / No longer a member in SLiMS"
SYNC_BLOCKS = (PENDING_BLOCK, GONE_BLOCK)

# Member type names Indonesian libraries give, beyond the patron import's words.
EXTRA_CATEGORY_WORDS = {
    "anak": "child", "balita": "child", "sd": "child", "pelajar": "student", "siswa": "student", "smp": "student",
    "sma": "student", "smk": "student", "mahasiswa": "student", "guru": "staff", "dosen": "staff",
    "pegawai": "staff", "staf": "staff", "karyawan": "staff", "pns": "staff", "asn": "staff",
}


def copy_status(copy: SlimsCopy) -> str:
    """Pindai's status of a SLiMS copy. Out on loan wins; SLiMS's "no loan"
    statuses tell apart a copy gone from the shelf (missing: stock-taking
    skips it), one away for a while (repair) and one read in the library."""
    if copy.on_loan:
        return "on_loan"
    if not copy.no_loan:
        return "available"
    name = (copy.status_name or "").lower()
    if copy.skip_stock_take or re.search(r"missing|hilang|lost", name):
        return "missing"
    if (copy.status_id or "").upper() == "R" or re.search(r"repair|perbaik|rusak|jilid", name):
        return "in_transit"
    return "reference"


def category(member_type: str | None) -> str:
    """A patron category from a SLiMS member type name ("Pelajar" ->
    student); types with no known word are ``adult``."""
    text = (member_type or "").strip().lower()
    words = {**CATEGORY_WORDS, **EXTRA_CATEGORY_WORDS}
    if text in words:
        return words[text]
    for word in re.split(r"[^a-z0-9-]+", text):
        if word in words:
            return words[word]
    return "adult"


def card_number(member_id: str) -> str | None:
    return normalise_card(member_id)


def isbn13(value: str | None, notes: list[str]) -> str | None:
    """SLiMS's one ``isbn_issn`` field: an ISSN or a note there is no ISBN."""
    text = (value or "").strip()
    if not text or re.fullmatch(r"\d{4}-?\d{3}[\dXx]", text):
        return None
    return cleaning.parse_isbn(text, notes)
