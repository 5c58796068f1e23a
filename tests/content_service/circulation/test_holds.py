"""Holds as a queue per title: reserve, positions, limits, cancel, the copy a
check-in sets aside, pickup days, expiry to the next in the queue; through the
domain functions, the kiosk API and ``flask expire-holds``."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from content_service.circulation import calendar, holds, local, refusals
from tests.factories import make_book, make_item

from .helpers import kiosk_headers, login, make_patron

LIMIT = 50000
MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
POLICY = holds.Policy(pickup_days=3, limits=holds.parse_limits("child=1"))
API = "/api/v1/circulation"


def refusal_code(call) -> str:
    with pytest.raises(refusals.Refusal) as caught:
        call()
    return caught.value.code


def reserve(session, patron, book, now=MONDAY):
    return holds.reserve(session, patron, book, max_fines=LIMIT, policy=POLICY, now=now)


def lent_book(session, copies=1):
    """A title whose every copy is out, and the member who has them."""
    book, reader = make_book(session, title="Laskar Pelangi"), make_patron(session, name="Budi Santoso")
    items = [make_item(session, book) for _ in range(copies)]
    for item in items:
        local.checkout(session, reader, item, max_fines=LIMIT, now=MONDAY)
    return book, items, reader


def test_a_title_is_reserved_only_when_no_copy_is_on_the_shelf(session):
    patron = make_patron(session)
    on_shelf = make_book(session, copies=1)
    assert refusal_code(lambda: reserve(session, patron, on_shelf)) == "copy_on_shelf"
    reference_only = make_book(session, statuses=["reference"])
    assert refusal_code(lambda: reserve(session, patron, reference_only)) == "not_holdable"
    book, _items, reader = lent_book(session)
    hold = reserve(session, patron, book)
    assert holds.position(session, hold) == 1 and hold.item_id is None
    assert refusal_code(lambda: reserve(session, patron, book)) == "already_reserved"
    assert refusal_code(lambda: reserve(session, reader, book)) == "reserve_own_loan"


def test_the_queue_keeps_order_and_a_cancel_moves_everyone_up(session):
    book, _items, _reader = lent_book(session)
    first, second, third = (make_patron(session) for _ in range(3))
    h1 = reserve(session, first, book)
    h2 = reserve(session, second, book, now=MONDAY + timedelta(minutes=1))
    h3 = reserve(session, third, book, now=MONDAY + timedelta(minutes=2))
    assert [holds.position(session, h) for h in (h1, h2, h3)] == [1, 2, 3]
    holds.cancel(session, second, h2.id, POLICY)
    assert h2.end_reason == "cancelled" and holds.position(session, h3) == 2
    # Only the member's own, open holds can be cancelled.
    assert refusal_code(lambda: holds.cancel(session, first, h3.id, POLICY)) == "unknown_hold"
    assert refusal_code(lambda: holds.cancel(session, second, h2.id, POLICY)) == "unknown_hold"


def test_limits_follow_the_member_category(session):
    child, adult = make_patron(session, category="child"), make_patron(session)
    books = [lent_book(session)[0] for _ in range(2)]
    reserve(session, child, books[0])
    refused = pytest.raises(refusals.Refusal, reserve, session, child, books[1])
    assert refused.value.code == "too_many_holds" and refused.value.details == {"max_holds": 1}
    assert all(reserve(session, adult, b) for b in books)  # adults: 5 by default
    with pytest.raises(Exception, match="PINDAI_HOLD_LIMITS"):
        holds.parse_limits("kids=3")


def test_a_blocked_member_cannot_reserve(session):
    book, _items, _reader = lent_book(session)
    patron = make_patron(session, staff_block="Buku rusak")
    assert refusal_code(lambda: reserve(session, patron, book)) == "blocked_by_staff"


def test_checkin_sets_the_copy_aside_for_the_first_in_the_queue_until_the_pickup_day(session):
    book, (item,), reader = lent_book(session)
    waiting, next_one, stranger = make_patron(session, name="Dewi Lestari"), make_patron(session), make_patron(session)
    hold = reserve(session, waiting, book)
    later = reserve(session, next_one, book, now=MONDAY + timedelta(minutes=5))
    # While someone waits for the title, its loan cannot be renewed.
    loan = local.open_loan_of(session, item)
    assert refusal_code(lambda: local.renew(session, reader, loan, max_fines=LIMIT, now=MONDAY)) == "renew_on_hold"
    calendar.add_closed_days(session, [date(2026, 12, 11)], "Libur")
    back = MONDAY + timedelta(days=1)  # Tuesday
    _loan, filled = local.checkin(session, item, now=back, policy=POLICY)
    assert filled is hold and hold.item_id == item.id and hold.ready_at is not None
    # 3 days from Tuesday is Friday, a closed day: collect by Saturday.
    assert calendar.due_date(hold.pickup_by) == date(2026, 12, 12)
    assert holds.hold_dict(session, hold)["ready"] is True and holds.position(session, later) == 1
    assert refusal_code(lambda: local.checkout(session, stranger, item, max_fines=LIMIT, now=back)) \
        == "on_hold_for_another"
    local.checkout(session, waiting, item, max_fines=LIMIT, now=back)
    assert hold.end_reason == "fulfilled" and holds.open_holds(session, waiting) == []


def test_an_uncollected_hold_expires_and_the_copy_passes_to_the_next(session):
    book, (item,), _reader = lent_book(session)
    first, second = make_patron(session), make_patron(session)
    h1, h2 = reserve(session, first, book), reserve(session, second, book, now=MONDAY + timedelta(minutes=1))
    local.checkin(session, item, now=MONDAY, policy=POLICY)
    assert holds.expire(session, POLICY, now=MONDAY + timedelta(days=2)) == []  # not yet
    done = holds.expire(session, POLICY, now=MONDAY + timedelta(days=5))
    assert done == [(h1, h2)] and h1.end_reason == "expired"
    assert h2.item_id == item.id and h2.ready_at is not None
    # The last in the queue lets it go: the copy is free for anyone.
    holds.cancel(session, second, h2.id, POLICY)
    assert holds.copy_on_shelf(session, book.id) == item


def test_borrowing_another_copy_fulfils_the_title_hold(session):
    book, (item,), _reader = lent_book(session)
    patron = make_patron(session)
    hold = reserve(session, patron, book)
    new_copy = make_item(session, book)  # a new copy arrives
    local.checkout(session, patron, new_copy, max_fines=LIMIT, now=MONDAY)
    assert hold.end_reason == "fulfilled" and item.status == "on_loan"


def test_the_kiosk_reserves_and_the_return_says_for_whom(client, session):
    book, (item,), _reader = lent_book(session)
    dewi = make_patron(session, name="Dewi Lestari")
    headers = kiosk_headers(session)
    session.commit()
    mine = login(client, headers, dewi.card_number)
    res = client.post(f"{API}/holds", json={"book_id": book.id}, headers=mine)
    assert res.status_code == 201 and res.get_json()["hold"]["position"] == 1, res.get_json()
    again = client.post(f"{API}/holds", json={"book_id": book.id}, headers=mine)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_reserved"
    assert client.post(f"{API}/holds", json={"book_id": "x"}, headers=mine).status_code == 400
    status = client.get(f"{API}/session", headers=mine).get_json()
    assert status["holds_ready"] == 0 and status["holds"][0]["title"] == "Laskar Pelangi"
    back = client.post(f"{API}/checkins", json={"payload": item.barcode}, headers=headers).get_json()
    assert back["to_hold_shelf"] is True and back["hold_for"]["first_name"] == "Dewi"
    status = client.get(f"{API}/session", headers=mine).get_json()
    assert status["holds_ready"] == 1 and status["holds"][0]["pickup_by"]
    hold_id = status["holds"][0]["id"]
    assert client.delete(f"{API}/holds/{hold_id}", headers=mine).status_code == 204
    assert client.delete(f"{API}/holds/{hold_id}", headers=mine).status_code == 404
    assert client.get(f"{API}/session", headers=mine).get_json()["holds"] == []


def test_expire_holds_command(runner, session):
    book, (item,), _reader = lent_book(session)
    first, second = make_patron(session), make_patron(session)
    reserve(session, first, book, now=datetime(2020, 1, 6, 2, tzinfo=timezone.utc))
    reserve(session, second, book, now=datetime(2020, 1, 6, 3, tzinfo=timezone.utc))
    local.checkin(session, item, now=datetime(2020, 1, 7, 2, tzinfo=timezone.utc), policy=POLICY)
    session.commit()
    result = runner.invoke(args=["expire-holds"])
    assert result.exit_code == 0, result.output
    assert f"now for card …{second.card_number[-3:]}" in result.output and "1 hold(s) expired" in result.output
