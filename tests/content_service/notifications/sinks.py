"""Real sinks for the notifications tests and the benchmark: an SMTP server
(aiosmtpd) that receives, parses and keeps every message, and a local HTTP
server that checks each request against the WhatsApp Cloud API's documented
shape (``POST /{version}/{phone_number_id}/messages``, a Bearer token, the
text message JSON) and answers as the API does."""
from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


class Inbox:
    """The aiosmtpd handler: every message accepted, parsed with the email package.

    ``refuse``: an SMTP answer to give to RCPT (e.g. ``"451 4.3.0 try later"``).
    ``hold_first_rcpt``: block the first RCPT until ``release`` is set (signalling
    ``rcpt_seen``), so a test can kill the client mid-dialogue, before DATA."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse: str | None = None
        self.hold_first_rcpt = False
        self.rcpt_seen = threading.Event()
        self.release = threading.Event()
        self.received = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        if self.hold_first_rcpt:
            self.hold_first_rcpt = False
            self.rcpt_seen.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.received:
            self.messages.append(message)
            self.received.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        with self.received:
            assert self.received.wait_for(lambda: len(self.messages) >= count, timeout), \
                f"{len(self.messages)} messages arrived, waited for {count}"
            return list(self.messages)

    def clear(self) -> None:
        self.messages.clear()
        self.refuse = None
        self.hold_first_rcpt = False
        self.rcpt_seen.clear()
        self.release.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()  # aiosmtpd checks it is up by connecting: no port 0
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def config(self) -> dict:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_FROM": "Perpustakaan Kota Batam <pustaka@batam.example.id>"}

    def stop(self) -> None:
        self.controller.stop()


def parts(message: EmailMessage) -> dict:
    """The text, the HTML and the attachments of a received email."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    return {"text": text, "html": html, "attachments": attachments}


PHONE_NUMBER_ID = "109876543210"
TOKEN = "EAAtest-token"


class CloudApi:
    """A local stand-in for graph.facebook.com that refuses what the real API would."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_with: tuple[int, dict] | None = None
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                status, body = api.answer(self)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, handler) -> tuple[int, dict]:
        def error(status, message, code):
            return status, {"error": {"message": message, "type": "OAuthException", "code": code}}

        if not re.fullmatch(rf"/v\d+\.\d+/{PHONE_NUMBER_ID}/messages", handler.path):
            return error(404, f"Unknown path {handler.path}", 803)
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            return error(401, "Invalid OAuth access token", 190)
        if handler.headers.get_content_type() != "application/json":
            return error(400, "Content-Type must be application/json", 100)
        body = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        valid = (body.get("messaging_product") == "whatsapp" and body.get("type") == "text"
                 and re.fullmatch(r"[1-9]\d{7,14}", str(body.get("to", "")))
                 and isinstance(body.get("text"), dict) and isinstance(body["text"].get("body"), str)
                 and 0 < len(body["text"]["body"]) <= 4096)
        if not valid:
            return error(400, "(#100) Invalid parameter", 100)
        self.requests.append(body)
        if self.fail_with:
            return self.fail_with
        n = len(self.requests)
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                     "messages": [{"id": f"wamid.TEST{n:04d}"}]}

    def config(self) -> dict:
        return {"WHATSAPP_TOKEN": TOKEN, "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_API_URL": self.url,
                "WHATSAPP_API_VERSION": "v21.0"}

    def stop(self) -> None:
        self.server.shutdown()
