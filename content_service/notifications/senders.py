"""How a message leaves: one sender per channel behind one interface, picked
from a registry by the channel (``SENDERS``), configured by settings.

- ``smtp``: email through an SMTP server (``smtplib``): a plain-text and an
  HTML part, attachments (a registration's .ics), ``List-Unsubscribe``, and a
  ``Message-ID`` made from the outbox row's id (the same on every attempt).
- ``whatsapp``: the WhatsApp Business Cloud API,
  ``POST {WHATSAPP_API_URL}/{version}/{phone_number_id}/messages`` with the
  access token as a Bearer token. Without a token messages wait for staff,
  who send them through a ``wa.me`` link in the portal (``Manual``).

A sender raises ``Retry`` for a failure worth another attempt (the server
away, a 4xx that says "later", a timeout) and ``Permanent`` for one that no
attempt will mend (an address refused, a request the API calls invalid)."""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from email import encoders
from email.header import Header
from email.message import Message as Message_
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import quote

import requests


class Retry(Exception):
    """Worth trying again later."""


class Permanent(Exception):
    """No later attempt will send it."""


class Manual(Exception):
    """This channel is sent by staff by hand (WhatsApp without a Cloud API token)."""


@dataclass
class Message:
    id: int
    channel: str
    to: str
    subject: str
    text: str
    html: str
    language: str
    message_id: str
    opt_out_url: str | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


class Sender(Protocol):
    def send(self, message: Message) -> str:
        """Send, and answer the provider's id of the message (raise Retry/Permanent/Manual)."""

    def close(self) -> None:
        """Let go of any connection kept between messages."""


def email_message(message: Message, sender: str) -> Message_:
    """The email: multipart/alternative (text, then HTML) inside multipart/mixed
    when there are attachments. Built with ``email.mime`` (the compat32 policy):
    the modern policy parses every header it is given, several times the cost."""
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(message.text, "plain", "utf-8"))
    alternative.attach(MIMEText(message.html, "html", "utf-8"))
    if message.attachments:
        mail = MIMEMultipart("mixed")
        mail.attach(alternative)
        for filename, mime, data in message.attachments:
            maintype, _, subtype = mime.partition("/")
            part = MIMEApplication(data, subtype) if maintype == "application" else MIMEBase(maintype, subtype)
            if maintype != "application":
                part.set_payload(data)
                encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=filename)
            mail.attach(part)
    else:
        mail = alternative
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = Header(message.subject, "utf-8").encode() if not message.subject.isascii() else message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message.message_id
    mail["Content-Language"] = message.language
    if message.opt_out_url:
        mail["List-Unsubscribe"] = f"<{message.opt_out_url}>"
    mail["Auto-Submitted"] = "auto-generated"
    return mail


class SmtpSender:
    """Email through ``SMTP_HOST``; one connection kept for a batch, opened again when it drops."""

    def __init__(self, config: dict):
        self.host, self.port = config.get("SMTP_HOST") or "", int(config.get("SMTP_PORT") or 25)
        self.tls = config.get("SMTP_TLS") or "off"
        self.user, self.password = config.get("SMTP_USER") or "", config.get("SMTP_PASSWORD") or ""
        self.sender = config.get("SMTP_FROM") or "perpustakaan@localhost"
        self.timeout = float(config.get("SMTP_TIMEOUT") or 30)
        self._smtp: smtplib.SMTP | None = None  # kept between the messages of a batch

    def _connect(self) -> smtplib.SMTP:
        if not self.host:
            raise Permanent("email is not set up (PINDAI_SMTP_HOST)")
        if self.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                 context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.user:
            smtp.login(self.user, self.password)
        return smtp

    def send(self, message: Message) -> str:
        mail = email_message(message, self.sender)
        for attempt in (1, 2):  # a kept connection the server closed: once more on a new one
            kept = self._smtp is not None
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                # send_message returns when the server has answered 250 to the end of DATA.
                self._smtp.send_message(mail)
                return message.message_id
            except smtplib.SMTPRecipientsRefused as exc:
                self._reset()
                codes = [code for code, _ in exc.recipients.values()]
                if all(500 <= code < 600 for code in codes):
                    raise Permanent(f"the server refused the address: {_said(exc.recipients)}") from None
                raise Retry(f"the server refused the address for now: {_said(exc.recipients)}") from None
            except smtplib.SMTPResponseException as exc:
                self.close()
                words = f"{exc.smtp_code} {_text(exc.smtp_error)}"
                if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                    raise Permanent(f"the server refused the message: {words}") from None
                raise Retry(f"the server said {words}") from None
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                if kept and attempt == 1 and isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError)):
                    continue
                raise Retry(f"the email server cannot be reached: {exc}") from None
        raise AssertionError("unreachable")

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _said(recipients: dict) -> str:
    return "; ".join(f"{to}: {code} {_text(words)}" for to, (code, words) in recipients.items())


class WhatsAppSender:
    """Text messages through the WhatsApp Business Cloud API (``WHATSAPP_TOKEN``)."""

    def __init__(self, config: dict):
        self.token = config.get("WHATSAPP_TOKEN") or ""
        self.number_id = config.get("WHATSAPP_PHONE_NUMBER_ID") or ""
        base = (config.get("WHATSAPP_API_URL") or "https://graph.facebook.com").rstrip("/")
        self.url = f"{base}/{config.get('WHATSAPP_API_VERSION') or 'v21.0'}/{self.number_id}/messages"
        self.timeout = float(config.get("SMTP_TIMEOUT") or 30)
        self._http = requests.Session()

    def send(self, message: Message) -> str:
        if not self.token or not self.number_id:
            raise Manual("no WhatsApp Cloud API token: staff send it through its wa.me link")
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": message.to,
                "type": "text", "text": {"preview_url": False, "body": whatsapp_text(message)}}
        try:
            answer = self._http.post(self.url, json=body, timeout=self.timeout,
                                     headers={"Authorization": f"Bearer {self.token}"})
        except requests.RequestException as exc:
            raise Retry(f"the WhatsApp API cannot be reached: {exc}") from None
        if answer.status_code == 200:
            try:
                return str(answer.json()["messages"][0]["id"])
            except (ValueError, KeyError, IndexError, TypeError):
                raise Retry("the WhatsApp API answered without a message id") from None
        reason = _api_error(answer)
        if answer.status_code == 429 or answer.status_code >= 500:
            raise Retry(f"WhatsApp API {answer.status_code}: {reason}")
        raise Permanent(f"WhatsApp API {answer.status_code}: {reason}")

    def close(self) -> None:
        pass


def _api_error(answer) -> str:
    try:
        error = answer.json()["error"]
        return f"{error.get('message')} (code {error.get('code')})"
    except (ValueError, KeyError, TypeError):
        return answer.text[:200]


def whatsapp_text(message: Message) -> str:
    """A WhatsApp message: its subject in bold over the text (at most 4096 characters)."""
    return f"*{message.subject}*\n\n{message.text}"[:4096]


def wa_me_link(number: str, text: str) -> str:
    """The ``wa.me`` link that opens WhatsApp on a staff phone with the message typed."""
    return f"https://wa.me/{number}?text={quote(text)}"


SENDERS: dict[str, Callable[[dict], Sender]] = {"email": SmtpSender, "whatsapp": WhatsAppSender}
