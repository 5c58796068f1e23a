"""Registration: seats, the waitlist, cancelling, and no overbooking when
many people register at the same moment (threads on real databases)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from content_service import errors
from content_service.events import registration, schedule
from content_service.events.models import Registration

from .helpers import make_event


def _register(session, event, n, **extra):
    return registration.register(session, event, event.starts_at, name=f"Pengunjung {n}",
                                 phone=f"0812{n:08d}", **extra)


def test_seats_then_waitlist_then_promotion_on_cancel(session):
    event = make_event(session, capacity=2, registration_required=True)
    first, second, third, fourth = (_register(session, event, n) for n in range(4))
    assert [r.status for r in (first, second, third, fourth)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert (first.seat, second.seat, third.seat) == (1, 2, None)
    assert registration.waitlist_position(session, fourth) == 2
    cancelled = registration.cancel(session, first.token)
    assert cancelled.status == "cancelled" and cancelled.seat is None
    session.expire_all()
    assert (third.status, third.seat, third.promoted_at is not None) == ("confirmed", 1, True)
    assert registration.waitlist_position(session, fourth) == 1
    registration.cancel(session, first.token)  # twice: harmless, nobody else moves up
    session.expire_all()
    assert fourth.status == "waitlisted"


def test_one_place_per_person_per_date(session):
    event = make_event(session, capacity=5, registration_required=True)
    registration.register(session, event, event.starts_at, card_number="bk-0001 23")
    with pytest.raises(registration.AlreadyRegistered):
        registration.register(session, event, event.starts_at, card_number="BK000123")
    first = _register(session, event, 7)
    with pytest.raises(registration.AlreadyRegistered) as twice:  # the same name, typed otherwise
        registration.register(session, event, event.starts_at, name="  pengunjung   7 ", phone="+62 812 0000 0007")
    assert twice.value.details["token"] == first.token
    registration.cancel(session, first.token)
    again = _register(session, event, 7)  # after cancelling, one may register again
    assert again.status == "confirmed"


def test_a_parent_registers_each_child_with_one_phone(session):
    event = make_event(session, capacity=5, registration_required=True)
    phone = "0812 7000 1234"
    children = [registration.register(session, event, event.starts_at, name=name, phone=phone)
                for name in ("Siti", "Budi", "Rina", "Ayu")]
    assert [(r.name, r.status, r.seat) for r in children] == [
        ("Siti", "confirmed", 1), ("Budi", "confirmed", 2), ("Rina", "confirmed", 3), ("Ayu", "confirmed", 4)]
    assert len({r.token for r in children}) == 4  # each has a link of their own to cancel
    with pytest.raises(registration.PhoneLimit) as refused:
        registration.register(session, event, event.starts_at, name="Dewi", phone="+62 812-7000-1234")
    assert refused.value.status == 409 and refused.value.code == "phone_limit"
    assert str(refused.value.message_en).startswith("At most 4 people")  # the page test reads it in Indonesian
    registration.cancel(session, children[1].token)  # Budi is ill: his seat frees a place on the phone too
    dewi = registration.register(session, event, event.starts_at, name="Dewi", phone=phone)
    assert (dewi.status, dewi.seat) == ("confirmed", 2)
    other = registration.register(session, event, event.starts_at, name="Siti", phone="0813 0000 0001")
    assert other.status == "confirmed"  # another family's Siti is another person
    assert session.scalar(select(func.count()).select_from(Registration)
                          .where(Registration.status == "confirmed")) == 5


def test_registration_is_refused_clearly(session):
    free = make_event(session)
    with pytest.raises(registration.RegistrationNotNeeded):
        _register(session, free, 1)
    past = make_event(session, start=schedule.now() - timedelta(days=1), registration_required=True)
    with pytest.raises(registration.RegistrationClosed):
        _register(session, past, 1)
    event = make_event(session, registration_required=True, rrule="FREQ=WEEKLY")
    with pytest.raises(registration.RegistrationClosed):
        registration.register(session, event, event.starts_at + timedelta(days=1), name="A", phone="081234567890")
    with pytest.raises(errors.BadRequest):
        registration.register(session, event, event.starts_at, name="A", phone="12")
    with pytest.raises(errors.BadRequest):
        registration.register(session, event, event.starts_at, name="", phone="081234567890")


def test_the_database_refuses_a_second_person_in_one_seat(session):
    event = make_event(session, capacity=3, registration_required=True)
    taken = _register(session, event, 1)
    session.add(Registration(occurrence_id=taken.occurrence_id, status="confirmed", seat=taken.seat,
                             identity="phone:6200", token="x" * 20, channel="staff"))
    with pytest.raises(Exception) as caught:
        session.commit()
    assert "seat" in str(caught.value).lower() or "unique" in str(caught.value).lower()
    session.rollback()


def _race(app, target, count):
    """Run ``target(session, n)`` in ``count`` threads released together."""
    barrier = threading.Barrier(count)
    failures = []

    def run(n):
        session = app.extensions["pindai.sessionmaker"]()
        try:
            barrier.wait()
            target(session, n)
        except Exception as exc:  # collected and asserted below
            failures.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_concurrent_registrations_take_exactly_capacity_seats(app, session):
    event = make_event(session, capacity=5, registration_required=True)
    failures = _race(app, lambda s, n: _register(s, event, n), 16)
    assert failures == []
    rows = session.execute(select(Registration.status, Registration.seat)).all()
    assert sorted(seat for status, seat in rows if status == "confirmed") == [1, 2, 3, 4, 5]
    assert sum(status == "waitlisted" for status, _ in rows) == 11


def test_concurrent_cancellations_promote_each_waiting_person_once(app, session):
    event = make_event(session, capacity=4, registration_required=True)
    people = [_register(session, event, n) for n in range(10)]
    tokens = [r.token for r in people[:4]]
    failures = _race(app, lambda s, n: registration.cancel(s, tokens[n]), 4)
    assert failures == []
    session.expire_all()
    confirmed = session.scalars(select(Registration).where(Registration.status == "confirmed")).all()
    assert sorted(r.seat for r in confirmed) == [1, 2, 3, 4]
    assert sorted(r.id for r in confirmed) == [r.id for r in people[4:8]]  # first come, first seated
    assert session.scalar(select(func.count()).where(Registration.status == "waitlisted")) == 2
