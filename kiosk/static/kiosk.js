/* The kiosk page core (global `Kiosk`): screens, language, child mode, the
 * SSE connection to the kiosk process, notices and the idle reset.
 * Screens live in screens/<name>.js and register themselves; see the
 * docstring of kiosk/app.py for how to add one. */
(function () {
  "use strict";
  const config = window.KIOSK_CONFIG || {};
  const STRINGS = {};
  const screens = {};
  const listeners = {};
  const resolutionHandlers = {};
  const state = { lang: "id", child: false, current: null, lastActivity: Date.now(),
                  service: "unknown", camera: "unknown", warning: false };
  const marks = [];  // timings for tests and the benchmark
  let noticeTimer = null;

  function strings(table) { Object.assign(STRINGS, table); }

  /* The current language's text for `key`; {name} placeholders from `vars`. */
  function t(key, vars) {
    const pair = STRINGS[key];
    let text = pair ? pair[state.lang === "en" ? 1 : 0] : key;
    if (vars) text = text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
    return text;
  }

  /* Indonesian or English from a pair of values (the API's message_id/message). */
  function pick(id, en) { return state.lang === "en" ? (en || id) : (id || en); }

  function applyStrings(root) {
    (root || document).querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
    (root || document).querySelectorAll("[data-t-label]").forEach((el) => {
      el.setAttribute("aria-label", t(el.dataset.tLabel));
    });
    (root || document).querySelectorAll("[data-t-alt]").forEach((el) => { el.alt = t(el.dataset.tAlt); });
    (root || document).querySelectorAll("[data-t-placeholder]").forEach((el) => {
      el.setAttribute("placeholder", t(el.dataset.tPlaceholder));
    });
  }

  function on(type, fn) { (listeners[type] = listeners[type] || []).push(fn); }
  function emit(type, msg) {
    (listeners[type] || []).forEach((fn) => {
      try { fn(msg); } catch (err) { console.error("kiosk listener", type, err); }
    });
  }

  function screen(name, impl) { screens[name] = impl; }
  function onResolution(type, fn) { resolutionHandlers[type] = fn; }

  function show(name, data) {
    const next = document.getElementById("screen-" + name);
    if (!next) { console.error("no screen", name); return; }
    if (state.current && state.current !== name) {
      const prev = document.getElementById("screen-" + state.current);
      if (prev) prev.hidden = true;
      if (screens[state.current] && screens[state.current].hide) screens[state.current].hide();
    }
    state.current = name;
    next.hidden = false;
    document.body.dataset.screen = name;
    if (screens[name] && screens[name].show) screens[name].show(data);
    emit("screen", { name });
  }

  /* The content service API through the kiosk relay (the key stays in the
   * kiosk process). null for a 404 (feature not there yet); throws an Error
   * with .code and the bilingual message otherwise. */
  async function api(path, options) {
    const response = await fetch("/service" + path, options);
    if (response.status === 404) return null;
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const error = (body && body.error) || {};
      const err = new Error(pick(error.message_id, error.message) || "HTTP " + response.status);
      err.code = error.code || "http_" + response.status;
      err.status = response.status;
      throw err;
    }
    return body;
  }

  /* Kiosk-side JSON (e.g. /k/books/1): the body, or throws like api(). */
  async function local(path, options) {
    const response = await fetch(path, options);
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (body && body.error) || {};
      const err = new Error(pick(error.message_id, error.message) || "HTTP " + response.status);
      err.code = error.code; err.status = response.status;
      throw err;
    }
    return body;
  }

  function notice(text, options) {
    const box = document.getElementById("notice");
    document.getElementById("notice-text").textContent = text;
    box.className = "notice " + ((options && options.kind) || "info");
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { box.hidden = true; }, ((options && options.seconds) || 6) * 1000);
    mark("notice", { text, kind: (options && options.kind) || "info" });
  }
  function hideNotice() { clearTimeout(noticeTimer); document.getElementById("notice").hidden = true; }

  function mark(name, data) {
    const entry = Object.assign({ name, at: performance.timeOrigin + performance.now() }, data || {});
    marks.push(entry);
    if (marks.length > 500) marks.shift();
    return entry;
  }

  /* Record `name` once the browser has painted the current DOM (two
   * animation frames: the first runs before the paint, the second after). */
  function markPainted(name, data) {
    requestAnimationFrame(() => requestAnimationFrame(() => mark(name, data)));
  }

  function setLang(lang) {
    state.lang = lang === "en" ? "en" : "id";
    document.documentElement.lang = state.lang;
    const button = document.getElementById("lang-button");
    button.lang = state.lang === "en" ? "id" : "en";
    applyStrings();
    emit("lang", { lang: state.lang });
  }

  function setChild(on) {
    state.child = !!on;
    document.body.classList.toggle("child", state.child);
    document.documentElement.classList.toggle("child", state.child);  // rem units follow the root
    document.getElementById("child-button").setAttribute("aria-pressed", String(state.child));
    emit("child", { child: state.child });
  }

  function renderStatus() {
    const parts = [];
    if (state.service === "down") parts.push(t("status.service_down"));
    if (state.service === "slow") parts.push(t("status.service_slow"));
    if (state.camera === "reconnecting" || state.camera === "lost") parts.push(t("status.camera_lost"));
    const bar = document.getElementById("status");
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
      else notice(t("scan.unsupported"), { kind: "gentle" });
    } else if (msg.outcome === "error") {
      const error = msg.error || {};
      if (error.code === "not_ours") notice(t("scan.not_ours"), { kind: "gentle" });
      else notice(pick(error.message_id, error.message) || t("scan.unknown"), { kind: "gentle" });
    } else if (msg.outcome === "offline") {
      notice(t("scan.offline"), { kind: "warn" });
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
  function touch() {
    state.lastActivity = Date.now();
    if (state.warning) { state.warning = false; document.getElementById("idle-warning").hidden = true; }
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
      document.getElementById("idle-warning").hidden = false;
      document.getElementById("idle-count").textContent = String(Math.ceil((idle - elapsed) / 1000));
    }
  }

  function reset() {
    state.warning = false;
    document.getElementById("idle-warning").hidden = true;
    document.querySelectorAll("video, audio").forEach((m) => { try { m.pause(); } catch (e) { /* gone */ } });
    if (window.speechSynthesis) window.speechSynthesis.cancel();
    Object.values(screens).forEach((s) => { if (s.reset) s.reset(); });
    hideNotice();
    setLang("id");
    setChild(false);
    show("attract");
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
        fetch("/k/scan", { method: "POST", headers: { "Content-Type": "application/json" },
                           body: JSON.stringify({ payload }) }).catch(() => notice(t("scan.offline"), { kind: "warn" }));
      }
    } else if (event.key.length === 1) {
      wedge.text += event.key;
    }
  }

  function start() {
    document.addEventListener("keydown", onKey);
    ["pointerdown", "keydown", "touchstart", "wheel"].forEach((type) =>
      document.addEventListener(type, touch, { capture: true, passive: true }));
    document.getElementById("lang-button").addEventListener("click", () => setLang(state.lang === "en" ? "id" : "en"));
    document.getElementById("child-button").addEventListener("click", () => setChild(!state.child));
    document.getElementById("home-button").addEventListener("click", () => show("attract"));
    document.getElementById("search-button").addEventListener("click", () => show("search"));
    document.getElementById("idle-stay").addEventListener("click", touch);
    applyStrings();
    show("attract");
    connect();
    setInterval(checkIdle, 250);
    mark("ready");
  }

  strings({
    "brand": ["Pindai", "Pindai"],
    "nav.home": ["Pindai: ke layar awal", "Pindai: back to start"],
    "nav.tools": ["Pilihan", "Options"],
    "nav.search": ["Cari", "Search"],
    "nav.child": ["Mode anak", "Child mode"],
    "nav.lang": ["English", "Bahasa Indonesia"],
    "idle.title": ["Masih di sini?", "Still there?"],
    "idle.body": ["Sentuh layar untuk melanjutkan. Kembali ke awal dalam", "Touch the screen to carry on. Back to the start in"],
    "idle.seconds": ["detik", "seconds"],
    "idle.stay": ["Saya masih di sini", "I am still here"],
    "status.service_down": ["Layanan perpustakaan sedang tidak tersedia; buku yang baru dipindai tetap bisa dilihat.",
                            "The library service is unavailable right now; recently scanned books still show."],
    "status.service_slow": ["Layanan perpustakaan sedang lambat; mohon tunggu sebentar.",
                            "The library service is slow right now; please bear with us."],
    "status.camera_lost": ["Kamera tidak terhubung. Mencoba lagi…", "The camera is not connected. Trying again…"],
    "scan.not_ours": ["Ini bukan kode perpustakaan. Coba pindai label QR pada buku.",
                      "This is not a library code. Try the QR label on a book."],
    "scan.unsupported": ["Kode ini belum bisa ditampilkan di kios ini.", "This code cannot be shown on this kiosk yet."],
    "scan.unknown": ["Kode ini tidak dikenal.", "This code is not known."],
    "scan.offline": ["Layanan perpustakaan sedang tidak tersedia. Coba lagi sebentar lagi.",
                     "The library service is unavailable. Please try again in a moment."],
  });

  window.Kiosk = { config, state, t, pick, strings, applyStrings, on, screen, onResolution, show, api, local,
                   notice, hideNotice, mark, markPainted, marks, setLang, setChild, reset, touch, start };
})();
