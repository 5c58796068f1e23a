"""The staff guide (``/staff/guide``): how to make and upload good extras
(video, narration, images, 3D models, AR stickers, links), with the upload
limits as this server has them and example files to download; in Bahasa
Indonesia and English (one template per language: it is prose). Every
upload form links to its section."""
from __future__ import annotations

from flask import Response, abort, current_app, render_template

from ..i18n import current_language
from ..media import checks as uploads
from ..media.checks.base import MODEL_BUDGET
from ..media.examples import examples
from .access import bp, requires

SECTIONS = ("video", "audio", "image", "model3d", "ar_overlay", "ebook", "link")


def limits() -> dict[str, int]:
    return {**uploads.LIMITS, **current_app.config.get("UPLOAD_LIMITS", {})}


@bp.get("/guide")
@requires("content")
def guide():
    language = "en" if current_language() == "en" else "id"
    return render_template(f"staff/guide/guide_{language}.html", limits=limits(), model_budget=MODEL_BUDGET,
                           examples=examples(current_app), max_side=uploads.MAX_SIDE)


@bp.get("/guide/examples/<name>")
@requires("content")
def example(name: str):
    found = examples(current_app).get(name)
    if found is None:
        abort(404)
    return Response(found.make(), mimetype=found.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{found.name}"'})
