"""The SIP2 codec: checksums, dates, every message both ways, strict and tolerant
parsing, encodings, framing; real messages from the SIP2 spec, Evergreen's checksum
suite and the live peer."""
from __future__ import annotations

import socket
import unicodedata
from datetime import datetime, timezone

import pytest

from content_service.sip2 import (
    ChecksumError, FrameReader, MalformedMessage, Message, Sequence, checksum, decode,
    encode, format_date, parse_date, patron_status_flags,
)
from content_service.sip2.messages import MESSAGES
from content_service.sip2.protocol import normalize_encoding

# (checksum, message up to and including "AZ") from Evergreen's t/0001_checksum.t;
# the titles are UTF-8 bytes there (in decomposed form, NFD: "e" + U+0300), so
# these pin "checksum over the encoded bytes".
EVERGREEN_VECTORS = [
    ("FDFD", "941AY0AZ"),
    ("DB71", "1804020120110630    110251AB30007008637216|AJLa nuit du renard : roman|CK001"
             "|AQOSUL|APOSUL|BGOSUL|AH2011-10-18 23:59:59|CSPB LP   CLA|AY3AZ"),
    ("DCF8", "1804020120110630    110249AB30007008503046|AJLe Piège de Bogota|CK001|AQOSUL"
             "|APOSUL|BGOSUL|AH2011-10-28 23:59:59|CSPB LP DAL|AY7AZ"),
    ("CD67", "1804020120110630    110249AB30007007632515|AJMeurtre à Canton : (les dernières"
             " enquêtes du juge Ti)|CK001|AQOSUL|APOSUL|BGOSUL|AH2011-10-28 23:59:59"
             "|CSPB LP GUL|AY1AZ"),
]

# Answers recorded from the peer (Evergreen SIPServer), byte for byte.
PEER_64 = (b"64  Y           00020261202    032025000000000001000100000000AOUWOLS"
           b"|AAdjfiander|AEDavid J. Fiander|BD2 Meadowvale Dr. St Thomas, ON"
           b"|BEdjfiander@hotmail.com|BF(519) 555 1234|AQBeacock|AU1565921879|BLY|CQY"
           b"|PA20501231|PB19640925|PCA|PIY|AY6AZBCF0")
PEER_98 = (b"98YNNYNN60000320261202    0320252.00AOUWOLS|BXYYYYYYYYYNYNYYYY|AY1AZEDE5")
PEER_12_REFUSED = (b"120NUN20261202    032025AOUWOLS|AAnobody|AB1565921879"
                   b"|AJPerl 5 desktop reference|AH|AFInvalid Patron|BLN|AY3AZDE03")
PEER_RESENT_36 = b"36Y20261202    032025AOUWOLS|AAdjfiander|AFThank you for using Evergreen!|"


@pytest.mark.parametrize("expected,text", EVERGREEN_VECTORS)
def test_checksum_matches_evergreen_over_utf8_bytes(expected, text):
    data = unicodedata.normalize("NFD", text).encode("utf-8")
    assert checksum(data) == expected
    # and decode accepts the complete message
    assert decode(data + expected.encode()).sequence == int(text[-3])


def test_spec_login_example():
    # The SIP2 spec prints EC78 for this login; the sum of its bytes gives EC7B
    # (Evergreen's suite notes the same), so the spec's printed value is a typo.
    head = b"9300CNLoginUserID|COLoginPassword|CPLocationCode|AY5AZ"
    assert checksum(head) == "EC7B"
    msg = decode(head + b"EC7B\r")
    assert msg.name == "login" and msg.get("CN") == "LoginUserID"
    assert msg.get("CO") == "LoginPassword" and msg.get("CP") == "LocationCode"
    assert msg.fixed == {"uid_algorithm": "0", "pwd_algorithm": "0"}
    with pytest.raises(ChecksumError):
        decode(head + b"EC78\r")


def test_peer_patron_information_answer():
    msg = decode(PEER_64, encoding="ascii")
    assert msg.code == "64" and msg.sequence == 6 and msg.error_detection
    assert msg["charged_items_count"] == 1 and msg["fine_items_count"] == 1
    assert msg["transaction_date"] == datetime(2026, 12, 2, 3, 20, 25)
    assert msg.getall("AU") == ["1565921879"]
    assert msg.get("AE") == "David J. Fiander"
    assert msg.get("PA") == "20501231"  # an extension field, kept, never required
    assert patron_status_flags(msg["patron_status"])["recall_privileges_denied"]
    assert not patron_status_flags(msg["patron_status"])["charge_privileges_denied"]


def test_peer_status_and_refusal_and_resend_without_trailer():
    status = decode(PEER_98)
    assert status["online_status"] and not status["checkout_ok"]
    assert status["timeout_period"] == 600 and status["retries_allowed"] == 3
    assert status.get("BX") == "YYYYYYYYYNYNYYYY"
    refused = decode(PEER_12_REFUSED)
    assert refused["ok"] is False and refused["magnetic_media"] is None
    assert refused.screen_messages == ["Invalid Patron"]
    assert refused.get("AH") == ""  # present but empty
    resent = decode(PEER_RESENT_36)  # the peer resends without AY/AZ
    assert resent.sequence is None and not resent.error_detection
    assert resent.get("AF") == "Thank you for using Evergreen!"
    with pytest.raises(ChecksumError):
        decode(PEER_RESENT_36, require_checksum=True)


def _sample_value(kind: str, name: str):
    return {"yn": True, "ynu": None, "01": True, "int": 7,
            "date": datetime(2026, 1, 31, 9, 5, 0)}.get(kind)


@pytest.mark.parametrize("code", sorted(MESSAGES))
@pytest.mark.parametrize("encoding", ["ascii", "utf-8"])
def test_every_message_round_trips(code, encoding):
    spec = MESSAGES[code]
    fixed = {f.name: _sample_value(f.kind, f.name) for f in spec.fixed if f.kind != "str"}
    fields = {fid: f"v{fid}" for fid in spec.known_fields}
    msg = Message.make(code, fields, **fixed)
    wire = encode(msg, encoding=encoding, sequence=4)
    assert wire.endswith(b"\r") and wire[-10:-7] == b"AY4"
    back = decode(wire, encoding=encoding)
    assert back.code == code and back.sequence == 4
    assert dict(back.fields) == fields
    for f in spec.fixed:
        if f.kind != "str":
            assert back[f.name] == fixed[f.name], f.name
    assert len(wire.split(b"AY")[0]) >= 2 + spec.fixed_width


def test_required_fields_go_out_empty_and_spec_order():
    wire = encode(Message.make("11", [("AB", "PDB-1"), ("AA", "P1")], no_block=True,
                               transaction_date=datetime(2026, 5, 1, 8, 0, 0)),
                  error_detection=False)
    assert wire == b"11NY20260501    080000                  AO|AAP1|ABPDB-1|AC|\r"


def test_repeatable_fields_and_screen_lines():
    msg = Message.make("64", {"AO": "BTM", "AA": "P1", "AE": "Siti",
                              "AU": ["PDB-1", "PDB-2"], "AT": ["PDB-2"],
                              "AS": ["PDB-9"], "AF": ["Baris satu", "Baris dua"]})
    back = decode(encode(msg))
    assert back.getall("AU") == ["PDB-1", "PDB-2"]
    assert back.getall("AT") == ["PDB-2"] and back.getall("AS") == ["PDB-9"]
    assert back.screen_messages == ["Baris satu", "Baris dua"]


def test_utf8_and_ascii_institutions():
    title = "Bumi Manusia — Pramoedya Ananta Toer, cetakan ke-3 (édisi)"
    msg = Message.make("18", {"AB": "PDB-1", "AJ": title}, circulation_status="03")
    utf8 = encode(msg, encoding="utf-8", sequence=1)
    ascii_ = encode(msg, encoding="ascii", sequence=1)
    assert decode(utf8, encoding="utf-8").get("AJ") == title
    assert decode(ascii_, encoding="ascii").get("AJ") == (
        "Bumi Manusia ? Pramoedya Ananta Toer, cetakan ke-3 (edisi)")
    # Different bytes, so different checksums: each over its own encoded bytes.
    assert utf8[-5:-1] != ascii_[-5:-1]
    assert checksum(utf8[:-5]) == utf8[-5:-1].decode()
    # UTF-8 bytes read as ASCII: refused strictly, replaced when tolerant.
    with pytest.raises(MalformedMessage, match="ascii"):
        decode(utf8, encoding="ascii")
    assert "Manusia" in decode(utf8, encoding="ascii", strict=False).get("AJ")


def test_values_cannot_break_the_frame():
    msg = Message.make("12", {"AO": "X", "AA": "P", "AB": "I", "AJ": "a|b\r\nc", "AH": ""},
                       ok=True)
    back = decode(encode(msg))
    assert back.get("AJ") == "a/b  c" and back.get("AH") == ""


def test_tolerated_variations():
    # No trailing "|" on the last field, "||", unknown fields, any order, CRLF,
    # space padded counts, a UTC date, lower-case checksum hex, no error detection.
    text = (b"64              001" + b"20260102   Z101112" + b"   1   0   2   0   0   0"
            + b"AA P 1|AO BTM||ZZ extension|AUPDB-1|AUPDB-2|AEName")
    msg = decode(text + b"\r\n")
    assert msg["hold_items_count"] == 1 and msg["charged_items_count"] == 2
    assert msg["transaction_date"] == datetime(2026, 1, 2, 10, 11, 12, tzinfo=timezone.utc)
    assert msg.get("AA") == " P 1" and msg.get("AE") == "Name"
    assert msg.get("ZZ") == " extension" and msg.getall("AU") == ["PDB-1", "PDB-2"]
    assert msg.get("BL") is None and msg.missing_required() == []
    lower = encode(Message.make("94", ok=True), sequence=3)
    lower = lower[:-5] + lower[-5:-1].lower() + b"\r"
    assert decode(lower)["ok"] is True
    # AZ without AY (no sequence) is still a checked trailer.
    head = b"941|AZ"
    assert decode(head + checksum(head).encode()).error_detection


def test_data_that_looks_like_a_checksum_is_data():
    assert decode(b"17                  AOX|ABAZ1234").get("AB") == "AZ1234"


@pytest.mark.parametrize("raw,reason", [
    (b"", "too short"),
    (b"X", "too short"),
    (b"42foo|", "unknown message code"),
    (b"12NN", "fixed fields"),
    (b"1803020120261302    032025AB1", "transaction_date"),
    (b"121NNX20261202    032025AOX|", "desensitize"),
    (b"1803020120261202    032025AB1|!bad|", "without identifier"),
    (b"15?20261202    032025AOX|AAY|", "hold_mode"),
    (b"98YNNYNN6x000320261202    0320252.00AO|BX|", "timeout_period"),
])
def test_malformed_messages_raise(raw, reason):
    with pytest.raises(MalformedMessage, match=reason) as caught:
        decode(raw)
    assert caught.value.raw == raw.strip(b"\r\n\x00")


def test_tolerant_mode_keeps_bad_fixed_field_as_none():
    msg = decode(b"121NNX20261202    032025AOX|AB1|", strict=False)
    assert msg["ok"] is True and msg["desensitize"] is None


def test_checksum_error_is_malformed():
    wire = encode(Message.make("94", ok=True))
    with pytest.raises(MalformedMessage):
        decode(wire.replace(b"941", b"940"))


def test_dates():
    assert format_date(None) == " " * 18
    assert format_date(datetime(2026, 3, 4, 5, 6, 7)) == "20260304    050607"
    aware = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    assert format_date(aware) == "20260304   Z050607"
    assert parse_date("20260304   Z050607") == aware
    assert parse_date("20260304    050607") == datetime(2026, 3, 4, 5, 6, 7)
    assert parse_date("20260304EST 050607") == datetime(2026, 3, 4, 5, 6, 7)
    assert parse_date("20260304          ") == datetime(2026, 3, 4)
    assert parse_date(" " * 18) is None
    for bad in ("2026030", "20261304    050607", "2026030x    050607"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_sequence_wraps():
    seq = Sequence()
    assert [seq.next() for _ in range(12)] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    with pytest.raises(ValueError):
        encode(Message.make("99"), sequence=10)


def test_frame_reader_splits_any_terminator_and_chunking():
    reader = FrameReader()
    assert reader.feed(b"941AY0AZFDFD\r9") == [b"941AY0AZFDFD"]
    assert reader.pending == b"9"
    assert reader.feed(b"41\r\n\n942\n") == [b"941", b"942"]
    small = FrameReader(max_length=10)
    with pytest.raises(MalformedMessage):
        small.feed(b"x" * 11)


def test_make_refuses_unknown_things():
    with pytest.raises(ValueError):
        Message.make("42")
    with pytest.raises(ValueError):
        Message.make("11", colour="red")
    with pytest.raises(ValueError):
        Message.make("11", {"A": "x"})
    with pytest.raises(ValueError):
        encode(Message.make("64", hold_items_count=10000))


def test_encoding_names():
    assert normalize_encoding("UTF8") == "utf-8"
    assert normalize_encoding("ascii") == "ascii"
    assert normalize_encoding("Latin-1") == "latin-1"
    with pytest.raises(ValueError):
        normalize_encoding("klingon")


def test_live_peer_answers_every_request(sip_peer):
    """Every request we encode is understood by Evergreen's SIPServer, and every
    answer it gives decodes strictly with a valid checksum."""
    sock = socket.create_connection((sip_peer.host, sip_peer.port), timeout=10)
    reader, seq = FrameReader(), Sequence()

    def exchange(msg: Message) -> Message:
        number = seq.next()
        sock.sendall(encode(msg, encoding="ascii", sequence=number))
        while True:
            frames = reader.feed(sock.recv(65536))
            if frames:
                answer = decode(frames[0], encoding="ascii", require_checksum=True)
                assert answer.sequence == number
                return answer

    try:
        assert exchange(Message.make("93", {"CN": "scclient", "CO": "clientpwd"}))["ok"]
        assert exchange(Message.make("99", max_print_width=40)).code == "98"
        who = {"AO": "UWOLS", "AA": "miker", "AD": "6789"}
        assert exchange(Message.make("23", {**who, "AC": ""})).get("AE") == "Mike Rylander"
        item = {"AO": "UWOLS", "AB": "0440242746"}
        assert exchange(Message.make("17", item))["circulation_status"] == "03"
        out = exchange(Message.make("11", {**who, "AB": "0440242746", "AC": ""}))
        assert out["ok"] and out.get("AJ") == "The deep blue alibi"
        info = exchange(Message.make("63", who, summary="  Y       "))
        assert info.getall("AU") == ["0440242746"]
        assert exchange(Message.make("29", {**who, "AB": "0440242746"}))["ok"]
        assert exchange(Message.make("65", who))["renewed_count"] == 1
        back = exchange(Message.make("09", {"AO": "UWOLS", "AB": "0440242746", "AP": "x"}))
        assert back["ok"]
        hold = exchange(Message.make("15", {**who, "AB": "1565921879"}, hold_mode="+"))
        assert hold["ok"]
        assert exchange(Message.make("35", who))["end_session"] is True
    finally:
        sock.close()
