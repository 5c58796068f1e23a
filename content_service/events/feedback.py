"""The visitor survey: five faces and an optional short comment, from the
kiosk after a visit or from a phone; staff read the results over time."""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import errors
from . import schedule
from ..catalogue.models import Book
from .models import FEEDBACK_CONTEXTS, Event, Feedback

MAX_COMMENT = 500


def record(session: Session, rating, comment: str | None = None, context: str = "phone", *,
           kiosk_id: int | None = None, event_id: int | None = None, book_id: int | None = None,
           language: str | None = None) -> Feedback:
    """Store one answer, or raise ``errors.BadRequest`` saying what is wrong."""
    # Forms send text, JSON sends numbers; true/false and 4.5 are not ratings.
    if isinstance(rating, str) and rating.strip().isdigit():
        rating = int(rating.strip())
    if isinstance(rating, bool) or not isinstance(rating, int):
        rating = None
    if rating is None or not 1 <= rating <= 5:
        raise errors.BadRequest(_l("'rating' must be a whole number from 1 to 5."))
    if context not in FEEDBACK_CONTEXTS:
        raise errors.BadRequest(_l("'context' must be one of %(value)s.", value=', '.join(FEEDBACK_CONTEXTS)))
    if comment is not None and not isinstance(comment, str):
        raise errors.BadRequest(_l("'comment' must be text."))
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise errors.BadRequest(_l("The comment is longer than %(max_comment)s characters.", max_comment=MAX_COMMENT))
    if event_id is not None and session.get(Event, event_id) is None:
        raise errors.BadRequest(_l("No event with id %(event_id)s.", event_id=event_id))
    if book_id is not None and session.get(Book, book_id) is None:
        raise errors.BadRequest(_l("No book with id %(book_id)s.", book_id=book_id))
    answer = Feedback(rating=rating, comment=comment, context=context, kiosk_id=kiosk_id, event_id=event_id,
                      book_id=book_id, language=language)
    session.add(answer)
    session.flush()
    return answer


def summary(session: Session, *, days: int = 90, now: datetime | None = None) -> dict:
    """Results per week (Jakarta weeks, Monday first), overall, and the latest comments."""
    now = schedule.as_utc(now or schedule.now())
    since = now - timedelta(days=days)
    answers = session.scalars(select(Feedback).where(Feedback.at >= since).order_by(Feedback.at)).all()
    weeks: OrderedDict[str, dict] = OrderedDict()
    for answer in answers:
        week = schedule.week_start(schedule.local(answer.at).date()).isoformat()
        row = weeks.setdefault(week, {"week": week, "count": 0, "total": 0, "ratings": [0] * 5})
        row["count"] += 1
        row["total"] += answer.rating
        row["ratings"][answer.rating - 1] += 1
    for row in weeks.values():
        row["average"] = round(row.pop("total") / row["count"], 2)
    count = len(answers)
    return {
        "count": count,
        "average": round(sum(a.rating for a in answers) / count, 2) if count else None,
        "by_context": {ctx: sum(1 for a in answers if a.context == ctx) for ctx in FEEDBACK_CONTEXTS},
        "weeks": list(weeks.values()),
        "comments": [
            {"at": schedule.local(a.at).isoformat(), "rating": a.rating, "context": a.context, "comment": a.comment}
            for a in reversed(answers) if a.comment
        ][:50],
    }
