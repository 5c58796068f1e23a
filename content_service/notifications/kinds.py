"""The kinds of message, each with its built-in wording in Bahasa Indonesia
and English (staff may replace either in the portal), the names a template
may use, and a sample of them (a template is tried on it before it is saved).

Templates are Jinja in a sandbox: ``{{ title }}``, ``{% for line in lines %}``.
The plain-text part is the template itself; the HTML part is made from it
(paragraphs, links); the opt-out link is added by the system under every
message, so no template can leave it out."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # lazy text: what staff see
    names: tuple[str, ...]  # what its templates may use, besides the common ones
    subject: dict[str, str]
    body: dict[str, str]
    email_only: bool = False  # a kiosk receipt goes to an email address or nowhere
    sample: dict = field(default_factory=dict)


COMMON = ("name", "library")
EVENT_NAMES = ("event", "when", "place", "event_url", "cancel_url")

_SAMPLE_EVENT = {"event": "Dongeng Sabtu Pagi", "when": "Sabtu, 12 Desember 2026 09.00 WIB",
                 "place": "Ruang Anak", "event_url": "https://pindai.example.id/events/1",
                 "cancel_url": "https://pindai.example.id/registrations/abc/cancel"}

KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("registration", _l("Event registration"), (*EVENT_NAMES, "waiting", "position"),
         {"id": "Pendaftaran: {{ event }}", "en": "Registration: {{ event }}"},
         {"id": "Halo {{ name }},\n\n"
                "{% if waiting %}Anda masuk daftar tunggu {{ event }} ({{ when }}), urutan ke-{{ position }}. "
                "Kami kabari bila ada kursi untuk Anda.{% else %}Pendaftaran Anda untuk {{ event }} sudah tercatat.{% endif %}\n\n"
                "Waktu: {{ when }}\nTempat: {{ place }}\nInfo acara: {{ event_url }}\n\n"
                "Tidak bisa datang? Batalkan di sini agar kursinya untuk orang lain: {{ cancel_url }}\n\n"
                "Sampai jumpa,\n{{ library }}",
          "en": "Hello {{ name }},\n\n"
                "{% if waiting %}You are on the waiting list for {{ event }} ({{ when }}), number {{ position }}. "
                "We will tell you when a seat is yours.{% else %}You are registered for {{ event }}.{% endif %}\n\n"
                "When: {{ when }}\nWhere: {{ place }}\nAbout the event: {{ event_url }}\n\n"
                "Cannot come? Cancel here so someone else gets the seat: {{ cancel_url }}\n\n"
                "See you,\n{{ library }}"},
         sample={**_SAMPLE_EVENT, "waiting": False, "position": None}),
    Kind("waitlist_promoted", _l("Seat from the waiting list"), EVENT_NAMES,
         {"id": "Ada kursi untuk Anda: {{ event }}", "en": "A seat for you: {{ event }}"},
         {"id": "Halo {{ name }},\n\nKabar baik: ada kursi kosong dan sekarang kursi itu milik Anda untuk "
                "{{ event }}.\n\nWaktu: {{ when }}\nTempat: {{ place }}\n\n"
                "Tidak bisa datang? Batalkan di sini: {{ cancel_url }}\n\n{{ library }}",
          "en": "Hello {{ name }},\n\nGood news: a seat came free and it is yours now for {{ event }}.\n\n"
                "When: {{ when }}\nWhere: {{ place }}\n\nCannot come? Cancel here: {{ cancel_url }}\n\n{{ library }}"},
         sample=_SAMPLE_EVENT),
    Kind("event_reminder", _l("Event reminder (the day before)"), EVENT_NAMES,
         {"id": "Besok: {{ event }}", "en": "Tomorrow: {{ event }}"},
         {"id": "Halo {{ name }},\n\nMengingatkan: besok {{ event }}.\n\nWaktu: {{ when }}\nTempat: {{ place }}\n\n"
                "Berhalangan? Batalkan di sini: {{ cancel_url }}\n\n{{ library }}",
          "en": "Hello {{ name }},\n\nA reminder: {{ event }} is tomorrow.\n\nWhen: {{ when }}\nWhere: {{ place }}\n\n"
                "Cannot come? Cancel here: {{ cancel_url }}\n\n{{ library }}"},
         sample=_SAMPLE_EVENT),
    Kind("hold_ready", _l("Reserved book ready"), ("title", "pickup_by", "pickup_library", "account_url"),
         {"id": "Buku pesanan Anda sudah tersedia: {{ title }}", "en": "Your reserved book is ready: {{ title }}"},
         {"id": "Halo {{ name }},\n\nBuku pesanan Anda, {{ title }}, sudah menunggu di rak pesanan "
                "{{ pickup_library }}.\nAmbil paling lambat {{ pickup_by }}; setelah itu buku diberikan kepada "
                "anggota berikutnya di daftar tunggu.\n\nAkun saya: {{ account_url }}\n\n{{ library }}",
          "en": "Hello {{ name }},\n\nYour reserved book, {{ title }}, is waiting for you on the hold shelf at "
                "{{ pickup_library }}.\nCollect it by {{ pickup_by }}; after that it goes to the next member "
                "in the queue.\n\nMy account: {{ account_url }}\n\n{{ library }}"},
         sample={"title": "Laskar Pelangi", "pickup_by": "Kamis, 10 Desember 2026",
                 "pickup_library": "Perpustakaan Kota Batam", "account_url": "https://pindai.example.id/akun"}),
    Kind("due_soon", _l("Due in 2 days"), ("title", "due_date", "account_url"),
         {"id": "Kembalikan paling lambat {{ due_date }}: {{ title }}", "en": "Due back by {{ due_date }}: {{ title }}"},
         {"id": "Halo {{ name }},\n\nBuku {{ title }} harus dikembalikan paling lambat {{ due_date }}.\n"
                "Masih dibaca? Perpanjang di akun Anda: {{ account_url }}\n\n{{ library }}",
          "en": "Hello {{ name }},\n\n{{ title }} is due back by {{ due_date }}.\n"
                "Still reading? Renew it in your account: {{ account_url }}\n\n{{ library }}"},
         sample={"title": "Laskar Pelangi", "due_date": "Jumat, 11 Desember 2026",
                 "account_url": "https://pindai.example.id/akun"}),
    Kind("overdue", _l("Overdue"), ("title", "due_date", "account_url"),
         {"id": "Terlambat dikembalikan: {{ title }}", "en": "Overdue: {{ title }}"},
         {"id": "Halo {{ name }},\n\nBuku {{ title }} seharusnya dikembalikan pada {{ due_date }}. "
                "Mohon kembalikan secepatnya di perpustakaan atau di kios mana pun.\n\n"
                "Akun saya: {{ account_url }}\n\n{{ library }}",
          "en": "Hello {{ name }},\n\n{{ title }} was due back on {{ due_date }}. Please return it soon, at the "
                "desk or at any kiosk.\n\nMy account: {{ account_url }}\n\n{{ library }}"},
         sample={"title": "Laskar Pelangi", "due_date": "Senin, 30 November 2026",
                 "account_url": "https://pindai.example.id/akun"}),
    Kind("kiosk_receipt", _l("Receipt from the kiosk"), ("lines", "receipt_url"),
         {"id": "Struk peminjaman {{ library }}", "en": "Loan receipt, {{ library }}"},
         {"id": "Halo {{ name }},\n\nIni struk peminjaman Anda dari kios:\n\n"
                "{% for line in lines %}- {{ line.title }}: kembalikan paling lambat {{ line.due_date }}\n"
                "{% endfor %}\nStruk ini juga bisa dibuka di ponsel: {{ receipt_url }}\n\n{{ library }}",
          "en": "Hello {{ name }},\n\nYour loan receipt from the kiosk:\n\n"
                "{% for line in lines %}- {{ line.title }}: due back by {{ line.due_date }}\n"
                "{% endfor %}\nOpen it on a phone too: {{ receipt_url }}\n\n{{ library }}"},
         email_only=True,
         sample={"lines": [{"title": "Laskar Pelangi", "due_date": "Jumat, 11 Desember 2026"}],
                 "receipt_url": "https://pindai.example.id/receipts/abc"}),
)}


def get_kind(name: str) -> Kind:
    return KINDS[name]
