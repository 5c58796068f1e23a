"""Sinks shared by the module (an SMTP server, the Cloud API stand-in), emptied per test."""
from __future__ import annotations

import pytest

from .sinks import CloudApi, SmtpServer


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.inbox.clear()
    yield smtp_server
    smtp_server.inbox.clear()


@pytest.fixture(scope="session")
def cloud_api_server():
    api = CloudApi()
    yield api
    api.stop()


@pytest.fixture
def cloud_api(cloud_api_server):
    cloud_api_server.requests.clear()
    cloud_api_server.fail_with = None
    return cloud_api_server


from tests.content_service.staff.conftest import make_staff, staff_client  # noqa: E402,F401  (the portal's logins)
