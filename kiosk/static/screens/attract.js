/* Attract screen: how to scan, the camera preview, and the upcoming events:
 * as many cards as the panel holds (three beside the camera, four under it
 * on a portrait screen), turning to the next ones when there are more.
 *
 * The last list the service gave stays when it cannot be reached (and over
 * a reload: it is kept in localStorage); dates that are over drop out, and
 * "today" is worked out again here, so an old list never shows a past event. */
import { config, on, screen, state } from "../js/core.js";
import { api } from "../js/http.js";
import { locale, pick, t } from "../js/i18n.js";
import { openEvent } from "./event.js";

const STORE = "pindai.attract.events";
const PORTRAIT = window.matchMedia("(orientation: portrait)");

let events = [];
let listFor = null;  // the audience the list was asked for ("" or "children")
let page = 0;
let rotateTimer = null;
let loadedAt = 0;

function remembered(audience) {
  try {
    const kept = JSON.parse(localStorage.getItem(STORE + audience) || "null");
    return kept && Array.isArray(kept.items) ? kept.items : [];
  } catch (err) {
    return [];
  }
}

function keep(items, audience) {
  try { localStorage.setItem(STORE + audience, JSON.stringify({ items, at: Date.now() })); } catch (err) { /* full or off */ }
}

const libraryDay = (date) => date.toLocaleDateString("en-CA", { timeZone: "Asia/Jakarta" });

function when(item) {
  const raw = item.start_local || item.start;
  if (!raw) return "";
  const date = new Date(raw);
  if (isNaN(date)) return raw;
  // Event times are the library's (Asia/Jakarta, +07:00) whatever the kiosk's clock zone.
  const text = date.toLocaleString(locale(), { weekday: "long", day: "numeric", month: "long",
                                               hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" });
  return isToday(item) ? t("Today") + " · " + text : text;
}

function isToday(item) {
  const start = new Date(item.start || item.start_local);
  return !isNaN(start) && libraryDay(start) === libraryDay(new Date());
}

/* Each event once, at its next date not over yet (an event under way still
 * shows): a weekly storytelling must not push everything else off the panel. */
function current() {
  const now = Date.now();
  const seen = new Set();
  return events.filter((item) => {
    const end = new Date(item.end || item.end_local || item.start || item.start_local);
    if ((!isNaN(end) && end.getTime() <= now) || seen.has(item.id)) return false;
    seen.add(item.id);
    return true;
  });
}

/* Cards at once: four (two rows of two) under the camera on a portrait
 * screen, three beside it; two in child mode's bigger type. */
function perPage() {
  if (config.eventsPerPage) return config.eventsPerPage;
  if (state.child) return 2;
  return PORTRAIT.matches ? 4 : 3;
}

function card(item) {
  const box = document.createElement("article");
  box.className = "event-card";
  const title = document.createElement("h3");
  title.textContent = pick(item.title, item.title_en);
  const time = document.createElement("p");
  time.className = "event-when";
  time.textContent = when(item);
  const place = document.createElement("p");
  place.className = "event-place";
  place.textContent = item.location || "";
  const summary = document.createElement("p");
  summary.className = "event-summary";
  summary.textContent = pick(item.summary, item.summary_en) || "";
  const text = document.createElement("div");
  text.className = "event-text";
  text.append(title, time, place);
  if (item.recurring) {
    const regular = document.createElement("p");
    regular.className = "event-regular";
    regular.textContent = t("Regular event");
    text.append(regular);
  }
  text.append(summary);
  // Today's events stand out; each carries a QR of its page to open on a phone (screens/event.js).
  box.classList.toggle("today", isToday(item));
  const qr = document.createElement("img");
  qr.className = "event-qr"; qr.width = 110; qr.height = 110; qr.alt = t("QR code: open this event on a phone");
  qr.src = "/service/api/v1/events/" + item.id + "/qr.svg" + (item.date ? "?date=" + item.date : "");
  box.append(text, qr);
  box.addEventListener("click", () => openEvent(item));
  return box;
}

function render() {
  const box = document.getElementById("events-rotator");
  const empty = document.getElementById("events-empty");
  const shown = current();
  box.textContent = "";
  empty.hidden = shown.length > 0;
  if (!shown.length) return;
  const size = perPage();
  const pages = Math.ceil(shown.length / size);
  const first = (page % pages) * size;
  box.append(...shown.slice(first, first + size).map(card));
  box.dataset.page = String(page % pages);
  box.dataset.child = String(listFor === "children");
  box.dataset.pages = String(pages);
}

async function load() {
  loadedAt = Date.now();
  const audience = state.child ? "children" : "";
  try {
    const body = await api("/api/v1/events/upcoming?limit=24" + (audience ? "&audience=" + audience : ""));
    events = (body && body.items) || [];
    listFor = audience;
    keep(events, audience);
    page = 0;
  } catch (err) {
    // Service down: the last list stays (the status bar says why), or the one this
    // kiosk kept for the audience; the next show asks again.
    const kept = remembered(audience);
    if ((listFor !== audience || !events.length) && kept.length) {
      events = kept;
      listFor = audience;
    }
    loadedAt = 0;
  }
  render();
}

screen("attract", {
  show() {
    if (Date.now() - loadedAt > 60000) load(); else render();
    clearInterval(rotateTimer);
    rotateTimer = setInterval(() => { page += 1; render(); }, (config.eventsRotateSeconds || 8) * 1000);
  },
  hide() { clearInterval(rotateTimer); },
});
// The preview streams for ever (and waits while the camera is away): start it
// after the page has loaded so the load event never waits on the camera.
window.addEventListener("load", () => {
  const img = document.getElementById("camera-preview");
  img.src = img.dataset.src;
});
on("lang", render);
on("child", () => { if (state.current === "attract") load(); });
on("service", (msg) => { if (msg.state === "up" && state.current === "attract") load(); });
PORTRAIT.addEventListener("change", () => { page = 0; render(); });
