"""The import rules of docs/architecture.md, checked on every module's imports
(parsed with `ast`, imports inside functions included), and the module list
there checked against the tree, so neither can drift from the code."""
from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")

# The rules, by package name (docs/architecture.md says why). Every package of
# content_service not named a feature is core, including ones added later.
FEATURES = {"staff", "circulation", "events", "search", "demo", "sip2", "slims", "visitors", "notifications", "opds"}
WIRING = {"content_service", "content_service.migrations.env"}  # may import everything
FEATURE_EDGES = {("events", "staff"), ("events", "circulation"), ("sip2", "circulation"),
                 ("sip2", "staff"), ("slims", "circulation"),
                 ("circulation", "staff"), ("demo", "events"), ("visitors", "staff"),
                 ("visitors", "circulation"), ("visitors", "events"),
                 ("notifications", "circulation"), ("notifications", "events"),
                 ("notifications", "staff"), ("opds", "search")}  # feature -> feature allowed
IMPORTS_THE_KIOSK = {"content_service.demo.run"}  # the demo runs both apps


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str) -> list[Path]:
    return sorted(p for p in (REPO / package).rglob("*.py") if "versions" not in p.parts)


def imported(path: Path) -> Iterator[tuple[str, int]]:
    """(absolute module name, line) for every import in the file; `from X import y`
    yields X.y too (y may be a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield source, node.lineno
            for alias in node.names:
                yield f"{source}.{alias.name}", node.lineno


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "content_service" and parts[1] in FEATURES else None


def breaches() -> list[str]:
    found = []
    for path in modules("kiosk"):
        for target, line in imported(path):
            if target.split(".")[0] == "content_service":
                found.append(f"{path.relative_to(REPO)}:{line}: the kiosk imports {target}")
    for path in modules("content_service"):
        source = module_name(path)
        if source in WIRING:
            continue
        home = feature_of(source)
        for target, line in imported(path):
            where = f"{path.relative_to(REPO)}:{line}"
            if target.split(".")[0] == "kiosk" and source not in IMPORTS_THE_KIOSK:
                found.append(f"{where}: {source} imports the kiosk ({target})")
            other = feature_of(target)
            if other is None or other == home:
                continue
            if home is None:
                found.append(f"{where}: core module {source} imports feature {target}")
            elif (home, other) not in FEATURE_EDGES:
                found.append(f"{where}: feature {home} imports feature {other} ({target}), not a listed edge")
    return sorted(set(found))


def test_the_import_rules_hold():
    assert breaches() == []


def test_the_rules_catch_a_breach(tmp_path, monkeypatch):
    # The checker itself, on a small tree with one breach of each kind (and
    # what the rules allow: the factory, a listed edge).
    fake = tmp_path / "repo"
    for folder in ("content_service/events", "content_service/staff", "kiosk"):
        (fake / folder).mkdir(parents=True)
    files = {
        "content_service/__init__.py": "from . import events, staff\n",
        "content_service/events/__init__.py": "from ..staff import access\n",
        "content_service/staff/__init__.py": "from content_service.events import calendar\n",
        "content_service/resolve.py": "def f():\n    from .events import calendar\n",
        "content_service/labels.py": "import kiosk.symbols\n",
        "kiosk/app.py": "from content_service import codes\n",
    }
    for name, text in files.items():
        (fake / name).write_text(text)
    monkeypatch.setattr(f"{__name__}.REPO", fake)
    assert breaches() == [
        "content_service/labels.py:1: content_service.labels imports the kiosk (kiosk.symbols)",
        "content_service/resolve.py:2: core module content_service.resolve imports feature content_service.events",
        "content_service/resolve.py:2: core module content_service.resolve imports feature "
        "content_service.events.calendar",
        "content_service/staff/__init__.py:1: feature staff imports feature events (content_service.events), "
        "not a listed edge",
        "content_service/staff/__init__.py:1: feature staff imports feature events "
        "(content_service.events.calendar), not a listed edge",
        "kiosk/app.py:1: the kiosk imports content_service",
        "kiosk/app.py:1: the kiosk imports content_service.codes",
    ]


def test_the_architecture_rules_name_the_same_packages():
    rules = ARCHITECTURE[ARCHITECTURE.index("## Import rules"):ARCHITECTURE.index("## Modules")]
    features = re.search(r"\*\*features\*\*: (.+?)\. Each", rules, re.S)
    assert features, "docs/architecture.md: the features line is missing"
    assert set(re.findall(r"`(\w+)`", features[1])) == FEATURES
    for home, other in FEATURE_EDGES:
        assert f"`{home}` → `{other}`" in rules, f"docs/architecture.md does not list the edge {home} -> {other}"
    for wiring in WIRING | IMPORTS_THE_KIOSK:
        path = wiring.replace(".", "/") + ("/__init__.py" if wiring == "content_service" else ".py")
        assert f"`{path}`" in rules, f"docs/architecture.md does not name {path}"


def _documented() -> set[str]:
    """Paths named under each `### `dir/`` heading of the Modules section."""
    listed = set()
    section = ARCHITECTURE[ARCHITECTURE.index("## Modules"):]
    for heading, body in re.findall(r"^### `([\w/]+/)`\n(.*?)(?=^### |\Z)", section, re.S | re.M):
        for name in re.findall(r"^- `([\w.]+\.py)`", body, re.M):
            listed.add(heading + name)
    return listed


def test_every_module_is_in_docs_architecture_and_every_listed_one_exists():
    in_code = {p.relative_to(REPO).as_posix() for package in ("content_service", "kiosk") for p in modules(package)}
    listed = _documented()
    assert "content_service/search/lexicon.py" in listed
    assert sorted(in_code - listed) == [], "modules missing from docs/architecture.md"
    assert sorted(listed - in_code) == [], "docs/architecture.md lists modules that do not exist"
