/* Attract screen: how to scan, the camera preview, upcoming events (rotating). */
import { config, on, screen, state } from "../js/core.js";
import { api } from "../js/http.js";
import { locale, pick, t } from "../js/i18n.js";
import { openEvent } from "./event.js";

let events = [];
let index = 0;
let rotateTimer = null;
let loadedAt = 0;

function when(item) {
  const raw = item.start_local || item.start;
  if (!raw) return "";
  const date = new Date(raw);
  if (isNaN(date)) return raw;
  // Event times are the library's (Asia/Jakarta, +07:00) whatever the kiosk's clock zone.
  const text = date.toLocaleString(locale(), { weekday: "long", day: "numeric", month: "long",
                                               hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" });
  return item.today ? t("Today") + " · " + text : text;
}

function render() {
  const box = document.getElementById("events-rotator");
  const empty = document.getElementById("events-empty");
  box.textContent = "";
  empty.hidden = events.length > 0;
  if (!events.length) return;
  const item = events[index % events.length];
  const card = document.createElement("article");
  card.className = "event-card";
  const title = document.createElement("h3");
  title.textContent = pick(item.title, item.title_en);
  const time = document.createElement("p");
  time.className = "event-when";
  time.textContent = when(item);
  const place = document.createElement("p");
  place.textContent = item.location || "";
  const summary = document.createElement("p");
  summary.textContent = pick(item.summary, item.summary_en) || "";
  card.append(title, time, place, summary);
  // Today's events stand out; each carries a QR of its page to open on a phone (screens/event.js).
  card.classList.toggle("today", !!item.today);
  const qr = document.createElement("img");
  qr.className = "event-qr"; qr.width = 130; qr.height = 130; qr.alt = t("QR code: open this event on a phone");
  qr.src = "/service/api/v1/events/" + item.id + "/qr.svg" + (item.date ? "?date=" + item.date : "");
  card.append(qr);
  card.addEventListener("click", () => openEvent(item));
  box.append(card);
}

async function load() {
  loadedAt = Date.now();
  try {
    const audience = state.child ? "&audience=children" : "";
    const body = await api("/api/v1/events/upcoming?limit=6" + audience);
    events = (body && body.items) || [];
  } catch (err) {
    events = [];  // service down: the empty state, the status bar says why
  }
  index = 0;
  render();
}

screen("attract", {
  show() {
    if (Date.now() - loadedAt > 60000 || !events.length) load();
    clearInterval(rotateTimer);
    rotateTimer = setInterval(() => { index += 1; render(); }, (config.eventsRotateSeconds || 8) * 1000);
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
