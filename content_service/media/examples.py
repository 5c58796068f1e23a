"""Example files for the staff guide (``/staff/guide``): a registry the
features fill (the demo library adds its generated AR sticker and 3D book)
and the portal offers for download, so staff see what a good extra is."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask


@dataclass(frozen=True)
class Example:
    name: str            # the file's name, e.g. "stiker-ar-contoh.png"
    kind: str            # the extra's kind it shows (ar_overlay, model3d, ...)
    media_type: str
    make: Callable[[], bytes]


def register(app: Flask, example: Example) -> None:
    app.extensions.setdefault("pindai.examples", {})[example.name] = example


def examples(app: Flask) -> dict[str, Example]:
    return dict(app.extensions.get("pindai.examples", {}))
