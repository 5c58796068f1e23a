"""Public HTML forms in tests: the CSRF token a visitor's browser would send."""
from __future__ import annotations

import re

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client, page: str) -> str:
    """Open ``page`` as a visitor would and return the form's CSRF token."""
    html = client.get(page).get_data(as_text=True)
    found = _TOKEN.search(html)
    assert found, f"{page} has no CSRF token in its form"
    return found.group(1)
