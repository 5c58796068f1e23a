"""Search over HTTP: the three endpoints against the OpenAPI document, facets,
filters, paging, bad input, and the index following catalogue commits."""
from __future__ import annotations

import pytest

from content_service.catalogue.models import Book, Item
from tests.factories import make_book, make_item


@pytest.fixture(params=["whoosh", "tantivy", "postgres"])
def app(make_app, db_url, request):
    """Every search test runs on the three backends of the registry: the
    PostgreSQL one on PostgreSQL only, the two embedded ones on SQLite only
    (what differs per database is their shared, database-reading part)."""
    skip_other_databases(request.param, db_url)
    return make_app(SEARCH_BACKEND=request.param)


def skip_other_databases(backend: str, db_url: str) -> None:
    if backend == "postgres" and db_url.startswith("sqlite"):
        pytest.skip("the postgres backend needs PostgreSQL")
    if backend == "tantivy" and not db_url.startswith("sqlite"):
        pytest.skip("the backends share their database code: tantivy is tested on SQLite")


@pytest.fixture
def library(session):
    """A small mixed catalogue: Indonesian and English, children's books."""
    books = {
        "laskar": make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], language="id", year=2005,
                            subjects=["Novel", "Persahabatan"], copies=2, call_number="899.221 HIR l"),
        "maryamah": make_book(session, title="Maryamah Karpov", authors=["Andrea Hirata"], language="id", year=2008,
                              subjects=["Novel"], statuses=["on_loan"]),
        "harry": make_book(session, title="Harry Potter and the Philosopher's Stone", authors=["J.K. Rowling"],
                           language="en", year=1997, audience="children", subjects=["Fantasy"],
                           isbn13="9780747532699", copies=1),
        "gemar": make_book(session, title="Gemar Membaca", authors=["Budi Santoso"], language="id", year=2019,
                           audience="children", subjects=["Bacaan anak"], copies=1),
        "dino": make_book(session, title="Ensiklopedia Dinosaurus", authors=["Rina Dewi"], language="id", year=2021,
                          audience="children", subjects=["Dinosaurus", "Sains"]),
        "fossil": make_book(session, title="Jejak Masa Lalu", authors=["Ahmad Fauzi"], language="id", year=1988,
                            summary="Kisah penggalian fosil dinosaurus di Jawa.", subjects=["Sains"]),
        "cafe": make_book(session, title="Café au Lait", authors=["Zoë Dupré"], language="fr", year=2015),
    }
    session.commit()
    return books


def search(client, **params):
    res = client.get("/api/v1/search", query_string=params)
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def titles(body):
    return [item["title"] for item in body["items"]]


def test_search_answers_the_contract_shape(client, library, validate):
    body = search(client, q="andrea hirata")
    validate(body, "SearchResults")
    assert set(titles(body)) == {"Laskar Pelangi", "Maryamah Karpov"}
    assert body["total"] == 2 and body["page"] == 1 and body["suggestion"] is None
    assert body["items"][0]["availability"]["status"] in ("available", "all_on_loan")
    assert set(body["facets"]) == {"audience", "language", "subject", "availability", "year"}


def test_title_match_ranks_above_summary_match(client, library):
    body = search(client, q="dinosaurus")
    assert titles(body) == ["Ensiklopedia Dinosaurus", "Jejak Masa Lalu"]


WORD_CASES = [
    ("membaca", "Gemar Membaca"),  # Indonesian: the same word
    ("bacaan", "Gemar Membaca"),  # Indonesian: another form of "baca"
    ("dibaca", "Gemar Membaca"),
    ("philosophers stones", "Harry Potter and the Philosopher's Stone"),  # English plural
    ("cafe", "Café au Lait"),  # accents folded both ways
    ("ZOE DUPRE", "Café au Lait"),
    ("9780747532699", "Harry Potter and the Philosopher's Stone"),  # ISBN-13
    ("978-0-7475-3269-9", "Harry Potter and the Philosopher's Stone"),
    ("0747532699", "Harry Potter and the Philosopher's Stone"),  # ISBN-10
    ("899.221 HIR l", "Laskar Pelangi"),  # call number
]


def test_words_match_in_both_languages_and_codes(client, library):
    for query, expected in WORD_CASES:
        assert titles(search(client, q=query))[:1] == [expected], query


def test_misspelt_words_still_find_the_book_and_suggest(client, library):
    body = search(client, q="harry poter")
    assert titles(body)[:1] == ["Harry Potter and the Philosopher's Stone"]
    assert body["suggestion"] == "harry potter"
    body = search(client, q="laskar pelang")
    assert titles(body)[:1] == ["Laskar Pelangi"] and body["suggestion"] == "laskar pelangi"


def test_a_word_still_being_typed_completes(client, library):
    assert titles(search(client, q="harry pott"))[:1] == ["Harry Potter and the Philosopher's Stone"]
    assert titles(search(client, q="andrea hira")) and search(client, q="andrea hira")["total"] == 2
    assert titles(search(client, q="laskar pel")) == ["Laskar Pelangi"]


def test_when_no_book_has_every_word_any_word_matches(client, library):
    body = search(client, q="pelangi zzzzqqq")
    assert titles(body) == ["Laskar Pelangi"]


def test_facets_count_matches_and_filters_narrow(client, library, validate):
    body = search(client)
    assert body["total"] == 7
    facets = body["facets"]
    assert {"value": "children", "count": 3} in facets["audience"]
    assert {"value": "id", "count": 5} in facets["language"]
    assert {"value": "available", "count": 3} in facets["availability"]
    assert {"value": "Sains", "count": 2} in facets["subject"]
    assert {"value": "2000-2009", "count": 2, "from": 2000, "to": 2009} in facets["year"]

    children = search(client, audience="children")
    validate(children, "SearchResults")
    assert set(titles(children)) == {"Harry Potter and the Philosopher's Stone", "Gemar Membaca", "Ensiklopedia Dinosaurus"}
    # A facet is counted under the other filters but not its own.
    assert {"value": "all", "count": 4} in children["facets"]["audience"]
    assert {"value": "en", "count": 1} in children["facets"]["language"]

    on_shelf = search(client, q="andrea", available="1")
    assert titles(on_shelf) == ["Laskar Pelangi"]
    assert titles(search(client, subject="sains", language="id", year_from=2000)) == ["Ensiklopedia Dinosaurus"]
    assert titles(search(client, year_from=1990, year_to=2000)) == ["Harry Potter and the Philosopher's Stone"]
    assert search(client, subject="no such subject")["total"] == 0


def test_paging(client, session):
    for n in range(25):
        make_book(session, title=f"Cerita Rakyat {n:02d}")
    session.commit()
    first = search(client, q="cerita rakyat", per_page=10)
    third = search(client, q="cerita rakyat", per_page=10, page=3)
    assert first["total"] == 25 and len(first["items"]) == 10 and len(third["items"]) == 5
    ids = {i["id"] for p in (1, 2, 3) for i in search(client, q="cerita", per_page=10, page=p)["items"]}
    assert len(ids) == 25
    assert search(client, q="cerita", page=9)["items"] == []
    browse = search(client, per_page=3)
    assert titles(browse) == ["Cerita Rakyat 00", "Cerita Rakyat 01", "Cerita Rakyat 02"]


ODD_QUERIES = ['"laskar pelangi', 'laskar "', '"', "*", "**", "a*", "pel*", "(", ")", "AND OR NOT",
               "laskar\x00pelangi", "\x1b[31mlaskar", "\u202epelangi", "🙂", "' OR 1=1 --", "x" * 500, "a " * 32]


def test_odd_queries_get_results_not_errors(client, library, validate):
    for query in ODD_QUERIES:
        validate(search(client, q=query), "SearchResults")
    assert titles(search(client, q="laskar\x00pelangi")) == ["Laskar Pelangi"]


def test_quotes_and_prefixes_mean_something(client, library):
    assert titles(search(client, q='"laskar pelangi"')) == ["Laskar Pelangi"]
    assert titles(search(client, q='"pelangi laskar"')) == []
    assert titles(search(client, q='"laskar pelangi')) == ["Laskar Pelangi"]  # unbalanced: closed at the end
    assert titles(search(client, q="pelan*")) == ["Laskar Pelangi"]
    assert search(client, q="*")["total"] == 7  # a lone star is ignored: everything


BAD_PARAMETERS = [
    ({"q": "x" * 10_000}, "query_too_long"),
    ({"q": "kata " * 40}, "too_many_words"),
    ({"page": "0"}, "bad_request"),
    ({"page": "x"}, "bad_request"),
    ({"per_page": "1000"}, "bad_request"),
    ({"page": "11", "per_page": "100"}, "bad_request"),  # deeper than the first 1,000 results
    ({"audience": "robots"}, "bad_request"),
    ({"available": "maybe"}, "bad_request"),
    ({"year_from": "1990s"}, "bad_request"),
    ({"language": "indonesian-please"}, "bad_request"),
]


def test_bad_parameters_are_a_clear_400(client, library, validate):
    for params, code in BAD_PARAMETERS:
        res = client.get("/api/v1/search", query_string=params)
        assert res.status_code == 400, params
        body = res.get_json()
        validate(body, "Error")
        assert body["error"]["code"] == code and body["error"]["message_id"], params


def test_autocomplete_completes_as_the_visitor_types(client, library, session, validate):
    for _ in range(3):  # editions of one title are shown once
        make_book(session, title="Harry Potter and the Chamber of Secrets", authors=["J.K. Rowling"])
    session.commit()
    body = client.get("/api/v1/search/autocomplete?q=har").get_json()
    validate(body, "Autocomplete")
    assert sorted(i["title"] for i in body["items"]) == [
        "Harry Potter and the Chamber of Secrets", "Harry Potter and the Philosopher's Stone"]
    assert set(body["items"][0]) == {"id", "title", "authors", "cover_url"}
    assert [i["title"] for i in client.get("/api/v1/search/autocomplete?q=harry pot cham").get_json()["items"]] == [
        "Harry Potter and the Chamber of Secrets"]
    by_author = client.get("/api/v1/search/autocomplete?q=hira").get_json()["items"]
    assert {i["title"] for i in by_author} == {"Laskar Pelangi", "Maryamah Karpov"}
    assert len(client.get("/api/v1/search/autocomplete?q=a&limit=2").get_json()["items"]) <= 2
    assert client.get("/api/v1/search/autocomplete?q=").get_json() == {"items": []}
    assert client.get("/api/v1/search/autocomplete?q=*\x00").get_json() == {"items": []}
    assert client.get("/api/v1/search/autocomplete?q=har&limit=0").status_code == 400
    assert client.get("/api/v1/search/autocomplete", query_string={"q": "x" * 10_000}).status_code == 400


def test_related_books_share_an_author_or_subject(client, library, validate):
    body = client.get(f"/api/v1/books/{library['laskar'].id}/related").get_json()
    validate(body, "RelatedBooks")
    assert titles(body)[0] == "Maryamah Karpov"  # same author first
    assert "Laskar Pelangi" not in titles(body)
    dino = client.get(f"/api/v1/books/{library['dino'].id}/related?limit=1").get_json()
    assert titles(dino) == ["Jejak Masa Lalu"]  # shares the subject Sains
    assert client.get(f"/api/v1/books/{library['cafe'].id}/related").get_json() == {"items": []}
    missing = client.get("/api/v1/books/999999/related")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/books/{library['laskar'].id}/related?limit=99").status_code == 400


def test_index_follows_commits(client, session, library):
    assert search(client, q="bumi manusia")["total"] == 0  # the index exists from here on
    book = make_book(session, title="Bumi Manusia", authors=["Pramoedya Ananta Toer"])
    session.commit()
    assert titles(search(client, q="bumi manusia")) == ["Bumi Manusia"]

    book.title = "Anak Semua Bangsa"
    session.commit()
    assert search(client, q="bumi manusia")["total"] == 0
    assert titles(search(client, q="bangsa")) == ["Anak Semua Bangsa"]

    # A copy returned to the shelf changes the availability facet.
    assert search(client, q="bangsa", available="1")["total"] == 0
    item = make_item(session, book)
    session.commit()
    assert search(client, q="bangsa", available="1")["total"] == 1
    item.status = "on_loan"
    session.commit()
    assert search(client, q="bangsa", available="1")["total"] == 0

    session.delete(session.get(Item, item.id))
    session.delete(session.get(Book, book.id))
    session.commit()
    assert search(client, q="bangsa")["total"] == 0
    assert client.get("/api/v1/search/autocomplete?q=bangsa").get_json() == {"items": []}

    make_book(session, title="Rumah Kaca")
    session.rollback()
    assert search(client, q="rumah kaca")["total"] == 0


def test_search_page_for_people(client, library):
    page = client.get("/search?q=harry+poter&lang=id")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Harry Potter and the Philosopher&#39;s Stone" in html and "Mungkin maksud Anda" in html
    assert "1 buku ditemukan" in html
    english = client.get("/search?audience=children&lang=en").get_data(as_text=True)
    assert "books found" in english and "Children" in english
    facets = client.get("/search?lang=en").get_data(as_text=True)
    assert "On the shelf now" in facets and "audience=children" in facets
    bad = client.get("/search", query_string={"q": "x" * 10_000, "lang": "en"}, headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "too long" in bad.get_data(as_text=True)


def test_large_index_refreshes_in_the_background(app, client, session, library, monkeypatch):
    import threading

    if app.config["SEARCH_BACKEND"] == "postgres":
        pytest.skip("no snapshot to refresh: the database's documents change in the commit (test_index_follows_commits)")

    from content_service.search import snapshot

    monkeypatch.setattr(snapshot, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(snapshot, "REBUILD_EVERY", 3600.0)
    assert search(client, q="laskar")["total"] == 1  # the first pair is built at once
    make_book(session, title="Sang Pemimpi", authors=["Andrea Hirata"])
    session.commit()
    # Rebuilt recently: the previous pair keeps answering, consistently.
    assert search(client, q="pemimpi")["total"] == 0
    assert search(client, q="laskar")["total"] == 1
    monkeypatch.setattr(snapshot, "REBUILD_EVERY", 0.0)
    first = search(client, q="pemimpi")  # answered from the previous pair or the new one
    assert first["total"] in (0, 1)
    for thread in threading.enumerate():
        if thread.name == "pindai-search-lexicon":
            thread.join(timeout=30)
    assert titles(search(client, q="pemimpi")) == ["Sang Pemimpi"]
    items = client.get("/api/v1/search/autocomplete?q=pemim").get_json()["items"]
    assert [i["title"] for i in items] == ["Sang Pemimpi"]
