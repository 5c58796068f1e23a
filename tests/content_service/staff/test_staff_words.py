"""What staff read is in WIB and in Indonesian: the audit log's times, the
kiosk list's last scan, registration statuses and the staff language switch."""
from __future__ import annotations

from datetime import datetime, timezone

from content_service.staff.models import AuditEntry


def test_the_audit_log_shows_wib_times_in_the_staff_language(staff_client, session):
    client, _token = staff_client("admin")
    session.add(AuditEntry(at=datetime(2026, 12, 1, 22, 24, tzinfo=timezone.utc), username="siti",
                           action="book.edit", target_type="book", target_id=1, detail={}))
    session.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "2 Des 2026 pukul 05.24 WIB" in page  # 22.24 UTC is 05.24 the next morning in Batam
    assert "UTC" not in page and "22:24" not in page
    english = client.get("/staff/audit?lang=en").get_data(as_text=True)
    assert "Dec 2, 2026 at 5:24\u202fAM WIB" in english
    assert ">Bahasa Indonesia</a>" in english and ">English</a>" not in english
