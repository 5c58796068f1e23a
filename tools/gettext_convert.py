"""Turn hand-written bilingual errors into gettext calls, keeping their Indonesian.

Older code (and branches written before the catalogues) spells each error twice::

    raise errors.NotFound(f"No book with id {book_id}.", message_id=f"Buku dengan id {book_id} tidak ada.")

    class RetiredCode(errors.PindaiError):
        message_id = "Label ini sudah tidak berlaku."
        message_en = "This label is no longer in use."

This rewrites them to ``_l("No book with id %(book_id)s.", book_id=book_id)`` (and
``message_en = _l(...)`` with the ``message_id`` line dropped), adds
``from flask_babel import lazy_gettext as _l`` where missing, and writes each Indonesian
text into the ``id`` catalogue as the translation of its new message id. Then run
``make translations`` (extract, merge, compile) and review the Indonesian.

Also understood: the positional helpers listed in ``HELPERS`` (an English and an
Indonesian argument), e.g. ``_bad(en, id_)`` and ``refuse(cls, en, id_, **details)``.

Usage: ``python tools/gettext_convert.py [--po PATH] FILE.py ...``"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
ID_CATALOGUE = ROOT / "content_service" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
IMPORT = "from flask_babel import lazy_gettext as _l"
# helper name -> (index of the English argument, index of the Indonesian one)
HELPERS = {"_bad": (0, 1), "refuse": (1, 2), "_refusal": (4, 3)}
FIRST_PARTY = {"content_service", "kiosk", "tests"}


class Source:
    """A module's text with byte offsets for AST nodes (ast columns count UTF-8 bytes)."""

    def __init__(self, text: str):
        self.data = text.encode()
        self.starts = [0]
        for line in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line.encode()))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.starts[node.lineno - 1] + node.col_offset,  # type: ignore[attr-defined]
                self.starts[node.end_lineno - 1] + node.end_col_offset)  # type: ignore[attr-defined]

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode()


def _pattern(source: Source, node: ast.AST, names: dict[str, str]) -> tuple[str, dict[str, str]] | None:
    """An f-string or literal as a gettext pattern and its named values (shared ``names``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("%", "%%"), {}
    if not isinstance(node, ast.JoinedStr):
        return None
    parts: list[str] = []
    values: dict[str, str] = {}
    for piece in node.values:
        if isinstance(piece, ast.Constant):
            parts.append(str(piece.value).replace("%", "%%"))
            continue
        assert isinstance(piece, ast.FormattedValue)
        expr = source.text(piece.value)
        if piece.conversion == ord("r"):
            expr = f"repr({expr})"
        if piece.format_spec is not None:
            spec = "".join(str(c.value) for c in piece.format_spec.values if isinstance(c, ast.Constant))
            expr = f"format({expr}, {spec!r})"
        if expr not in names:
            inner = piece.value
            base = inner.id if isinstance(inner, ast.Name) else inner.attr if isinstance(inner, ast.Attribute) else "value"
            base = base.strip("_").lower() or "value"
            name, n = base, 1
            while name in names.values():
                n += 1
                name = f"{base}{n}"
            names[expr] = name
        parts.append(f"%({names[expr]})s")
        values[names[expr]] = expr
    return "".join(parts), values


def _call(source: Source, english: ast.AST, indonesian: ast.AST | None, found: dict[str, str]) -> str | None:
    names: dict[str, str] = {}
    en = _pattern(source, english, names)
    id_ = _pattern(source, indonesian, names) if indonesian is not None else None
    if en is None or (indonesian is not None and id_ is None):
        return None
    values = {**en[1], **(id_[1] if id_ else {})}
    unescape = (lambda s: s) if values else (lambda s: s.replace("%%", "%"))
    msgid = unescape(en[0])
    if id_:
        found[msgid] = unescape(id_[0])
    args = "".join(f", {k}={v}" for k, v in values.items())
    return f"_l({_quote(msgid)}{args})"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def convert(text: str, found: dict[str, str]) -> str:
    """The module rewritten; ``found`` receives English -> Indonesian."""
    source = Source(text)
    edits: list[tuple[int, int, str]] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call):
            given = [k for k in node.keywords if k.arg == "message_id"]
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if given and node.args:
                new = _call(source, node.args[0], given[0].value, found)
                if new is None:
                    continue
                edits.append((*source.span(node.args[0]), new))
                keyword_start = source.data.rfind(b"message_id", 0, source.span(given[0].value)[0])
                later = [n for n in (*node.args, *node.keywords) if n is not given[0]
                         and (n.lineno, n.col_offset) > (given[0].value.lineno, given[0].value.col_offset)]
                if later:
                    edits.append((keyword_start, source.span(later[0])[0], ""))
                else:
                    earlier_end = max(source.span(n)[1] for n in (*node.args, *node.keywords) if n is not given[0])
                    edits.append((earlier_end, source.span(given[0].value)[1], ""))
            elif func in HELPERS and len(node.args) > max(HELPERS[func]):
                en_at, id_at = HELPERS[func]
                new = _call(source, node.args[en_at], node.args[id_at], found)
                if new is not None:
                    first, last = sorted((en_at, id_at))
                    edits.append((source.span(node.args[first])[0], source.span(node.args[last])[1], new))
        elif isinstance(node, ast.ClassDef):
            assigned = {s.targets[0].id: s for s in node.body if isinstance(s, ast.Assign)
                        and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)}
            if "message_en" in assigned and "message_id" in assigned:
                new = _call(source, assigned["message_en"].value, assigned["message_id"].value, found)
                if new is None:
                    continue
                edits.append((*source.span(assigned["message_en"].value), new))
                start, end = source.span(assigned["message_id"])
                edits.append((source.data.rfind(b"\n", 0, start) + 1, source.data.find(b"\n", end) + 1, ""))
    if not edits:
        return text
    data = source.data
    for start, end, new in sorted(edits, reverse=True):
        data = data[:start] + new.encode() + data[end:]
    return _with_import(data.decode())


def _with_import(text: str) -> str:
    """Add the ``_l`` import in isort's place: among the third-party imports, by module name."""
    if "lazy_gettext as _l" in text:
        return text
    lines = text.split("\n")
    tops = []  # (line index, module) of each top-level import statement
    for i, line in enumerate(lines):
        found = re.match(r"(?:from (\S+) import|import (\S+))", line)
        if found:
            tops.append((i, found.group(1) or found.group(2)))
    ours = [i for i, m in tops if m.startswith(".") or m.split(".")[0] in FIRST_PARTY]
    third = [(i, m) for i, m in tops if i not in ours and m != "__future__"
             and m.split(".")[0] not in sys.stdlib_module_names]
    later = [i for i, m in third if m > "flask_babel"]
    if later:
        lines.insert(later[0], IMPORT)
    elif third:
        at = third[-1][0]
        while lines[at].count("(") > lines[at].count(")") or lines[at].rstrip().endswith("\\"):
            at += 1
            if lines[at].strip().startswith(")"):
                break
        lines.insert(at + 1, IMPORT)
    else:  # no third-party block yet: a new one before our own imports
        lines[ours[0]:ours[0]] = [IMPORT, ""]
    return "\n".join(lines)


def add_to_catalogue(po: Path, found: dict[str, str]) -> int:
    """Write each Indonesian as the translation of its message id (existing translations win)."""
    with open(po, "rb") as f:
        catalogue = read_po(f, locale="id")
    added = 0
    for msgid, indonesian in found.items():
        message = catalogue.get(msgid)
        if message is None or not message.string:
            catalogue.add(msgid, indonesian, flags=("python-format",) if "%(" in msgid else ())
            added += 1
    with open(po, "wb") as f:
        write_po(f, catalogue, width=100, sort_output=True)
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--po", type=Path, default=ID_CATALOGUE, help="the Indonesian catalogue to fill")
    options = parser.parse_args(argv)
    found: dict[str, str] = {}
    for path in options.files:
        before = path.read_text(encoding="utf-8")
        after = convert(before, found)
        if after != before:
            path.write_text(after, encoding="utf-8")
            print(f"converted {path}")
    added = add_to_catalogue(options.po, found)
    print(f"{len(found)} messages, {added} new in {options.po}; now run `make translations`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
