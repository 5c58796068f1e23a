"""The import rules of the re-layout: the core (everything in
``content_service`` outside the feature packages) never imports a feature,
and the kiosk never imports the service (it talks to it over HTTP only). Features plug into the core
through ``init_app`` and the per-app registries instead."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "content_service"
KIOSK = ROOT.parent / "kiosk"
FEATURES = {"staff", "events", "circulation", "search", "imports", "demo"}


def _imports(path: Path):
    """(line, absolute module name) of every import in a file, relative ones resolved."""
    top = ROOT if path.is_relative_to(ROOT) else KIOSK
    package = [top.name, *path.relative_to(top).parts[:-1]]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield node.lineno, module
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def test_the_core_never_imports_a_feature():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        top = path.relative_to(ROOT).parts[0]
        if top in FEATURES or top == "migrations":
            continue
        for line, name in _imports(path):
            parts = name.split(".")
            if parts[0] == "content_service" and len(parts) > 1 and parts[1] in FEATURES:
                wrong.append(f"{path.relative_to(ROOT.parent)}:{line} imports {name}")
    assert wrong == []


def test_the_kiosk_never_imports_the_service():
    wrong = [f"{path.relative_to(KIOSK.parent)}:{line} imports {name}" for path in sorted(KIOSK.rglob("*.py"))
             for line, name in _imports(path) if name.split(".")[0] == "content_service"]
    assert wrong == []
