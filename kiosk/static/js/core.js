/* The kiosk page core: screens, language, child mode, the SSE connection to
 * the kiosk process, notices, timing marks and the idle reset.
 *
 * Screens are ES modules in screens/<name>.js that import what they use from
 * here and register themselves with screen(); see the docstring of
 * kiosk/app.py for how to add one. The page calls start() once every screen
 * module has run. Nothing is put on `window`. */
import { config } from "./config.js";
import { applyStrings, install, nt, pick, t, useLanguage } from "./i18n.js";
import { local } from "./http.js";

export { config };

const screens = {};
const listeners = {};
const resolutionHandlers = {};
export const state = { lang: "id", child: false, current: null, lastActivity: Date.now(),
                       service: "unknown", camera: "unknown", warning: false };
export const marks = [];  // timings for tests and the benchmark
let noticeTimer = null;

const $ = (id) => document.getElementById(id);

/* Call `fn(msg)` for every message of `type`: an SSE message type ("scan",
 * "service", "camera", "hello") or a page event ("screen", "lang", "child",
 * "book-shown"). */
export function on(type, fn) { (listeners[type] = listeners[type] || []).push(fn); }

export function emit(type, msg) {
  (listeners[type] || []).forEach((fn) => {
    try { fn(msg); } catch (err) { console.error("kiosk listener", type, err); }
  });
}

/* Register a screen: { show(data), hide(), reset(), claim(resolution, msg), leaving(next, go) },
 * all optional. leaving(next, go) may hold a switch to another screen (a
 * member signed in at self-checkout is asked first): it returns true to
 * hold it, and calls go() once the person agrees. reset() never asks. */
export function screen(name, impl) { screens[name] = impl; }

/* Who shows a resolve answer of `type` (book, item, event, patron_card, ...). */
export function onResolution(type, fn) { resolutionHandlers[type] = fn; }

export function show(name, data, options) {
  const next = $("screen-" + name);
  if (!next) { console.error("no screen", name); return; }
  const guard = state.current && state.current !== name && screens[state.current] && screens[state.current].leaving;
  if (guard && !(options && options.force) && guard(name, () => show(name, data, { force: true }))) return;
  if (state.current && state.current !== name) {
    const prev = $("screen-" + state.current);
    if (prev) prev.hidden = true;
    if (screens[state.current] && screens[state.current].hide) screens[state.current].hide();
  }
  state.current = name;
  next.hidden = false;
  document.body.dataset.screen = name;
  if (screens[name] && screens[name].show) screens[name].show(data);
  emit("screen", { name });
}

export function notice(text, options) {
  const box = $("notice");
  $("notice-text").textContent = text;
  box.className = "notice " + ((options && options.kind) || "info");
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { box.hidden = true; }, ((options && options.seconds) || 6) * 1000);
  mark("notice", { text, kind: (options && options.kind) || "info" });
}

export function hideNotice() { clearTimeout(noticeTimer); $("notice").hidden = true; }

export function mark(name, data) {
  const entry = Object.assign({ name, at: performance.timeOrigin + performance.now() }, data || {});
  marks.push(entry);
  if (marks.length > 500) marks.shift();
  return entry;
}

/* Record `name` once the browser has painted the current DOM (two
 * animation frames: the first runs before the paint, the second after). */
export function markPainted(name, data) {
  requestAnimationFrame(() => requestAnimationFrame(() => mark(name, data)));
}

export function setLang(lang) {
  state.lang = useLanguage(lang);
  document.documentElement.lang = state.lang;
  $("lang-button").lang = state.lang === "en" ? "id" : "en";
  applyStrings();
  emit("lang", { lang: state.lang });
}

export function setChild(child) {
  state.child = !!child;
  document.body.classList.toggle("child", state.child);
  document.documentElement.classList.toggle("child", state.child);  // rem units follow the root
  $("child-button").setAttribute("aria-pressed", String(state.child));
  emit("child", { child: state.child });
}

/* What a screen says when the library service cannot answer now. */
export function offlineText() { return t("The library service is unavailable. Please try again in a moment."); }

function renderStatus() {
  const parts = [];
  if (state.service === "down") {
    parts.push(t("The library service is unavailable right now; recently scanned books still show."));
  }
  if (state.service === "slow") parts.push(t("The library service is slow right now; please bear with us."));
  if (state.camera === "reconnecting" || state.camera === "lost") {
    parts.push(t("The camera is not connected. Trying again…"));
  }
  const bar = $("status");
  bar.textContent = parts.join(" · ");
  bar.classList.toggle("warn", parts.length > 0);
}

function handleScan(msg) {
  touch();
  if (msg.outcome === "ok") {
    const resolution = msg.resolution || {};
    const shown = screens[state.current];
    const handler = resolutionHandlers[resolution.type];
    if (shown && shown.claim && shown.claim(resolution, msg)) hideNotice();  // e.g. a card on the event screen
    else if (handler) { hideNotice(); handler(resolution, msg); }
    else notice(t("This code cannot be shown on this kiosk yet."), { kind: "gentle" });
  } else if (msg.outcome === "error") {
    const error = msg.error || {};
    if (error.code === "not_ours") {
      notice(t("This is not a library code. Try the QR label on a book."), { kind: "gentle" });
    } else {
      notice(pick(error.message_id, error.message) || t("This code is not known."), { kind: "gentle" });
    }
  } else if (msg.outcome === "offline") {
    notice(offlineText(), { kind: "warn" });
  }
}

function connect() {
  const source = new EventSource("/events");
  source.onmessage = (event) => {
    let msg;
    try { msg = JSON.parse(event.data); } catch (e) { return; }
    if (msg.type === "hello") {
      state.service = msg.service; state.camera = msg.camera; renderStatus();
    } else if (msg.type === "service") {
      const was = state.service;
      state.service = msg.state; renderStatus();
      if ((was === "down" || was === "slow") && msg.state === "up") mark("service-up");
    } else if (msg.type === "camera") {
      state.camera = msg.state; renderStatus();
    } else if (msg.type === "scan") {
      handleScan(msg);
    }
    emit(msg.type, msg);
  };
  source.onopen = () => mark("connected");
}

/* --- idle: a warning, then back to the attract screen, all state wiped. */
export function touch() {
  state.lastActivity = Date.now();
  if (state.warning) { state.warning = false; $("idle-warning").hidden = true; }
}

function pristine() { return state.current === "attract" && state.lang === "id" && !state.child; }

function mediaPlaying() {
  if (window.speechSynthesis && window.speechSynthesis.speaking) return true;
  return Array.from(document.querySelectorAll("video, audio")).some((m) => !m.paused && !m.ended);
}

function checkIdle() {
  if (pristine()) { touch(); return; }
  if (mediaPlaying()) { touch(); return; }
  const idle = (config.idleSeconds || 90) * 1000;
  const warning = Math.min(config.idleWarningSeconds || 15, config.idleSeconds || 90) * 1000;
  const elapsed = Date.now() - state.lastActivity;
  if (elapsed >= idle) { reset(); return; }
  if (elapsed >= idle - warning) {
    state.warning = true;
    $("idle-warning").hidden = false;
    const left = Math.ceil((idle - elapsed) / 1000);
    $("idle-count").textContent = String(left);
    $("idle-unit").textContent = nt("second", "seconds", left);
  }
}

/* Back to a fresh attract screen: every screen's reset(), Indonesian, no child mode. */
export function reset() {
  state.warning = false;
  $("idle-warning").hidden = true;
  document.querySelectorAll("video, audio").forEach((m) => { try { m.pause(); } catch (e) { /* gone */ } });
  if (window.speechSynthesis) window.speechSynthesis.cancel();
  Object.values(screens).forEach((s) => { if (s.reset) s.reset(); });
  hideNotice();
  setLang("id");
  setChild(false);
  show("attract", undefined, { force: true });
  window.scrollTo(0, 0);
  state.lastActivity = Date.now();
  mark("reset");
}

/* A desk scanner (USB, keyboard mode) types a code and Enter faster than
 * any hand: such a burst is sent to the kiosk to resolve like a camera scan. */
const wedge = { text: "", last: 0 };
function onKey(event) {
  const now = performance.now();
  if (now - wedge.last > 80) wedge.text = "";  // a pause: people type, scanners do not
  wedge.last = now;
  if (event.key === "Enter") {
    const payload = wedge.text;
    wedge.text = "";
    if (payload.length >= 4) {
      event.preventDefault();
      local("/k/scan", { method: "POST", body: { payload } }).catch(() => notice(offlineText(), { kind: "warn" }));
    }
  } else if (event.key.length === 1) {
    wedge.text += event.key;
  }
}

/* Every language's catalogue, before any text is drawn (switching is then
 * instant). A catalogue that cannot be read leaves its language in English
 * and the page working: the templates already hold the Indonesian text. */
async function loadCatalogues() {
  await Promise.all((config.languages || ["id", "en"]).map(async (code) => {
    try { install(await local("/i18n/" + code + ".json")); } catch (err) { console.error("catalogue", code, err); }
  }));
}

/* Load the catalogues, wire the top bar and the idle timer, show the attract
 * screen, listen to the kiosk process. */
export async function start() {
  await loadCatalogues();
  document.addEventListener("keydown", onKey);
  ["pointerdown", "keydown", "touchstart", "wheel"].forEach((type) =>
    document.addEventListener(type, touch, { capture: true, passive: true }));
  $("lang-button").addEventListener("click", () => setLang(state.lang === "en" ? "id" : "en"));
  $("child-button").addEventListener("click", () => setChild(!state.child));
  $("home-button").addEventListener("click", () => show("attract"));
  $("search-button").addEventListener("click", () => show("search"));
  $("idle-stay").addEventListener("click", touch);
  applyStrings();
  show("attract");
  connect();
  setInterval(checkIdle, 250);
  mark("ready");
}

