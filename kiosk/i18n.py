"""The kiosk page's text: gettext catalogues, for the templates and the JS.

- `kiosk/translations/<lang>/LC_MESSAGES/messages.po`: one catalogue per
  language (`LANGUAGES`; Indonesian first, the default), message ids the
  English source text, kept up to date with `make translations` (extracted
  from the screens' JS and the templates by `kiosk/babel.cfg`) like the
  content service's own catalogues;
- `catalogue(lang)`: the parsed `.po` (Babel's `read_po`), read again when
  the file changes, so a translator's edit shows on the next page load;
- `page_messages(lang)`: what `/i18n/<lang>.json` sends the page's `t()`
  (`kiosk/static/js/i18n.js`): the translated messages (a plural one as its
  list of forms, a message with a context under "context\\x04id" as gettext
  keys it) and which form each CLDR plural category takes, so the page
  picks plural forms with `Intl.PluralRules` and never evaluates a formula;
- `gettext` / `ngettext` for the templates (`_()`), which render in the
  default language; the page re-translates their `data-t*` attributes.

A message missing from a catalogue reads as its English id, never blank.
"""

from __future__ import annotations

import gettext as _gettext
import threading
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
CONTEXT_SEPARATOR = "\x04"  # gettext's msgctxt/msgid joint

_cache: dict[str, tuple[float, Catalog]] = {}  # .po path -> (its mtime, parsed)
_page_cache: dict[str, tuple[Catalog, dict]] = {}  # lang -> (the catalogue it was made from, JSON)
_lock = threading.Lock()


class UnknownLanguage(LookupError):
    """No catalogue for this language."""


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def catalogue(lang: str) -> Catalog:
    """The parsed catalogue of `lang` (cached until its file changes)."""
    if lang not in LANGUAGES:
        raise UnknownLanguage(lang)
    path = po_path(lang)
    mtime = path.stat().st_mtime
    with _lock:
        cached = _cache.get(str(path))
        if cached and cached[0] == mtime:
            return cached[1]
    with open(path, "rb") as f:
        parsed = read_po(f, locale=lang)
    with _lock:
        _cache[str(path)] = (mtime, parsed)
    return parsed


def _key(message) -> str:
    msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return f"{message.context}{CONTEXT_SEPARATOR}{msgid}" if message.context else msgid


def _translated(message) -> str | list[str] | None:
    """The message's translation (its forms for a plural), or None when
    untranslated or fuzzy (gettext would not use it either)."""
    if not message.id or message.fuzzy:
        return None
    if isinstance(message.string, (list, tuple)):
        forms = list(message.string)
        return forms if forms and all(forms) else None
    return message.string or None


def plural_indexes(parsed: Catalog, lang: str) -> dict[str, int]:
    """Which of the catalogue's plural forms each CLDR plural category of
    `lang` takes (en: {"one": 0, "other": 1}; id: {"other": 0})."""
    formula = _gettext.c2py(parsed.plural_expr)
    rule = Locale.parse(lang).plural_form
    indexes: dict[str, int] = {}
    for n in range(200):  # every category of a language shows among its first integers
        indexes.setdefault(rule(n), min(formula(n), parsed.num_plurals - 1))
    return indexes


def page_messages(lang: str) -> dict:
    """The JSON the page's `t()` reads for `lang` (made again only when the catalogue changed)."""
    parsed = catalogue(lang)
    cached = _page_cache.get(lang)
    if cached is not None and cached[0] is parsed:
        return cached[1]
    messages = {}
    for message in parsed:
        text = _translated(message)
        if text is not None:
            messages[_key(message)] = text
    page = {"lang": lang, "plurals": plural_indexes(parsed, lang), "messages": messages}
    _page_cache[lang] = (parsed, page)
    return page


def gettext(msgid: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """`msgid` in `lang` (the templates' `_()`)."""
    message = catalogue(lang).get(msgid)
    text = _translated(message) if message is not None else None
    return text[0] if isinstance(text, list) else (text or msgid)


def ngettext(singular: str, plural: str, n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """The plural form of a message for `n`, {n} filled in (the templates' `ngettext()`)."""
    parsed = catalogue(lang)
    message = parsed.get(singular)
    forms = _translated(message) if message is not None else None
    if isinstance(forms, list):
        text = forms[min(_gettext.c2py(parsed.plural_expr)(n), len(forms) - 1)]
    else:
        text = singular if n == 1 else plural
    return text.replace("{n}", str(n))
