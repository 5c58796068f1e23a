/* Event screen: an event poster's code (or a tap on the events panel) opens
 * it, with a QR code to open it on a phone; a member registers by scanning
 * their library card while it is shown (the screen claims the card scan).
 * Also "Acara terkait": the next related event on the book screen. */
import { mark, markPainted, on, onResolution, screen, show, state } from "../js/core.js";
import { api } from "../js/http.js";
import { pick, strings, t } from "../js/i18n.js";

strings({
  "event.scan_card": ["Untuk mendaftar, pindai kartu anggota Anda di depan kamera.",
                      "To register, hold your library card up to the camera."],
  "event.qr": ["Pindai dengan ponsel untuk membuka dan mendaftar", "Scan with a phone to open it and register"],
  "event.qr_label": ["Kode QR acara ini", "QR code of this event"],
  "event.seats_left": ["Sisa {n} kursi", "{n} seats left"],
  "event.full": ["Penuh: pendaftar baru masuk antrean tunggu", "Full: new registrations join the waiting list"],
  "event.no_registration": ["Tanpa pendaftaran, langsung datang saja!", "No registration needed, just come!"],
  "event.confirmed": ["Terdaftar! Nomor kursi Anda: {seat}", "Registered! Your seat number: {seat}"],
  "event.waitlisted": ["Acara penuh. Anda di antrean tunggu, urutan ke-{n}.",
                       "The event is full. You are on the waiting list, number {n}."],
  "event.already": ["Kartu ini sudah terdaftar untuk acara ini.", "This card is already registered for this event."],
  "event.today": ["Hari ini", "Today"],
  "event.related": ["Acara terkait", "Related event"],
  "attract.event_qr": ["Kode QR: buka acara ini di ponsel", "QR code: open this event on a phone"],
  "category.storytelling": ["Mendongeng", "Storytelling"],
  "category.class": ["Kelas keterampilan", "Skills class"],
  "category.discussion": ["Diskusi publik", "Public discussion"],
  "category.exhibition": ["Pameran", "Exhibition"],
  "category.school_visit": ["Kunjungan sekolah", "School visit"],
  "category.other": ["Acara", "Event"],
});

const $ = (id) => document.getElementById(id);
let current = null;  // the event date shown (the API's event item)

/* "Sabtu, 5 Desember 09.00" in the library's time zone, whatever the kiosk's clock says. */
function when(item) {
  const date = new Date(item.start_local || item.start);
  if (isNaN(date)) return "";
  const locale = state.lang === "en" ? "en-GB" : "id-ID";
  const text = date.toLocaleString(locale, { weekday: "long", day: "numeric", month: "long",
                                             hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" });
  return (item.today ? t("event.today") + " · " : "") + text + " WIB";
}

function qrUrl(item) {
  return "/service/api/v1/events/" + item.id + "/qr.svg" + (item.date ? "?date=" + encodeURIComponent(item.date) : "");
}

function seatsText(item) {
  if (!item.registration_required) return [t("event.no_registration"), false];
  if (item.seats_left === null || item.seats_left === undefined) return ["", false];
  if (item.seats_left > 0) return [t("event.seats_left", { n: item.seats_left }), false];
  return [t("event.full"), true];
}

function render() {
  if (!current) return;
  const item = current;
  $("event-kind").textContent = t("category." + item.category);
  $("event-title").textContent = pick(item.title, item.title_en);
  $("event-when").textContent = when(item);
  $("event-place").textContent = item.location || "";
  const [seats, full] = seatsText(item);
  $("event-seats").textContent = seats;
  $("event-seats").classList.toggle("full", full);
  $("event-summary").textContent = pick(item.summary, item.summary_en) || "";
  $("event-register").hidden = !item.registration_required;
  const qr = $("event-qr");
  if (qr.getAttribute("src") !== qrUrl(item)) qr.src = qrUrl(item);
}

function result(text, warn) {
  const box = $("event-result");
  box.textContent = text;
  box.classList.toggle("warn", !!warn);
  box.hidden = false;
  mark("event-registration", { text, warn: !!warn });
}

async function register(card) {
  const item = current;
  try {
    const body = await api("/api/v1/events/" + item.id + "/registrations", {
      method: "POST", body: { date: item.date, card_number: card },
    });
    if (!body) { result(t("scan.unsupported"), true); return; }
    if (current === item) { current = body.event; render(); }
    if (body.status === "confirmed") result(t("event.confirmed", { seat: body.seat }));
    else result(t("event.waitlisted", { n: body.waitlist_position }), true);
  } catch (err) {
    result(err.code === "already_registered" ? t("event.already") : err.message, true);
  }
}

/* Open an event date (an API event item) on the event screen. */
export function openEvent(item) {
  current = item;
  $("event-result").hidden = true;
  show("event");
  render();
  markPainted("event", { event: item.id, date: item.date });
}

onResolution("event", (resolution) => openEvent(resolution.event));

screen("event", {
  reset() { current = null; $("event-result").hidden = true; },
  /* While an event that takes registrations is shown, a scanned library card registers its holder. */
  claim(resolution) {
    if (resolution.type !== "patron_card" || !current || !current.registration_required) return false;
    register(resolution.card);
    return true;
  },
});
on("lang", render);

/* "Acara terkait" on the book screen: the book's next related event. */
async function relatedEvent(book) {
  let box = $("book-event-box");
  if (!box) {
    box = document.createElement("section");
    box.id = "book-event-box";
    box.className = "book-event";
    box.setAttribute("aria-labelledby", "book-event-title");
    const heading = document.createElement("h2");
    heading.id = "book-event-title";
    heading.dataset.t = "event.related";
    heading.textContent = t("event.related");
    box.append(heading, document.createElement("div"));
    const bookScreen = $("screen-book");
    const anchor = $("book-related-box");
    if (anchor && anchor.parentNode === bookScreen) bookScreen.insertBefore(box, anchor); else bookScreen.append(box);
  }
  box.hidden = true;
  let body = null;
  try { body = await api("/api/v1/books/" + book.id + "/events?limit=1"); } catch (e) { body = null; }
  const item = body && body.items && body.items[0];
  if (!item || state.current !== "book") return;
  const button = document.createElement("button");
  button.type = "button";
  const title = document.createElement("strong");
  title.textContent = pick(item.title, item.title_en);
  const time = document.createElement("span");
  time.textContent = when(item) + (item.location ? " · " + item.location : "");
  button.append(title, time);
  button.addEventListener("click", () => openEvent(item));
  box.lastChild.replaceWith(button);
  box.hidden = false;
  mark("related-event", { book: book.id, event: item.id });
}
on("book-shown", relatedEvent);
