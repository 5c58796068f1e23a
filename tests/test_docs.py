"""The README and the pages under docs/ document every setting and every operator command."""
from __future__ import annotations

from pathlib import Path

from content_service import config

ROOT = Path(__file__).resolve().parents[1]
README = "\n".join(path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
BUILTIN = {"run", "shell", "routes"}


def test_every_setting_is_documented():
    for name in config.ENV_SETTINGS:
        assert f"PINDAI_{name}" in README, f"PINDAI_{name} is not in the README"


def test_every_command_is_documented(app):
    ours = set(app.cli.list_commands(None)) - BUILTIN
    assert ours, "no commands registered"
    for command in ours:
        assert f"`{command}" in README, f"flask {command} is not in the README"
