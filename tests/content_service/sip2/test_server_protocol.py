"""The SIP2 server's protocol behaviour, byte by byte as a machine sees it:
checksums and 96, sequence numbers, 97 resend, framing, logins, encodings,
TLS, and what a machine gets before it logs in."""
from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time

import pytest
from sqlalchemy import func, select

from content_service.circulation.models import Loan
from content_service.sip2.protocol import checksum, decode
from content_service.sip2.server_accounts import remove_account
from tests.content_service.circulation.helpers import make_patron
from tests.factories import make_book, make_item

from .server_helpers import (
    INSTITUTION,
    LOGIN,
    PASSWORD,
    MachineClient,
    add_machine,
    running_server,
)


def with_checksum(body: str, seq: int, encoding: str = "utf-8") -> bytes:
    head = f"{body}AY{seq}AZ".encode(encoding)
    return head + checksum(head).encode() + b"\r"


def valid(frame: bytes) -> bool:
    """The frame ends with a correct AZ checksum."""
    head, cks = frame[:-4], frame[-4:].decode()
    return head.endswith(b"AZ") and checksum(head) == cks


def test_bad_checksum_gets_96_and_does_nothing(sc, session):
    patron = make_patron(session)
    item = make_item(session, make_book(session))
    session.commit()
    body = f"11YN20261202    100000                  AO{INSTITUTION}|AA{patron.card_number}|AB{item.barcode}|AC|"
    good = with_checksum(body, 3)
    bad = good[:-2] + (b"0" if good[-2:-1] != b"0" else b"1") + b"\r"
    assert sc.send_raw(bad) == b"96AZFEF6"
    assert sc.send_raw(good[:-3] + b"\r") == b"96AZFEF6"  # a cut-off checksum is no checksum
    assert session.scalar(select(func.count()).select_from(Loan)) == 0
    # 97 after a garbled 96 gets the 96 again, never an older answer.
    assert sc.send_raw(b"97AZFEF5\r") == b"96AZFEF6"
    answer = sc.send_raw(good)
    assert answer.startswith(b"121NNY") and valid(answer) and b"|AY3AZ" in answer


@pytest.mark.parametrize("frame", [
    b"XX00AOBATAM|\r",  # no such message
    b"2300\r",  # fixed part too short
    b"11QN20261202    100000                  AOBATAM|AA1|AB1|AC|\r",  # renewal policy neither Y nor N
    b"17202612XX    100000AOBATAM|ABX|\r",  # not a date
    b"24              00020261202    100000AOBATAM|AA1|AE|\r",  # an answer, not a request
])
def test_malformed_messages_get_96(sc, frame):
    assert sc.send_raw(frame) == b"96AZFEF6"  # the machine has used checksums (its login had one)
    assert sc.ask("99", status_code="0", max_print_width=40).code == "98"  # and the connection goes on


def test_sequence_number_is_echoed_and_answers_carry_checksums(sc):
    for seq in (0, 7, 9):
        answer = sc.send_raw(with_checksum("9900402.00", seq))
        assert valid(answer) and answer.endswith(f"AY{seq}AZ{answer[-4:].decode()}".encode())


def test_97_resends_the_last_answer_byte_for_byte(sc, session):
    item = make_item(session, make_book(session, title="Ronggeng Dukuh Paruk"))
    session.commit()
    first = sc.send_raw(with_checksum(f"1720261202    100000AO{INSTITUTION}|AB{item.barcode}|", 4))
    assert sc.send_raw(b"97AZFEF5\r") == first
    assert sc.send_raw(b"97\r") == first


def test_before_login(server, session):
    client = MachineClient(server.port)
    assert client.send_raw(b"97\r") == b"96"
    status = client.ask("99", status_code="0", max_print_width=40)
    assert status.fixed["online_status"] is False and status.get("BX") == "N" * 16
    patron = make_patron(session)
    session.commit()
    answer = client.ask("23", {"AO": INSTITUTION, "AA": patron.card_number, "AC": "", "AD": "2468"})
    assert answer.code == "24" and answer.get("BL") == "N" and answer.fixed["patron_status"].startswith("YYYY")
    assert "belum login" in answer.get("AF")
    client.close()


def test_wrong_logins_are_refused_with_a_reason_then_the_connection_closes(server):
    client = MachineClient(server.port)
    answer = client.login(password="salah-sekali")
    assert answer.fixed["ok"] is False and "Login mesin" in answer.get("AF")
    assert client.login(login="tidak-ada").fixed["ok"] is False
    for _ in range(3):
        client.login(password="salah")
    with pytest.raises(ConnectionError):
        client.login()  # five wrong logins: the server hung up
    client.close()
    other = MachineClient(server.port)
    assert other.login().fixed["ok"] is True
    other.close()


def test_messages_without_checksum_are_answered_unless_checksums_are_required(app, session):
    add_machine(session)
    session.commit()
    login = f"9300CN{LOGIN}|CO{PASSWORD}|CPLobi|\r".encode()
    with running_server(app, institution=INSTITUTION) as plain:
        client = MachineClient(plain.port)
        assert client.send_raw(login).startswith(b"941")
        assert client.send_raw(b"9900302.00\r").startswith(b"98YYYYNY")
        client.close()
    with running_server(app, institution=INSTITUTION, require_checksum=True) as strict:
        client = MachineClient(strict.port)
        assert client.send_raw(login) == b"96AZFEF6"
        assert client.send_raw(with_checksum(f"9300CN{LOGIN}|CO{PASSWORD}|CPLobi|", 0)).startswith(b"941")
        client.close()


def test_framing_crlf_several_messages_per_packet_and_split_packets(sc):
    sc.sock.sendall(with_checksum("9900302.00", 1)[:-1] + b"\r\n" + with_checksum("9900302.00", 2))
    assert b"AY1AZ" in sc.read() and b"AY2AZ" in sc.read()
    frame = with_checksum("9900302.00", 3)
    sc.sock.sendall(frame[:5])
    time.sleep(0.05)
    assert b"AY3AZ" in sc.send_raw(frame[5:])


@pytest.mark.parametrize("encoding, title, expected", [
    ("latin-1", "Harry Potter y el cáliz de fuego", "Harry Potter y el cáliz de fuego"),
    ("ascii", "Harry Potter y el cáliz de fuego", "Harry Potter y el caliz de fuego"),
    ("utf-8", "Ensiklopedia Ilmu Pengetahuan — edisi ke-2", "Ensiklopedia Ilmu Pengetahuan — edisi ke-2"),
])
def test_titles_in_the_machines_encoding_with_checksum_over_the_bytes(app, session, encoding, title, expected):
    add_machine(session, "mesin-lama", PASSWORD, encoding=encoding)
    item = make_item(session, make_book(session, title=title))
    session.commit()
    with running_server(app, institution=INSTITUTION) as running:
        client = MachineClient(running.port, encoding=encoding)
        assert client.login("mesin-lama").fixed["ok"] is True
        raw = client.send_raw(with_checksum(f"1720261202    100000AO{INSTITUTION}|AB{item.barcode}|", 5, encoding))
        assert valid(raw)
        assert decode(raw, encoding=encoding).get("AJ") == expected
        client.close()


def test_a_removed_login_stops_working(server, sc, session, monkeypatch):
    from content_service.sip2 import server_dispatch

    monkeypatch.setattr(server_dispatch, "ACCOUNT_RECHECK_SECONDS", 0.0)  # at once, not within 2 s
    assert remove_account(session, LOGIN)
    session.commit()
    answer = sc.ask("17", {"AO": INSTITUTION, "AB": "X"})
    assert "belum login" in answer.get("AF")


def test_tls(app, session, tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    add_machine(session)
    session.commit()
    from content_service.sip2.server import tls_context

    with running_server(app, institution=INSTITUTION, ssl_context=tls_context(str(cert), str(key))) as running:
        context = ssl.create_default_context(cafile=str(cert))
        client = MachineClient(running.port, context=context)
        assert client.login().fixed["ok"] is True
        assert client.ask("99", status_code="0", max_print_width=40).fixed["online_status"] is True
        client.close()
        plain = socket.create_connection(("127.0.0.1", running.port), timeout=5)
        plain.sendall(f"9300CN{LOGIN}|CO{PASSWORD}|\r".encode())
        try:  # not TLS: the handshake fails and the server hangs up without a SIP2 answer
            assert plain.recv(100) == b""
        except ConnectionResetError:
            pass
        plain.close()


def test_a_silent_connection_is_closed_after_the_idle_timeout(app, session):
    add_machine(session)
    session.commit()
    with running_server(app, institution=INSTITUTION, idle_timeout=0.3) as running:
        client = MachineClient(running.port)
        assert client.login().fixed["ok"] is True
        time.sleep(0.8)
        with pytest.raises((ConnectionError, OSError)):
            client.ask("99", status_code="0", max_print_width=40)
        client.close()


def test_pins_and_passwords_never_reach_the_log(sc, caplog):
    caplog.set_level("INFO")
    sc.send_raw(b"2300020261202    100000AOBATAM|AA2171000099|ACmesin-rahasia|AD135790|AY1AZ0000\r")
    sc.send_raw(b"9300COrahasia-sekali|CNmesin-lobi|AY2AZ0000\r")
    logged = caplog.text
    assert "96 for" in logged and "135790" not in logged and "mesin-rahasia" not in logged
    assert "rahasia-sekali" not in logged


def test_an_address_with_many_wrong_logins_is_refused_for_a_while(server):
    for _ in range(2):  # two connections, five wrong logins each (each then closed)
        client = MachineClient(server.port)
        for _ in range(5):
            assert client.login(password="tebakan").fixed["ok"] is False
        with pytest.raises(ConnectionError):
            client.login(password="tebakan")  # the fifth wrong one closed the connection
        client.close()
    client = MachineClient(server.port)
    refused = client.login()  # even the right password, from this address, for now
    assert refused.fixed["ok"] is False and "Terlalu banyak login salah" in refused.get("AF")
    client.close()
