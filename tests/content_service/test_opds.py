"""The OPDS catalogue as reading apps meet it, on SQLite and PostgreSQL:

- every feed (OPDS 1.2 Atom: the root, by subject, newest under each facet,
  search, a page past the first; and the OpenSearch description) is valid
  against the official RELAX NG schema (``opds.rnc`` from the OPDS
  specification with RFC 4287's ``atom.rnc``, under tests/data/opds/rnc),
  checked by Debian's ``jing``;
- every OPDS 2.0 feed is valid against the official JSON Schemas (OPDS
  2.0 from opds-community/drafts and the Readium Web Publication Manifest
  ones they refer to, under tests/data/opds/json) with ``jsonschema`` and a
  ``referencing`` registry that never goes to the network;
- content types, facets (groups, active, counts), pagination, search;
- a reading app's walk: root -> navigation -> acquisition feed -> the
  OpenSearch template -> search -> download, and the bytes are the EPUB;
- bad arguments are a clear 400, never a 500."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from content_service.catalogue.models import Asset
from content_service.media import checks
from tests.content_service.staff import samples
from tests.factories import make_book

DATA = Path(__file__).resolve().parents[1] / "data" / "opds"
ATOM = "{http://www.w3.org/2005/Atom}"
OPDS = "{http://opds-spec.org/2010/catalog}"
THR = "{http://purl.org/syndication/thread/1.0}"
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
JING = shutil.which("jing")


def registry() -> Registry:
    """Every vendored schema under its own $id: $refs resolve locally, never over the network."""
    resources = []
    for path in sorted((DATA / "json").rglob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        # All are draft-07 (said below); without their $schema, jsonschema keeps OPDSValidator
        # for the schemas a $ref leads to instead of picking the plain draft-07 class again.
        assert contents.pop("$schema", "http://json-schema.org/draft-07/schema#").startswith(
            "http://json-schema.org/draft-07/schema"), path
        resources.append((contents["$id"], Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


REGISTRY = registry()


def _ecma(pattern: str) -> str:
    """JSON Schema patterns are ECMA-262: the Readium schemas' named groups ``(?<name>``
    are ``(?P<name>`` to Python's ``re``, which jsonschema uses."""
    return re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", pattern)


_BASE = jsonschema.Draft7Validator.VALIDATORS
OPDSValidator = jsonschema.validators.extend(jsonschema.Draft7Validator, {
    "pattern": lambda v, pattern, instance, schema: _BASE["pattern"](v, _ecma(pattern), instance, schema),
    "patternProperties": lambda v, patterns, instance, schema: _BASE["patternProperties"](
        v, {_ecma(k): value for k, value in patterns.items()}, instance, schema),
})


def valid_v2(body: dict, schema: str = "https://drafts.opds.io/schema/feed.schema.json") -> dict:
    validator = OPDSValidator({"$ref": schema}, registry=REGISTRY, format_checker=OPDSValidator.FORMAT_CHECKER)
    problems = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not problems, [f"{list(p.absolute_path)}: {p.message}" for p in problems][:5]
    return body


# The official opds.rnc's IRI pattern is meant to refuse spaces, newlines, CRs and
# tabs, but RELAX NG compact strings have no \r or \t escapes: its ``[ ...\nrt]``
# refuses every IRI with a letter r or t in it (every http URI). The schema is
# vendored as published; the test validates against a copy with only that class
# written as XSD escapes (``\n\r\t``), made once per run.
RNC_BUG = "|^`\"\\nrt]"
RNC_FIX = "|^`\"\\n\\r\\t]"


@pytest.fixture(scope="session")
def opds_rnc(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("opds-rnc")
    official = (DATA / "rnc" / "opds.rnc").read_text(encoding="utf-8")
    assert official.count(RNC_BUG) == 1, "the official opds.rnc changed: look at its atomUri pattern again"
    (folder / "opds.rnc").write_text(official.replace(RNC_BUG, RNC_FIX), encoding="utf-8")
    shutil.copy(DATA / "rnc" / "atom.rnc", folder / "atom.rnc")
    return folder / "opds.rnc"


def valid_atom(data: bytes, tmp_path: Path, schema: Path | None = None) -> ET.Element:
    if JING is None:
        pytest.skip("needs Debian's jing (make setup installs it)")
    target = tmp_path / "feed.xml"
    target.write_bytes(data)
    run = subprocess.run([JING, "-c", str(schema or SCHEMA["rnc"]), str(target)], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    return ET.fromstring(data)


SCHEMA: dict[str, Path] = {}


@pytest.fixture(autouse=True)
def _schema(opds_rnc):
    SCHEMA["rnc"] = opds_rnc


def attach(session, book, kind, title, data=None, **fields):
    if data is not None:
        checked = checks.check(kind, data)
        from content_service.media import storage

        fields.update(media_hash=storage().put(checked.data), media_type=checked.media_type)
    session.add(Asset(book_id=book.id, kind=kind, title=title, language="both", audience="all", published=True,
                      **fields))


@pytest.fixture
def catalogue(app, session):
    """Three titles with e-resources (an EPUB, a PDF, iPusnas links), one without, one unpublished."""
    with app.test_request_context("/"):
        laskar = make_book(session, title="Laskar Pelangi", authors=["Andrea Hirata"], isbn13="9789793062792",
                           subjects=["Fiksi", "Pendidikan"], language="id", year=2005, summary="Sepuluh anak Belitung.")
        attach(session, laskar, "ebook", "Laskar Pelangi (EPUB)", samples.epub())
        attach(session, laskar, "online", "iPusnas", url="https://ipusnas.id/laskar", provider="iPusnas")
        guide = make_book(session, title="Panduan Perpustakaan", subjects=["Perpustakaan"], language="id")
        attach(session, guide, "ebook", "Panduan (PDF)", samples.pdf(2))
        journal = make_book(session, title="Journal of Island Studies & <Coasts>", subjects=["Geografi"], language="en")
        attach(session, journal, "online", "DOAJ", url="https://doaj.org/toc/1234-5678?a=1&b=2", provider="DOAJ")
        make_book(session, title="Buku Tanpa E-book", subjects=["Fiksi"])
        hidden = make_book(session, title="Draf")
        session.add(Asset(book_id=hidden.id, kind="online", title="x", url="https://x.example/", provider="X",
                          published=False, language="both", audience="all"))
        session.commit()
    return {"laskar": laskar.id, "guide": guide.id, "journal": journal.id}


def titles_atom(root: ET.Element) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]


def test_every_atom_feed_is_valid_opds_and_says_its_kind(client, catalogue, tmp_path):
    for path, kind in (("/opds", NAVIGATION), ("/opds/subjects", NAVIGATION), ("/opds/new", ACQUISITION),
                       ("/opds/new?kind=ebook", ACQUISITION), ("/opds/new?kind=online&language=en", ACQUISITION),
                       ("/opds/new?subject=Fiksi", ACQUISITION), ("/opds/new?per_page=1&page=2", ACQUISITION),
                       ("/opds/search?q=laskar", ACQUISITION), ("/opds/search?q=tidakadasamasekali", ACQUISITION)):
        res = client.get(path)
        assert res.status_code == 200, (path, res.data[:300])
        assert res.headers["Content-Type"] == f"{kind};charset=utf-8", path
        valid_atom(res.data, tmp_path)


def test_the_root_leads_to_the_newest_and_says_how_to_search(client, catalogue, tmp_path):
    root = valid_atom(client.get("/opds").data, tmp_path)
    entries = {e.findtext(f"{ATOM}title"): e.find(f"{ATOM}link") for e in root.findall(f"{ATOM}entry")}
    assert entries["Terbaru"].get("rel") == "http://opds-spec.org/sort/new"
    assert entries["Terbaru"].get(f"{THR}count") == "3"  # the unpublished and the plain title are not listed
    assert entries["E-book terbuka"].get(f"{THR}count") == "2"
    assert entries["Sumber daring"].get(f"{THR}count") == "2"
    search = [l for l in root.findall(f"{ATOM}link") if l.get("rel") == "search"][0]
    assert search.get("type") == "application/opensearchdescription+xml"


def test_an_acquisition_feed_lists_downloads_covers_and_links(client, catalogue, tmp_path):
    feed = valid_atom(client.get("/opds/new").data, tmp_path)
    assert sorted(titles_atom(feed)) == sorted(["Laskar Pelangi", "Panduan Perpustakaan",
                                                "Journal of Island Studies & <Coasts>"])
    laskar = [e for e in feed.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Laskar Pelangi"][0]
    assert laskar.findtext("{http://purl.org/dc/terms/}identifier") == "urn:isbn:9789793062792"
    assert laskar.findtext(f"{ATOM}author/{ATOM}name") == "Andrea Hirata"
    links = {(l.get("rel"), l.get("type")): l.get("href") for l in laskar.findall(f"{ATOM}link")}
    assert links[("http://opds-spec.org/acquisition/open-access", "application/epub+zip")].endswith(".epub")
    assert links[("http://opds-spec.org/acquisition", "text/html")] == "https://ipusnas.id/laskar"
    assert links[("alternate", "text/html")].endswith(f"/books/{catalogue['laskar']}")
    assert {c.get("term") for c in laskar.findall(f"{ATOM}category")} == {"Fiksi", "Pendidikan"}


def test_facets_are_grouped_counted_and_narrow_the_feed(client, catalogue, tmp_path):
    feed = valid_atom(client.get("/opds/new?kind=ebook").data, tmp_path)
    assert sorted(titles_atom(feed)) == ["Laskar Pelangi", "Panduan Perpustakaan"]
    facets = [l for l in feed.findall(f"{ATOM}link") if l.get("rel") == "http://opds-spec.org/facet"]
    groups = {l.get(f"{OPDS}facetGroup") for l in facets}
    assert groups == {"Jenis", "Bahasa", "Subjek"}
    active = [(l.get(f"{OPDS}facetGroup"), l.get("title")) for l in facets if l.get(f"{OPDS}activeFacet") == "true"]
    assert ("Jenis", "E-book terbuka") in active and ("Bahasa", "Semua") in active
    online = [l for l in facets if l.get("title") == "Sumber daring"][0]
    assert online.get(f"{THR}count") == "2"
    narrowed = client.get(urlsplit(online.get("href")).path + "?" + urlsplit(online.get("href")).query)
    assert sorted(titles_atom(valid_atom(narrowed.data, tmp_path))) == ["Journal of Island Studies & <Coasts>",
                                                                         "Laskar Pelangi"]


def test_pages_link_to_each_other(client, catalogue, tmp_path):
    first = valid_atom(client.get("/opds/new?per_page=2").data, tmp_path)
    rels = {l.get("rel"): l.get("href") for l in first.findall(f"{ATOM}link")}
    assert "previous" not in rels and "page=2" in rels["next"] and "page=2" in rels["last"]
    assert first.findtext("{http://a9.com/-/spec/opensearch/1.1/}totalResults") == "3"
    second = valid_atom(client.get(urlsplit(rels["next"]).path + "?" + urlsplit(rels["next"]).query).data, tmp_path)
    assert len(titles_atom(first)) == 2 and len(titles_atom(second)) == 1
    assert not set(titles_atom(first)) & set(titles_atom(second))


def test_every_v2_feed_is_valid_against_the_official_schemas(client, catalogue):
    for path in ("/opds/v2", "/opds/v2/subjects", "/opds/v2/new", "/opds/v2/new?kind=online",
                 "/opds/v2/new?language=en&kind=ebook", "/opds/v2/new?per_page=1&page=3",
                 "/opds/v2/search?query=laskar", "/opds/v2/search?query=tidakadasamasekali"):
        res = client.get(path)
        assert res.status_code == 200 and res.headers["Content-Type"] == "application/opds+json", path
        valid_v2(res.get_json())


def test_v2_publications_carry_metadata_links_images_and_facets(client, catalogue):
    body = valid_v2(client.get("/opds/v2/new").get_json())
    assert body["metadata"]["numberOfItems"] == 3
    laskar = [p for p in body["publications"] if p["metadata"]["title"] == "Laskar Pelangi"][0]
    valid_v2(laskar, "https://drafts.opds.io/schema/publication.schema.json")
    assert laskar["metadata"]["identifier"] == "urn:isbn:9789793062792"
    assert laskar["metadata"]["author"] == [{"name": "Andrea Hirata"}]
    rels = {(l["rel"], l["type"]) for l in laskar["links"]}
    assert ("http://opds-spec.org/acquisition/open-access", "application/epub+zip") in rels
    assert ("http://opds-spec.org/acquisition", "text/html") in rels
    groups = {f["metadata"]["title"]: f["links"] for f in body["facets"]}
    assert {"Jenis", "Bahasa", "Subjek"} <= set(groups)
    search = [l for l in body["links"] if l.get("rel") == "search"][0]
    assert search["templated"] is True and search["href"].endswith("/opds/v2/search{?query}")


def test_a_reading_app_walks_to_the_epub_and_downloads_it(client, catalogue, tmp_path):
    """As a reading app does: the root, a navigation entry, an acquisition feed,
    the OpenSearch template filled in, and the open-access link downloaded."""
    def get(url: str):
        parts = urlsplit(url)
        return client.get(parts.path + ("?" + parts.query if parts.query else ""))

    root = valid_atom(get("/opds").data, tmp_path)
    by_subject = [e for e in root.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Menurut subjek"][0]
    subjects = valid_atom(get(by_subject.find(f"{ATOM}link").get("href")).data, tmp_path)
    fiksi = [e for e in subjects.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Fiksi"][0]
    feed = valid_atom(get(fiksi.find(f"{ATOM}link").get("href")).data, tmp_path)
    assert titles_atom(feed) == ["Laskar Pelangi"]
    description = get([l for l in root.findall(f"{ATOM}link") if l.get("rel") == "search"][0].get("href"))
    assert description.headers["Content-Type"].startswith("application/opensearchdescription+xml")
    url = ET.fromstring(description.data).find("{http://a9.com/-/spec/opensearch/1.1/}Url")
    assert url.get("type") == ACQUISITION
    found = valid_atom(get(url.get("template").replace("{searchTerms}", "pelangi")).data, tmp_path)
    entry = [e for e in found.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Laskar Pelangi"][0]
    download = [l for l in entry.findall(f"{ATOM}link") if l.get("rel") == "http://opds-spec.org/acquisition/open-access"][0]
    res = get(download.get("href"))
    assert res.status_code == 200 and res.headers["Content-Type"] == "application/epub+zip"
    assert res.data == samples.epub()


def test_the_opensearch_description_is_what_readers_expect(client, catalogue):
    res = client.get("/opds/opensearch.xml")
    doc = ET.fromstring(res.data)
    assert doc.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    assert doc.find("{http://a9.com/-/spec/opensearch/1.1/}Url").get("template").endswith("/opds/search?q={searchTerms}")


@pytest.mark.parametrize("path", ["/opds/new?kind=video", "/opds/new?page=0", "/opds/new?page=abc",
                                  "/opds/new?per_page=1000", "/opds/search", "/opds/search?q=%20",
                                  "/opds/v2/search", "/opds/new?language=" + "x" * 40, "/opds/v2/new?kind=link"])
def test_bad_arguments_are_a_clear_400(client, catalogue, path):
    res = client.get(path, headers={"Accept": "application/json"})
    assert res.status_code == 400, (path, res.status_code)
    assert res.get_json()["error"]["code"]


def test_an_empty_catalogue_is_still_valid(client, tmp_path):
    valid_atom(client.get("/opds").data, tmp_path)
    valid_atom(client.get("/opds/new").data, tmp_path)
    valid_v2(client.get("/opds/v2").get_json())
    valid_v2(client.get("/opds/v2/new").get_json())
    valid_v2(client.get("/opds/v2/subjects").get_json())


def test_the_validators_refuse_what_is_not_opds(client, catalogue, tmp_path):
    """The schema checks can fail: a feed without its id, a price-less buy link, a v2
    feed without ``self`` and a publication without an acquisition are refused."""
    good = client.get("/opds/new").data
    no_id = re.sub(rb"<id>[^<]*</id>", b"", good, count=1)
    buy = good.replace(b'rel="http://opds-spec.org/acquisition/open-access"', b'rel="http://opds-spec.org/acquisition/buy"', 1)
    for broken in (no_id, buy):
        with pytest.raises(AssertionError):
            valid_atom(broken, tmp_path)
    body = client.get("/opds/v2/new").get_json()
    with pytest.raises(AssertionError):
        valid_v2({**body, "links": [l for l in body["links"] if l["rel"] != "self"]})
    publication = body["publications"][0]
    with pytest.raises(AssertionError):
        valid_v2({**publication, "links": [l for l in publication["links"] if "opds-spec.org" not in l["rel"]]},
                 "https://drafts.opds.io/schema/publication.schema.json")
