"""Staff accounts limited to one library of the network: what they may
change. A school librarian (``StaffUser.library_id`` set) adds and edits her
school's copies only, and a title's shared record only while no other library
holds a copy of it; accounts without a library work for the whole network.

Every catalogue write path of the portal asks here before it changes a row
(``check_item``, ``check_book``, ``library_for_copy``), so the refusal is the
same whichever form or page the request came from."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from .. import errors
from ..catalogue.models import Book, Item
from ..libraries import all_libraries, default_library, get_library
from ..libraries.models import Library


class OtherLibrary(errors.PindaiError):
    status = 403
    code = "other_library"
    message_en = _l("This copy belongs to another library of the network: only its own staff can change it.")


class SharedRecord(errors.PindaiError):
    status = 403
    code = "shared_record"
    message_en = _l("Other libraries of the network hold copies of this title: only network staff can change "
                    "its record.")


def staff_library() -> int | None:
    """The library the logged-in account is limited to (None: the whole network)."""
    return getattr(current_user, "library_id", None)


def may_change_item(item: Item) -> bool:
    scope = staff_library()
    return scope is None or item.library_id == scope


def may_change_book(book: Book) -> bool:
    scope = staff_library()
    return scope is None or all(item.library_id == scope for item in book.items)


def check_item(item: Item) -> None:
    if not may_change_item(item):
        raise OtherLibrary()


def check_book(book: Book) -> None:
    if not may_change_book(book):
        raise SharedRecord()


def library_for_copy(session: Session, code: str | None) -> int:
    """The library a copy is added to or moved to: the account's own (naming
    another is refused), else the one the form names, else the default."""
    scope = staff_library()
    chosen = get_library(session, code).id if code else None
    if scope is not None:
        if chosen is not None and chosen != scope:
            raise OtherLibrary()
        return scope
    return chosen if chosen is not None else default_library(session).id


def choices(session: Session) -> list[Library]:
    """The libraries a staff form offers: the account's own only, or all."""
    scope = staff_library()
    libraries = all_libraries(session)
    return [lib for lib in libraries if lib.id == scope] if scope is not None else libraries
