"""docs/ documents every setting (hidden ones too), every environment variable
the code reads, every `flask` and `python -m kiosk` command with its options,
and the README links every page of it."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import click
import pytest

from content_service import config
from kiosk import settings as kiosk_settings
from kiosk.cli import build_parser
from tests import docgen

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = (REPO / "README.md").read_text(encoding="utf-8")
CONFIGURATION = (DOCS / "configuration.md").read_text(encoding="utf-8")
COMMANDS = (DOCS / "commands.md").read_text(encoding="utf-8")
BUILTIN = {"run", "shell", "routes"}


def test_generated_settings_tables_are_current():
    assert docgen.render(CONFIGURATION) == CONFIGURATION, "docs/configuration.md is out of date: run `make docs`"
    found = {m["name"] for m in docgen.BLOCK.finditer(CONFIGURATION)}
    assert found == set(docgen.blocks()), "a generated block is missing from docs/configuration.md"


# One test per setting, as datasette's test_docs does: a failure names it.
SETTINGS = [("service", s) for s in config.SETTINGS] + [("kiosk", s) for s in kiosk_settings.SETTINGS]


@pytest.mark.parametrize("app_name, setting", SETTINGS, ids=[f"{a}-{s.name}" for a, s in SETTINGS])
def test_every_setting_is_documented(app_name, setting):
    blocks = {m["name"]: m["body"] for m in docgen.BLOCK.finditer(CONFIGURATION)}
    main, advanced = blocks[f"{app_name}-settings"], blocks[f"{app_name}-advanced"]
    assert setting.help.strip(), f"{setting.name} has no help text"
    where = advanced if setting.hidden else main
    assert f"`{setting.name}`" in where, f"{setting.name} is not in its table of docs/configuration.md"
    if setting.env:
        assert f"`{setting.env}`" in where
    if setting.hidden:
        assert f"`{setting.name}`" not in main, "a hidden setting belongs in the advanced table only"


def test_every_environment_variable_the_code_reads_is_documented():
    docs = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md"))
    seen = set()
    for package in ("content_service", "kiosk"):
        for path in (REPO / package).rglob("*.py"):
            seen |= set(re.findall(r"\bPINDAI_[A-Z][A-Z0-9_]*[A-Z0-9]\b", path.read_text(encoding="utf-8")))
    assert "PINDAI_DEMO_DIR" in seen and "PINDAI_KIOSK_KEY" in seen
    missing = sorted(v for v in seen if f"`{v}" not in docs)
    assert not missing, f"not in docs/: {missing}"


def _sections(text: str) -> dict[str, str]:
    """Heading text -> the section under it (to the next heading)."""
    parts = re.split(r"^#{2,4} (.+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def _section_for(prefix: str) -> str:
    """The headings naming `prefix` and their sections, as one text."""
    matches = [head + body for head, body in _sections(COMMANDS).items()
               if re.match(rf"`{re.escape(prefix)}(`| )", head)]
    assert matches, f"no heading for `{prefix}` in docs/commands.md"
    return "\n".join(matches)


def _flask_commands() -> dict[str, click.Command]:
    """Every leaf command of `flask` (groups walked), by its full name."""
    from content_service import create_app

    app = create_app({"ENV": "test", "DATABASE_URL": "sqlite://", "SEARCH_INDEX": "memory"})
    found: dict[str, click.Command] = {}

    def walk(command, path):
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found[" ".join(path)] = command

    for name in sorted(set(app.cli.list_commands(None)) - BUILTIN):
        walk(app.cli.get_command(None, name), [name])
    app.extensions["pindai.engine"].dispose()
    return found


FLASK_COMMANDS = _flask_commands()


def test_the_commands_are_found():
    assert {"init-db", "events attended", "reindex", "print-labels"} <= set(FLASK_COMMANDS)


@pytest.mark.parametrize("path", sorted(FLASK_COMMANDS))
def test_every_command_and_option_is_documented(path):
    section = _section_for(f"flask {path}")
    for param in FLASK_COMMANDS[path].params:
        if isinstance(param, click.Option):
            names = [o for o in param.opts + param.secondary_opts if o.startswith("--")] or param.opts
            for name in names:
                assert name in section, f"flask {path} {name} is not in its section of docs/commands.md"


def test_every_kiosk_command_and_option_is_documented():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) >= {"decode", "watch", "run"}
    for name, sub in subparsers.choices.items():
        text = _section_for(f"python -m kiosk {name}")
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in text, f"python -m kiosk {name} {option} is not in docs/commands.md"



def test_the_readme_links_every_page_and_every_link_resolves():
    pages = sorted(p.relative_to(REPO).as_posix() for p in DOCS.glob("*.md"))
    assert "docs/architecture.md" in pages and "docs/configuration.md" in pages
    for page in pages:
        assert f"]({page})" in README, f"README does not link {page}"
    for doc in [REPO / "README.md", REPO / "benchmarks" / "README.md", *DOCS.glob("*.md")]:
        if not doc.exists():
            continue
        for target, anchor in re.findall(r"\]\(([^)#:]+)(?:#([^)]*))?\)", doc.read_text(encoding="utf-8")):
            linked = doc.parent / target
            assert linked.exists(), f"{doc.relative_to(REPO)} links {target}, which does not exist"
            if anchor:
                assert anchor in _anchors(linked), f"{doc.relative_to(REPO)} links {target}#{anchor}: no such heading"


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
