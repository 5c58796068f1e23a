"""Operator commands: the patron CSV import, closed days and loan rules."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from content_service.circulation import calendar, local
from content_service.circulation.models import ClosedDay, Patron
from content_service.circulation.patrons import check_pin

MEMBERS = """nomor_kartu;nama;kategori;berlaku_sampai;pin;telepon;denda
2171-0000-01;Siti Rahmawati;dewasa;31/12/2027;2468;0812000001;0
2171000002;Budi Santoso;anak;2027-06-30;1357;;15.000
2171000003;;pelajar;2027-01-01;1111;;
2171000004;Dewi Lestari;pustakawan;2027-01-01;1111;;
2171000005;Agus;mahasiswa;kemarin;1111;;
2171000006;Rina;staf;2027-01-01;12;;
2171000002;Budi Lagi;anak;2027-06-30;;;
"""


def test_import_patrons_reports_every_row_and_hashes_pins(runner, session, tmp_path):
    path = tmp_path / "anggota.csv"
    path.write_text(MEMBERS, encoding="utf-8")
    result = runner.invoke(args=["import-patrons", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated, 0 unchanged, 5 failed" in result.output
    for line, reason in ((4, "name is missing"), (5, "pustakawan"), (6, "kemarin"), (7, "4 to 8 digits"),
                         (8, "appears twice")):
        assert f"line {line}: " in result.output and reason in result.output
    siti = session.scalars(select(Patron).where(Patron.card_number == "2171000001")).one()
    assert (siti.name, siti.category, siti.expires_on, siti.phone) == ("Siti Rahmawati", "adult", date(2027, 12, 31), "0812000001")
    assert "2468" not in siti.pin_hash and check_pin("2468", siti.pin_hash)
    budi = session.scalars(select(Patron).where(Patron.card_number == "2171000002")).one()
    assert (budi.category, budi.fines) == ("child", 15000)
    # Again: nothing changes; a new PIN in the file is hashed in.
    again = runner.invoke(args=["import-patrons", str(path)])
    assert "0 new, 0 updated, 2 unchanged" in again.output
    path.write_text("card_number,name,pin\n2171000001,Siti Rahmawati,9753\n", encoding="utf-8")
    assert "0 new, 1 updated" in runner.invoke(args=["import-patrons", str(path)]).output
    session.rollback()  # a fresh snapshot after the command's commit
    assert check_pin("9753", session.get(Patron, siti.id).pin_hash)


def test_import_needs_card_and_name_columns(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("judul,pengarang\nBumi,Tere Liye\n", encoding="utf-8")
    result = runner.invoke(args=["import-patrons", str(path)])
    assert "card number column and a name column" in result.output and "1 failed" in result.output


def test_closed_days_command_moves_due_dates(runner, session):
    result = runner.invoke(args=["closed-days", "--add", "2030-12-24..2030-12-26", "--reason", "Natal"])
    assert result.exit_code == 0 and "3 added" in result.output and "2030-12-25  Natal" in result.output
    assert calendar.due_date(calendar.due_at(session, date(2030, 12, 10), 14)) == date(2030, 12, 27)
    assert "1 removed" in runner.invoke(args=["closed-days", "--remove", "2030-12-25"]).output
    session.rollback()
    assert {d.day for d in session.scalars(select(ClosedDay))} == {date(2030, 12, 24), date(2030, 12, 26)}
    bad = runner.invoke(args=["closed-days", "--add", "2030-12-26..2030-12-24"])
    assert bad.exit_code != 0 and "ends before it starts" in bad.output


def test_loan_rules_command(runner, session):
    result = runner.invoke(args=["loan-rules", "--set", "child", "*", "--days", "10", "--max-loans", "2",
                                 "--renewals", "0"])
    assert result.exit_code == 0, result.output
    assert local.rule_for(session, "child", "book") == local.Rule(10, 2, 0, "*")
    assert runner.invoke(args=["loan-rules", "--set", "ghost", "*", "--days", "1", "--max-loans", "1",
                               "--renewals", "0"]).exit_code != 0
    assert runner.invoke(args=["loan-rules", "--set", "adult", "*"]).exit_code != 0
    listing = runner.invoke(args=["loan-rules"]).output
    assert "child     *            10          2         0" in listing


def test_hold_command_sets_a_copy_aside(runner, session):
    from tests.factories import make_book, make_item

    from .helpers import make_patron

    waiting, other = make_patron(session), make_patron(session)
    item = make_item(session, make_book(session), barcode="B-HOLD-1")
    session.commit()
    result = runner.invoke(args=["hold", "B-HOLD-1", waiting.card_number])
    assert result.exit_code == 0 and waiting.card_number not in result.output, result.output
    assert runner.invoke(args=["hold", "B-HOLD-1", other.card_number]).exit_code != 0  # one hold at a time
    session.rollback()
    assert local.active_hold(session, item).patron_id == waiting.id
    assert runner.invoke(args=["hold", "NOPE", waiting.card_number]).exit_code != 0
    assert "1 hold(s)" in runner.invoke(args=["hold", "B-HOLD-1", "--cancel"]).output
    session.rollback()
    assert local.active_hold(session, item) is None


def test_patron_command_sets_what_staff_control(runner, session):
    from .helpers import make_patron

    patron = make_patron(session, name="Budi Santoso", locked_until=None)
    session.commit()
    card = patron.card_number
    shown = runner.invoke(args=["patron", card])
    assert shown.exit_code == 0 and "Budi Santoso (adult)" in shown.output and "blocks: none" in shown.output
    blocked = runner.invoke(args=["patron", card, "--lost", "--block", "Buku rusak", "--fines", "75000"])
    assert "card_lost, fines_too_high, blocked_by_staff" in blocked.output and "Rp 75.000" in blocked.output
    set_pin = runner.invoke(args=["patron", card, "--found", "--unblock", "--fines", "0", "--set-pin"],
                            input="8642\n8642\n")
    assert set_pin.exit_code == 0 and "blocks: none" in set_pin.output and "8642" not in set_pin.output, set_pin.output
    session.expire_all()  # read what the command committed
    assert local.authenticate(session, card, "8642") is not None
    assert runner.invoke(args=["patron", card, "--set-pin"], input="12\n12\n").exit_code != 0
    assert runner.invoke(args=["patron", "NOSUCHCARD"]).exit_code != 0
