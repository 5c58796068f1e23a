"""``flask events``: what staff use until the portal has event forms."""
from __future__ import annotations

from sqlalchemy import select

from content_service.events import registration, schedule
from content_service.events.models import Event, SchoolVisit, Registration
from tests.factories import make_book
from tests.forms import form_token


def test_create_edit_cancel_date_and_list(runner, session):
    book = make_book(session, title="Kancil yang Cerdik")
    session.commit()
    made = runner.invoke(args=[
        "events", "create", "--title", "Cerita di Pagi Hari", "--category", "storytelling", "--audience", "children",
        "--ages", "4-8", "--start", "2030-01-05T09:00", "--end", "2030-01-05T10:30", "--rrule", "FREQ=WEEKLY;BYDAY=SA",
        "--capacity", "20", "--registration", "--location", "Ruang Anak", "--book", str(book.id)])
    assert made.exit_code == 0, made.output
    assert "poster QR: https://pindai.example.id/q/" in made.output
    event = session.scalars(select(Event)).one()
    assert (event.age_min, event.age_max, event.capacity, [b.title for b in event.books]) == (4, 8, 20, ["Kancil yang Cerdik"])
    assert schedule.local(event.starts_at).hour == 9
    cancelled = runner.invoke(args=["events", "cancel-date", str(event.id), "2030-01-12T09:00"])
    assert cancelled.exit_code == 0, cancelled.output
    wrong = runner.invoke(args=["events", "cancel-date", str(event.id), "2030-01-13T09:00"])
    assert wrong.exit_code != 0 and "does not take place" in wrong.output
    bad = runner.invoke(args=["events", "edit", str(event.id), "--rrule", "FREQ=SECONDLY"])
    assert bad.exit_code != 0 and "Recurrence" in bad.output
    session.expire_all()
    assert session.get(Event, event.id).rrule == "FREQ=WEEKLY;BYDAY=SA"
    missing = runner.invoke(args=["events", "create", "--title", "X"])
    assert missing.exit_code != 0 and "--start" in missing.output


def test_raising_capacity_seats_the_waiting_list(runner, session):
    made = runner.invoke(args=["events", "create", "--title", "Kelas Menulis", "--start", "2030-02-01T14:00",
                               "--end", "2030-02-01T16:00", "--capacity", "1", "--registration"])
    assert made.exit_code == 0, made.output
    event = session.scalars(select(Event)).one()
    for n in range(3):
        registration.register(session, event, event.starts_at, name=f"Peserta {n}", phone=f"08120000000{n}")
    listing = runner.invoke(args=["events", "registrations", str(event.id)])
    assert "1 confirmed, 2 waiting" in listing.output
    edited = runner.invoke(args=["events", "edit", str(event.id), "--capacity", "2"])
    assert "1 people moved from the waiting list" in edited.output
    session.expire_all()
    assert sorted(session.scalars(select(Registration.status))) == ["confirmed", "confirmed", "waitlisted"]
    token = session.scalars(select(Registration.token).where(Registration.seat == 1)).one()
    assert runner.invoke(args=["events", "attended", token]).exit_code == 0


def test_school_visits_and_feedback_commands(runner, session, client):
    client.post("/school-visits", data={"csrf_token": form_token(client, "/school-visits"),
                                        "school": "SD 5", "teacher_name": "Bu Ani", "phone": "081200001111",
                                        "class_size": "25", "preferred_date": "2030-03-03"})
    client.post("/api/v1/feedback", json={"rating": 2, "comment": "Antrean lama", "context": "kiosk_checkout"})
    client.post("/api/v1/feedback", json={"rating": 5, "context": "kiosk_book"})
    visit_id = session.scalars(select(SchoolVisit.id)).one()
    assert "SD 5" in runner.invoke(args=["events", "visits"]).output
    accepted = runner.invoke(args=["events", "visit-accept", str(visit_id), "--at", "2030-03-03T09:00"])
    assert "accepted" in accepted.output
    again = runner.invoke(args=["events", "visit-decline", str(visit_id)])
    assert again.exit_code != 0 and "already been decided" in again.output
    report = runner.invoke(args=["events", "feedback"]).output
    assert "2 answers" in report and "average 3.5" in report and "Antrean lama" in report


def test_seed_demo_programmes_is_idempotent(runner, client, session):
    first = runner.invoke(args=["events", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "8 sample programmes added" in first.output and "/q/" in first.output
    again = runner.invoke(args=["events", "seed-demo"]).output
    assert "0 sample programmes added (8 were there already, updated)" in again
    assert len(session.scalars(select(Event.id)).all()) == 8
    assert len(session.scalars(select(SchoolVisit.id)).all()) == 1  # the sample teacher's request, once
    # Which children's programme comes first depends on today's weekday (the school visit day is a Tuesday).
    children = client.get("/api/v1/events/upcoming?limit=10&audience=children").get_json()["items"]
    stories = next(item for item in children if item["title"] == "Cerita di Pagi Hari")
    assert stories["start_local"].endswith("+07:00") and "T09:00:00" in stories["start_local"]
    assert session.scalar(select(Event.rrule).where(Event.title == "Coding untuk Remaja")) == "FREQ=MONTHLY;BYDAY=1SA"
