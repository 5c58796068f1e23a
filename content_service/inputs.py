"""What every request's input must be before any view reads it, checked in
one place so no endpoint can forget it and SQLite and PostgreSQL refuse the
same inputs:

- **Text**: no NUL character (PostgreSQL cannot store one; SQLite would
  keep it) and no lone UTF-16 surrogate (neither database can encode one: a
  500), in form fields, JSON strings and query strings. A view that reads
  an argument as free text and copes with any character (a search box, a
  scanned payload) says so with ``@free_text("q")``; every other argument
  with such a character is refused before the view can look it up.
- **What is written** (every flush, whatever wrote it: a form, the API, an
  import, a command): text within its column's length and without NUL,
  integers within the column's type. PostgreSQL refuses an over-long string
  or an integer beyond its type (a 500 if unchecked) where SQLite would store
  it; here both refuse it first, with a 400 naming the field.
- **JSON bodies** of ``/api/`` routes: what the OpenAPI document says the
  operation takes (types, lengths, bounds, choices, required fields), so the
  document the fuzzer and API clients read is the contract the server keeps.

Each refusal is a 400 ``bad_request`` naming the field, in English and
Indonesian (``details`` says which field and which rule), as JSON for API
clients and the friendly error page for people."""
from __future__ import annotations

import re
from typing import Any, Callable, TypeVar

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from jsonschema import Draft202012Validator
from sqlalchemy import event, inspect
from jsonschema.exceptions import ValidationError

from . import errors, openapi

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NO_BODY = object()
_FREE_TEXT = "_pindai_free_text"
View = TypeVar("View", bound=Callable[..., Any])


def free_text(*names: str) -> Callable[[View], View]:
    """Mark query arguments `names` of a view as text it reads with any
    character in it (it removes or ignores what it cannot use): they are not
    refused for a NUL or a broken character. Put it under the route decorator."""
    def mark(view: View) -> View:
        setattr(view, _FREE_TEXT, frozenset(names))
        return view
    return mark


def init_app(app: Flask) -> None:
    app.extensions["pindai.body_validators"] = {}
    app.before_request(_check_request)
    event.listen(app.extensions["pindai.sessionmaker"], "before_flush", _check_written)


# The integer types' ranges, as PostgreSQL keeps them (SQLite keeps 64 bits).
_INT_RANGES = {"SmallInteger": 2**15, "Integer": 2**31, "BigInteger": 2**63}


class TooLong(errors.PindaiError):
    status = 400
    code = "too_long"


class OutOfRange(errors.PindaiError):
    status = 400
    code = "out_of_range"


def _check_written(session, flush_context, instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        mapper = inspect(obj).mapper
        for column_attr in mapper.column_attrs:
            column = column_attr.columns[0]
            value = getattr(obj, column_attr.key, None)
            if value is None:
                continue
            if isinstance(value, str):
                length = getattr(column.type, "length", None)
                if length is not None and len(value) > length:
                    raise TooLong(_l("'%(field)s' is too long (at most %(limit)s characters).",
                                     field=column_attr.key, limit=length), field=column_attr.key, limit=length)
                if bad_text(value):
                    _refuse_text(column_attr.key)
            elif isinstance(value, int) and not isinstance(value, bool):
                bound = next((b for name, b in _INT_RANGES.items()
                              if type(column.type).__name__ == name), None)
                if bound is not None and not -bound <= value < bound:
                    raise OutOfRange(_l("'%(field)s' is out of range (at most %(limit)s).",
                                        field=column_attr.key, limit=bound - 1), field=column_attr.key)


def bad_text(value: str) -> bool:
    """True for text no database here can store the same way."""
    return "\x00" in value or _LONE_SURROGATE.search(value) is not None


def _refuse_text(field: str):
    raise errors.BadRequest(
        _l("'%(field)s' contains a character that is not allowed (a NUL byte or a broken character).",
           field=field), field=field, rule="text")


def _walk_json(value: Any, path: str) -> None:
    if isinstance(value, str):
        if bad_text(value):
            _refuse_text(path or "body")
    elif isinstance(value, dict):
        for key, item in value.items():
            if bad_text(key):
                _refuse_text(path or "body")
            _walk_json(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk_json(item, f"{path}[{index}]")


def _check_request() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    free: frozenset[str] = getattr(view, _FREE_TEXT, frozenset())
    for name, value in request.args.items(multi=True):
        if bad_text(name) or (name not in free and bad_text(value)):
            _refuse_text("?" if bad_text(name) else name)
    for name, value in request.form.items(multi=True):
        if bad_text(name) or bad_text(value):
            _refuse_text("?" if bad_text(name) else name)
    if request.path.startswith("/api/"):
        _check_json_body()
    elif request.is_json and request.get_data(cache=True):
        _walk_json(request.get_json(silent=True), "")


def _operation_body(rule: str, method: str) -> dict | None:
    """The requestBody of the OpenAPI operation behind a URL rule, or None."""
    path = openapi.spec_path(rule)
    operation = openapi.document(current_app)["paths"].get(path, {}).get(method.lower())
    return (operation or {}).get("requestBody")


def _validator(rule: str, method: str):
    cache = current_app.extensions["pindai.body_validators"]
    key = (rule, method)
    if key not in cache:
        body = _operation_body(rule, method) or {}
        schema = (body.get("content", {}).get("application/json", {}) or {}).get("schema")
        if schema is None:
            cache[key] = None
        else:
            components = openapi.document(current_app)["components"]
            cache[key] = (bool(body.get("required")),
                          Draft202012Validator({**schema, "components": components}))
    return cache[key]


def _check_json_body() -> None:
    if request.url_rule is None:
        return
    found = _validator(request.url_rule.rule, request.method)
    raw = request.get_data(cache=True)
    if found is None:
        if raw and request.is_json:
            body = request.get_json(silent=True)
            _walk_json(body, "")
        return
    required, validator = found
    if not raw.strip():
        if required:
            raise errors.BadRequest(_l("Send a JSON object (Content-Type: application/json)."), rule="body")
        return
    body = request.get_json(force=True, silent=True)
    if body is None and raw.strip() != b"null":
        raise errors.BadRequest(_l("The request body is not valid JSON."), rule="json")
    _walk_json(body, "")
    error = next(iter(sorted(validator.iter_errors(body), key=lambda e: (len(e.path), e.path))), None)
    if error is not None:
        raise _refusal(error)


def _field(error: ValidationError) -> str:
    parts = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = re.match(r"'([^']+)'", error.message)
        parts.append(missing.group(1) if missing else "?")
    return ".".join(parts)


_TYPE_TEXT = {
    "string": lambda field: _l("'%(field)s' must be text.", field=field),
    "integer": lambda field: _l("'%(field)s' must be a whole number.", field=field),
    "number": lambda field: _l("'%(field)s' must be a number.", field=field),
    "boolean": lambda field: _l("'%(field)s' must be true or false.", field=field),
    "array": lambda field: _l("'%(field)s' must be a list.", field=field),
    "object": lambda field: _l("'%(field)s' must be an object.", field=field),
}


def _refusal(error: ValidationError) -> errors.BadRequest:
    field = _field(error)
    rule = str(error.validator)
    schema = error.schema if isinstance(error.schema, dict) else {}
    details = {"field": field, "rule": rule}
    if not field:  # the body itself
        return errors.BadRequest(_l("Send a JSON object (Content-Type: application/json)."), **details)
    if rule == "type":
        types = schema.get("type")
        first = next((t for t in ([types] if isinstance(types, str) else types or []) if t != "null"), "string")
        return errors.BadRequest(_TYPE_TEXT.get(first, _TYPE_TEXT["string"])(field), **details)
    if rule == "required":
        return errors.BadRequest(_l("'%(field)s' is required.", field=field), **details)
    if rule == "maxLength":
        return errors.BadRequest(_l("'%(field)s' must be at most %(limit)s characters.", field=field,
                                    limit=schema["maxLength"]), **details)
    if rule == "minLength":
        return errors.BadRequest(_l("'%(field)s' may not be empty.", field=field), **details)
    if rule in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        if low is not None and high is not None:
            return errors.BadRequest(_l("'%(field)s' must be between %(low)s and %(high)s.", field=field,
                                        low=low, high=high), **details)
        if low is not None:
            return errors.BadRequest(_l("'%(field)s' must be at least %(low)s.", field=field, low=low), **details)
        return errors.BadRequest(_l("'%(field)s' must be at most %(high)s.", field=field, high=high), **details)
    if rule == "enum":
        choices = ", ".join(str(c) for c in schema.get("enum", []) if c is not None)
        return errors.BadRequest(_l("'%(field)s' must be one of %(value)s.", field=field, value=choices), **details)
    if rule == "maxItems":
        return errors.BadRequest(_l("'%(field)s' has too many entries.", field=field), **details)
    return errors.BadRequest(_l("'%(field)s' is not valid.", field=field), **details)
