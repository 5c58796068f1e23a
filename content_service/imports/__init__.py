"""Catalogue imports: ``flask import-marc FILE``, ``flask import-csv FILE`` and
``flask import online-links FILE`` (ISBN -> online resource, ``online_links``).

Both report every record (imported, updated, unchanged, skipped, failed with
its position and reason) and are idempotent: a re-run updates, never
duplicates. ``import_file`` is the same entry point for the staff portal."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask import Flask
from sqlalchemy.orm import Session

from ..db import get_session
from . import marc, online_links, tabular
from .records import ImportReport, Outcome, run

__all__ = ["detect_kind", "estimate", "import_file", "ImportReport", "Outcome"]


def detect_kind(path: Path, chosen: str) -> str:
    """The format a file is in, by its bytes: a CSV uploaded with MARC left
    selected (or MARC with CSV) is read as what it is. When the bytes do not
    say, the chosen format stands."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith((b"<", b"{", b"[", b"=LDR")) or (marc.RECORD_END in head and head[:5].strip().isdigit()):
        return "marc"
    first_line = text.split(b"\n", 1)[0]
    if chosen == "marc" and marc.RECORD_END not in head and any(sep in first_line for sep in (b",", b";", b"\t", b"|")):
        return "csv"
    return chosen


def import_file(session: Session, path: Path, kind: str, *, mapping=None, source=None, progress=None) -> ImportReport:
    """Import a MARC (binary, MARCXML, MARC-in-JSON, MARCMaker) or CSV file.
    The file's own bytes decide between the two (``detect_kind``); the report
    says when that was not the format chosen."""
    path = Path(path)
    report = ImportReport(source=path.name)
    actual = detect_kind(path, kind) if kind in ("marc", "csv") else kind
    if actual != kind:
        report.chosen, kind = kind, actual
    report.kind = kind
    if kind == "marc":
        records = marc.read(path)
    elif kind == "csv":
        records = tabular.read(path, mapping, source)
    else:
        raise ValueError(f"unknown import kind {kind!r}")
    return run(session, report, records, progress=progress)


def estimate(path: Path, kind: str) -> int:
    """How many records a file holds, for a progress bar."""
    return marc.estimate(path) if kind == "marc" else tabular.count_rows(path)


def _parse_map(values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for value in values:
        column, sep, field = value.partition("=")
        if not sep or not column or not field:
            raise click.BadParameter(f"{value!r}: use COLUMN=FIELD", param_hint="--map")
        mapping[column] = field
    return mapping


def _run_cli(path: Path, kind: str, report_path: Path | None, **options) -> None:
    total = estimate(path, detect_kind(path, kind))
    try:
        with click.progressbar(length=total, label=f"Importing {path.name}", file=sys.stderr) as bar:
            report = import_file(get_session(), path, kind, progress=bar.update, **options)
    except (tabular.ImportProblem, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    if report.chosen:
        click.echo(f"{path.name} is a {report.kind.upper() if report.kind else ''} file: read as such.")
    click.echo(report.summary())
    for outcome in report.duplicates:
        click.echo(f"  likely duplicate: {outcome.position}: {outcome.label} (book {outcome.book_id}) is like "
                   + ", ".join(f"book {book_id}" for book_id, _title in outcome.duplicates))
    for outcome in report.outcomes:
        if outcome.status in ("failed", "skipped"):
            click.echo(f"  {outcome.status}: {outcome.position}: {outcome.reason}" + (f" [{outcome.label}]" if outcome.label else ""))
    repaired = report.repaired
    if repaired:
        click.echo(f"  repairs and warnings on {len(repaired)} records" + ("" if report_path else " (--report FILE lists them all)"))
        for outcome in repaired[:10]:
            click.echo(f"  note: {outcome.position}: {'; '.join(map(str, outcome.notes))}")
    if report_path:
        write_report(report, report_path)
        click.echo(f"Full report: {report_path}")


def write_report(report: ImportReport, path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["position", "status", "title", "reason", "notes"])
        for o in report.outcomes:
            writer.writerow([o.position, o.status, o.label, o.reason, " | ".join(map(str, o.notes))])


@click.command("import-marc")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Write every record's outcome to this CSV.")
def import_marc_command(file: Path, report_path: Path | None) -> None:
    """Import MARC 21 records (binary UTF-8/MARC-8, MARCXML, MARC-in-JSON, .mrk)."""
    _run_cli(file, "marc", report_path)


@click.command("import-csv")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help=f"Read COLUMN as FIELD (or 'ignore'). Fields: {', '.join(tabular.FIELDS)}.")
@click.option("--source", help="Name of the exporting system, so two systems' record ids never meet "
              "(default: one shared namespace; not the file name).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Write every row's outcome to this CSV.")
def import_csv_command(file: Path, maps: tuple[str, ...], source: str | None, report_path: Path | None) -> None:
    """Import a CSV catalogue export (English or Indonesian column names)."""
    _run_cli(file, "csv", report_path, mapping=_parse_map(maps), source=source)


@click.command("online-links")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unpublished", is_flag=True, help="Leave the new links unpublished (staff publish them in the portal).")
def import_online_links_command(file: Path, unpublished: bool) -> None:
    """Attach online resources (iPusnas, e-journals, databases) to titles by ISBN from a CSV:
    isbn,url,provider[,title]. Re-importing the same file adds nothing twice."""
    session = get_session()
    try:
        report = online_links.import_links(session, online_links.read_text(file), published=not unpublished)
    except online_links.LinksFileProblem as exc:
        raise click.ClickException(str(exc.message_en)) from exc
    session.commit()
    click.echo(f"{file.name}: {report.summary()}")
    for row in report.problems:
        click.echo(f"  line {row.line}: {row.status}: {row.isbn or '(no ISBN)'} -> {row.url or '(no address)'}: {row.reason}")


@click.group("import")
def import_group() -> None:
    """Imports that attach to the catalogue (see also import-marc, import-csv)."""


import_group.add_command(import_online_links_command)


def init_app(app: Flask) -> None:
    app.cli.add_command(import_marc_command)
    app.cli.add_command(import_csv_command)
    app.cli.add_command(import_group)
