"""The kiosk package's import rules, read from the code (ast):

- the kiosk never imports the content service (they talk over HTTP only);
- `kiosk.scan` (the decoding pipeline) imports nothing else of the kiosk:
  it works without the web app, the service client or the demo media;
- the running kiosk never imports `kiosk.demo` (generated media are for
  demos, tests and benchmarks)."""
from __future__ import annotations

import ast
from pathlib import Path

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"


def imports(path: Path) -> set[str]:
    """Every module name `path` imports (absolute; relative ones resolved)."""
    package = ".".join(path.relative_to(KIOSK.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def modules(under: Path) -> dict[str, set[str]]:
    return {p.relative_to(KIOSK.parent).as_posix(): imports(p) for p in under.rglob("*.py")}


def test_the_kiosk_never_imports_the_content_service():
    bad = {name: sorted(m for m in found if m.split(".")[0] == "content_service")
           for name, found in modules(KIOSK).items()}
    assert {name: found for name, found in bad.items() if found} == {}


def test_the_decoding_pipeline_stands_alone():
    bad = {name: sorted(m for m in found if m.startswith("kiosk") and not m.startswith("kiosk.scan"))
           for name, found in modules(KIOSK / "scan").items()}
    assert {name: found for name, found in bad.items() if found} == {}


def test_the_running_kiosk_never_imports_the_demo_media():
    running = {name: found for name, found in modules(KIOSK).items() if not name.startswith("kiosk/demo/")}
    bad = {name: sorted(m for m in found if m.startswith("kiosk.demo")) for name, found in running.items()}
    assert {name: found for name, found in bad.items() if found} == {}


def test_the_import_reader_sees_imports():
    """The rules above would pass on a reader that found nothing."""
    assert "kiosk.scan.decoders" in imports(KIOSK / "scan" / "decoding.py")
    assert "kiosk.demo.symbols" in imports(KIOSK / "demo" / "synth.py")
    assert "cv2" in imports(KIOSK / "scan" / "sources.py")
