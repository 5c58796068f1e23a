"""The generated parts of docs/: settings tables written from the settings
tables of both apps (`content_service.config.SETTINGS`, `kiosk.settings.SETTINGS`).

- `blocks()`: block name -> the Markdown table it holds.
- `render(text)`: `text` with every block between its markers rewritten.
- `python -m tests.docgen` (`make docs`): rewrites docs/configuration.md.

A block sits between `<!-- generated: NAME -->` and `<!-- end: NAME -->`;
`tests/test_docs.py` fails when a block is not what `render` would write
(datasette keeps its settings docs the same way, with cog).
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from content_service import config
from kiosk import settings as kiosk_settings

DOCS = Path(__file__).resolve().parents[1] / "docs"
CONFIGURATION = DOCS / "configuration.md"
BLOCK = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- end: (?P=name) -->)", re.S)


def _default(setting: Any) -> str:
    if setting.shown_default:
        return setting.shown_default
    if setting.default is None:
        return "(none)"
    if isinstance(setting.default, bool):
        return "`yes`" if setting.default else "`no`"
    return f"`{setting.default}`"


def table(rows: tuple[Any, ...], hidden: bool) -> str:
    """Markdown table of the rows with this `hidden` flag."""
    chosen = [s for s in rows if s.hidden == hidden]
    if hidden:
        lines = ["| setting | type | default | meaning |", "|---|---|---|---|"]
        lines += [f"| `{s.name}` | {s.type.__name__} | {_default(s)} | {s.help} |" for s in chosen]
    else:
        lines = ["| variable | setting | type | default | meaning |", "|---|---|---|---|---|"]
        lines += [f"| `{s.env}` | `{s.name}` | {s.type.__name__} | {_default(s)} | {s.help} |" for s in chosen]
    return "\n".join(lines) + "\n"


def blocks() -> dict[str, str]:
    return {
        "service-settings": table(config.SETTINGS, hidden=False),
        "service-advanced": table(config.SETTINGS, hidden=True),
        "kiosk-settings": table(kiosk_settings.SETTINGS, hidden=False),
        "kiosk-advanced": table(kiosk_settings.SETTINGS, hidden=True),
    }


def render(text: str) -> str:
    wanted = blocks()

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        body = wanted.get(name, match["body"])
        return f"{match.group(1)}{body}{match.group(4)}"

    return BLOCK.sub(replace, text)


def main() -> int:
    text = CONFIGURATION.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        CONFIGURATION.write_text(new, encoding="utf-8")
        print(f"rewrote {CONFIGURATION.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
