"""A message's words: the kind's template (staff's own, else the built-in
one) rendered in a Jinja sandbox, the plain text with the opt-out line under
it, and the HTML part made from that text (escaped, paragraphs, links)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import errors
from .kinds import COMMON, KINDS
from .models import LANGUAGES, NotificationTemplate

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
FOOTER = {"id": "Tidak ingin menerima pesan dari kami lagi, atau ingin lewat saluran lain? {url}",
          "en": "Do not want these messages, or want them another way? {url}"}


class BadTemplate(errors.BadRequest):
    code = "bad_template"


@dataclass(frozen=True)
class Words:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=256)
def _compiled(source: str):
    return _ENV.from_string(source)


def wording(session: Session, kind: str, language: str) -> tuple[str, str]:
    """(subject, body) templates of ``kind`` in ``language``: staff's, else the built-in."""
    row = session.get(NotificationTemplate, (kind, language))
    if row is not None:
        return row.subject, row.body
    found = KINDS[kind]
    return found.subject[language], found.body[language]


def staff_templates(session: Session) -> dict[tuple[str, str], NotificationTemplate]:
    return {(row.kind, row.language): row for row in session.scalars(select(NotificationTemplate))}


def render(subject: str, body: str, context: dict, language: str, opt_out_url: str | None) -> Words:
    """The message: subject on one line, the text, and its HTML part."""
    subject_text = " ".join(_compiled(subject).render(context).split())[:300]
    text = _compiled(body).render(context).strip()
    if opt_out_url:
        text += "\n\n--\n" + FOOTER[language].format(url=opt_out_url)
    return Words(subject_text, text, html(text, language))


def html(text: str, language: str) -> str:
    """The HTML part of a plain-text message: every character escaped, links
    made links, blank lines paragraphs, line breaks kept."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        escaped = str(escape(block))
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup(f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8"></head>'
                  f'<body style="font-family:sans-serif;line-height:1.5">{"".join(paragraphs)}</body></html>')


def check(kind: str, language: str, subject: str, body: str) -> Words:
    """Try a template staff typed on the kind's sample; a clear refusal when it
    does not render (a typo in ``{{ }}``, a name the kind does not have)."""
    if kind not in KINDS or language not in LANGUAGES:
        raise errors.NotFound()
    if not subject.strip() or not body.strip():
        raise BadTemplate(_l("A message needs a subject and a text."))
    if len(subject) > 300 or len(body) > 5000:
        raise BadTemplate(_l("The subject is at most 300 characters and the text at most 5000."))
    context = {"name": "Siti", "library": "Perpustakaan Kota Batam", **KINDS[kind].sample}
    try:
        return render(subject, body, context, language, "https://pindai.example.id/pesan/contoh")
    except TemplateError as exc:
        allowed = ", ".join(f"{{{{ {n} }}}}" for n in (*COMMON, *KINDS[kind].names))
        raise BadTemplate(_l("The template does not work: %(reason)s. It may use: %(names)s.",
                             reason=exc.message or type(exc).__name__, names=allowed)) from None
