/* Event screen: an event poster's code (or a tap on the events panel) opens
 * it, with a QR code to open it on a phone; a member registers by scanning
 * their library card while it is shown (the screen claims the card scan).
 * Also "Acara terkait": the next related event on the book screen. */
import { mark, markPainted, on, onResolution, screen, show, state } from "../js/core.js";
import { api } from "../js/http.js";
import { locale, N_, nt, pick, t } from "../js/i18n.js";

// The API's event categories as the library names them (an unknown one is just "Event").
const CATEGORIES = { storytelling: N_("Storytelling"), class: N_("Skills class"), discussion: N_("Public discussion"),
                     exhibition: N_("Exhibition"), school_visit: N_("School visit"), other: N_("Event") };

const $ = (id) => document.getElementById(id);
let current = null;  // the event date shown (the API's event item)

/* "Sabtu, 5 Desember pukul 09.00 WIB" in the library's time zone, whatever the kiosk's clock says. */
function when(item) {
  const date = new Date(item.start_local || item.start);
  if (isNaN(date)) return "";
  const text = date.toLocaleString(locale(), { weekday: "long", day: "numeric", month: "long",
                                               hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" });
  return (item.today ? t("Today") + " · " : "") + text + " WIB";
}

function qrUrl(item) {
  return "/service/api/v1/events/" + item.id + "/qr.svg" + (item.date ? "?date=" + encodeURIComponent(item.date) : "");
}

function seatsText(item) {
  if (!item.registration_required) return [t("No registration needed, just come!"), false];
  if (item.seats_left === null || item.seats_left === undefined) return ["", false];
  if (item.seats_left > 0) return [nt("{n} seat left", "{n} seats left", item.seats_left), false];
  return [t("Full: new registrations join the waiting list"), true];
}

function render() {
  if (!current) return;
  const item = current;
  $("event-kind").textContent = t(CATEGORIES[item.category] || CATEGORIES.other);
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
    if (!body) { result(t("This code cannot be shown on this kiosk yet."), true); return; }
    if (current === item) { current = body.event; render(); }
    if (body.status === "confirmed") result(t("Registered! Your seat number: {seat}", { seat: body.seat }));
    else result(t("The event is full. You are on the waiting list, number {n}.", { n: body.waitlist_position }), true);
  } catch (err) {
    result(err.code === "already_registered" ? t("This library card is already registered for this event.") : err.message,
           true);
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

/* "Acara terkait" on the book screen: the book's next related event (shown
 * again in the other language on a switch). */
let related = null;

function relatedButton(item) {
  const button = document.createElement("button");
  button.type = "button";
  const title = document.createElement("strong");
  title.textContent = pick(item.title, item.title_en);
  const time = document.createElement("span");
  time.textContent = when(item) + (item.location ? " · " + item.location : "");
  button.append(title, time);
  button.addEventListener("click", () => openEvent(item));
  return button;
}

async function relatedEvent(book) {
  let box = $("book-event-box");
  if (!box) {
    box = document.createElement("section");
    box.id = "book-event-box";
    box.className = "book-event";
    box.setAttribute("aria-labelledby", "book-event-title");
    const heading = document.createElement("h2");
    heading.id = "book-event-title";
    heading.dataset.t = N_("Related event");
    heading.textContent = t("Related event");
    box.append(heading, document.createElement("div"));
    const bookScreen = $("screen-book");
    const anchor = $("book-related-box");
    if (anchor && anchor.parentNode === bookScreen) bookScreen.insertBefore(box, anchor); else bookScreen.append(box);
  }
  box.hidden = true;
  related = null;
  let body = null;
  try { body = await api("/api/v1/books/" + book.id + "/events?limit=1"); } catch (e) { body = null; }
  const item = body && body.items && body.items[0];
  if (!item || state.current !== "book") return;
  related = item;
  box.lastChild.replaceWith(relatedButton(item));
  box.hidden = false;
  mark("related-event", { book: book.id, event: item.id });
}
on("book-shown", relatedEvent);
on("lang", () => {
  const box = $("book-event-box");
  if (box && related && !box.hidden) box.lastChild.replaceWith(relatedButton(related));
});
