"""``codes.lookup_code``: the one check that a typed or scanned code is in
use, shared by the resolve API, the label pages and self-checkout."""
from __future__ import annotations

import pytest

from content_service import codes, errors
from tests.factories import make_book, make_code


def test_a_code_in_use_is_found_as_typed_with_misreadings(session):
    book = make_book(session, copies=1)
    code = make_code(session, book.items[0])
    typed = f"{code[:4].lower()}-{code[4:]}".replace("0", "o").replace("1", "l")
    assert codes.lookup_code(session, typed).code == code


@pytest.mark.parametrize("text", [None, "", "not a code", "ZZZZZZZZ"])
def test_what_is_no_code_is_unknown(session, text):
    with pytest.raises(errors.UnknownCode):
        codes.lookup_code(session, text)


def test_a_retired_label_and_a_withdrawn_copy_are_retired(session):
    book = make_book(session, copies=2)
    retired = codes.mint(session, "item", book.items[0].id)
    codes.retire(retired)
    withdrawn = make_code(session, book.items[1])
    book.items[1].status = "withdrawn"
    session.flush()
    for code in (retired.code, withdrawn):
        with pytest.raises(errors.RetiredCode):
            codes.lookup_code(session, code)


def test_every_entry_point_refuses_a_withdrawn_copy_alike(app, client, session):
    book = make_book(session, copies=1)
    code = make_code(session, book.items[0])
    book.items[0].status = "withdrawn"
    session.commit()
    assert client.get(f"/api/v1/resolve?payload={code}").get_json()["error"]["code"] == "retired_code"
    assert client.get(f"/q/{code}", headers={"Accept": "application/json"}).status_code == 410
