"""A small SIP2 server that answers the way *other* library systems legally do, to
keep the client general (the peer is one implementation among many):
CRLF line ends, no error detection or every answer numbered AY0, Latin-1 text,
fields in another order, unknown extension fields, optional fields left out,
space-padded counts, ISO due dates, charged items sent as "barcode title", and no
CQ (the system does not use patron passwords).

``VariantServer(sequence="none" | "fixed0", encoding="latin-1").start()``; ``.port``;
``.close()``. It keeps loans per card in memory.
"""
from __future__ import annotations

import socket
import threading

from content_service.sip2.protocol import FrameReader, checksum, decode

TITLES = {"PDB-1": "Ronggeng Dukuh Paruk (édisi)", "PDB-2": "Laskar Pelangi"}


class VariantServer:
    def __init__(self, sequence: str = "none", encoding: str = "latin-1") -> None:
        self.sequence, self.encoding = sequence, encoding
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.loans: dict[str, list[str]] = {}
        self.requests: list[str] = []
        self._closing = False

    def start(self) -> "VariantServer":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def close(self) -> None:
        self._closing = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        reader, last = FrameReader(), b""
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                for frame in reader.feed(data):
                    request = decode(frame, encoding=self.encoding, strict=False)
                    self.requests.append(request.code)
                    if request.code == "97":
                        conn.sendall(last)
                        continue
                    last = self._wire(self._answer(request))
                    conn.sendall(last)

    def _wire(self, text: str) -> bytes:
        body = text.encode(self.encoding)
        if self.sequence == "fixed0":
            head = body + b"AY0AZ"
            body = head + checksum(head).encode()
        return body + b"\r\n"

    def _answer(self, req) -> str:
        now = "20261202    101010"
        card, item = req.get("AA") or "", req.get("AB") or ""
        if req.code == "93":
            return "941"
        if req.code == "99":
            return f"98YYYYNN999003{now}2.00AOBTM|BXYYYYYYYYYYYYYYYY|"
        if req.code == "23":  # no BL: a known card is one with a name
            name = "Budi Santoso" if card == "2171000077" else ""
            return f"24              000{now}AE{name}|AA{card}|"
        if req.code == "63":
            loans = self.loans.get(card, [])
            listed = "".join(f"AU{b} {TITLES[b]}|" for b in loans) if req["summary"][2:3] == "Y" else ""
            return (f"64              000{now}   0   0{len(loans):4d}   0   0   0"
                    f"XXsomething new|AA{card}|AESantoso, Budi|AOBTM|{listed}BLY|PCpelajar|")
        if req.code == "11":
            self.loans.setdefault(card, []).append(item)
            return f"121NNU{now}AB{item}|AA{card}|AJ{TITLES[item]}|AH2026-12-24 23:59|ZZx|AOBTM|"
        if req.code == "17":
            status = "04" if any(item in v for v in self.loans.values()) else "03"
            return f"18{status}0001{now}AB{item}|AJ{TITLES.get(item, '')}|AH2026-12-24|"
        if req.code == "29":
            return f"301YNN{now}AOBTM|AA{card}|AB{item}|AJ{TITLES[item]}|AH2027-01-07|"
        if req.code == "09":
            for loans in self.loans.values():
                if item in loans:
                    loans.remove(item)
            return f"101YNN{now}AOBTM|AB{item}|AQ|AJ{TITLES[item]}|"
        return "96"
