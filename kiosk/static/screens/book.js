/* Book screen: appears by itself when a book (or a copy) is scanned, or when
 * a search result / "more like this" cover is tapped. Exports openBook(id)
 * and coverButton(book) for the other screens; every book shown is
 * announced as a "book-shown" message (core on/emit). */
import { emit, mark, markPainted, notice, offlineText, on, onResolution, screen, show, state } from "../js/core.js";
import { api, local } from "../js/http.js";
import { N_, nt, t } from "../js/i18n.js";

// What the API's availability and copy statuses read as (unknown ones show as they come).
const AVAILABILITY = { all_on_loan: N_("All copies are on loan"), reference_only: N_("For reading in the library only"),
                       no_copies: N_("The library has no copies yet") };
const COPY_STATUS = { on_loan: N_("on loan"), available: N_("on the shelf"), reference: N_("for reading here") };
const MEDIA = { video: N_("Video"), audio: N_("Audio") };

let view = null;       // {book, item, availability, assets, cached}
let scan = null;       // the scan message that opened it, if any
let speaking = false;
let modelViewerLoading = null;

const $ = (id) => document.getElementById(id);

function firstSentence(text) {
  if (!text) return "";
  const match = text.match(/^.*?[.!?](\s|$)/);
  return match ? match[0].trim() : text;
}

function availabilityText(a) {
  if (!a) return "";
  if (a.status === "available") {
    return nt("{available} of {n} copy on the shelf", "{available} of {n} copies on the shelf", a.total, a);
  }
  return AVAILABILITY[a.status] ? t(AVAILABILITY[a.status]) : "";
}

function renderFacts() {
  const book = view.book;
  $("book-title").textContent = book.title + (book.subtitle && !state.child ? ": " + book.subtitle : "");
  const authors = book.authors || [];
  $("book-authors").textContent = authors.length ? t("by {authors}", { authors: authors.join(", ") }) : "";
  const cover = $("book-cover");
  // A cover the service cannot send now (it is down) is left out rather than shown broken.
  cover.onerror = () => { cover.hidden = true; };
  if (book.cover_url) {
    cover.src = book.cover_url; cover.alt = t("Cover of {title}", { title: book.title }); cover.hidden = false;
  } else { cover.removeAttribute("src"); cover.hidden = true; }
  const a = view.availability;
  // Every copy out: reserve it here (card and PIN on the checkout screen), when this kiosk lends.
  $("book-reserve").hidden = !(a && a.status === "all_on_loan" && $("screen-checkout") && !view.cached);
  $("book-availability").textContent = availabilityText(a);
  $("book-availability").className = "book-availability " + ((a && a.status) || "");
  // The union catalogue: where the copies are when the network has them in more than
  // one library ("2 di Perpustakaan Kota Batam · 1 di rak"), this kiosk's library first.
  const libraries = $("book-libraries");
  libraries.textContent = "";
  const branches = (a && a.libraries) || [];
  if (branches.length > 1 && !state.child) {
    branches.forEach((b) => {
      const li = document.createElement("li");
      li.dataset.library = b.code;
      li.textContent = nt("{n} copy at {library}", "{n} copies at {library}", b.total, { library: b.name }) + " · " +
        nt("{n} on the shelf", "{n} on the shelf", b.available);
      libraries.append(li);
    });
  }
  const places = $("book-places");
  places.textContent = "";
  if (a && !state.child) {
    (a.locations || []).forEach((p) => {
      const li = document.createElement("li");
      li.textContent = t("{location} · {call_number}: {available} of {total} free",
                         { location: p.location || "", call_number: p.call_number || "",
                           available: p.available, total: p.total });
      places.append(li);
    });
  }
  const item = view.item;
  const status = item ? (COPY_STATUS[item.status] ? t(COPY_STATUS[item.status]) : item.status) : "";
  $("book-copy").textContent = item ? t("This copy: {status}", { status }) : "";
  $("book-cached").hidden = !view.cached;
  const summary = book.summary || "";
  $("book-summary").textContent = state.child ? firstSentence(summary) : summary;
  $("book-read").textContent = speaking ? t("Stop") : t("Read aloud");
}

function played(asset) {
  // Counted by the analytics dashboard; a kiosk without that feature gets a 404, ignored.
  api("/api/v1/assets/" + asset.id + "/plays", {
    method: "POST", body: { channel: "kiosk" },
  }).catch(() => {});
}

function loadModelViewer() {
  if (!modelViewerLoading) {
    modelViewerLoading = new Promise((resolve) => {
      const script = document.createElement("script");
      script.type = "module";
      script.src = "/vendor/model-viewer.min.js";
      script.onload = resolve; script.onerror = resolve;
      document.head.append(script);
    });
  }
  return modelViewerLoading;
}

/* A titled section of the extras; `title` is already in the current language. */
function block(title, className) {
  const section = document.createElement("section");
  section.className = "extra " + className;
  const heading = document.createElement("h2");
  heading.textContent = title;
  section.append(heading);
  return section;
}

/* A QR the visitor scans with a phone, with what it opens said under it. */
function qrFigure(src, caption, className) {
  const figure = document.createElement("figure");
  figure.className = "reading-qr " + className;
  const img = document.createElement("img");
  img.src = src; img.width = 180; img.height = 180; img.alt = caption;
  img.onerror = () => { figure.hidden = true; };  // the service is away: no broken image
  const text = document.createElement("figcaption");
  text.textContent = caption;
  figure.append(img, text);
  return figure;
}

/* E-books and online resources: a kiosk is no reader. "Baca e-book di ponsel"
 * is a QR of the book's page on the phone (its reader), and each online
 * resource ("Juga di iPusnas") a QR of its address. */
function renderReading(box, assets) {
  const ebooks = assets.filter((a) => a.kind === "ebook" && a.url);
  const online = assets.filter((a) => a.kind === "online" && a.url);
  if (!ebooks.length && !online.length) return;
  const section = block(ebooks.length ? t("Read the e-book on your phone") : t("Read it online"), "reading");
  const lead = document.createElement("p");
  lead.textContent = t("Scan the QR code with your phone's camera.");
  const codes = document.createElement("div");
  codes.className = "reading-codes";
  if (ebooks.length) {
    codes.append(qrFigure("/service/api/v1/books/" + view.book.id + "/qr.svg", t("Read the e-book on your phone"),
                          "reading-ebook"));
  }
  online.forEach((asset) => {
    codes.append(qrFigure("/service/api/v1/assets/" + asset.id + "/qr.svg",
                          t("Also on {provider}", { provider: asset.provider || asset.title }), "reading-online"));
  });
  section.append(lead, codes);
  box.append(section);
}

function renderExtras() {
  const box = $("book-extras");
  box.textContent = "";
  const assets = view.assets || [];
  const images = assets.filter((a) => a.kind === "image" && a.url);
  assets.forEach((asset) => {
    if (!asset.url) return;
    if (asset.kind === "video" || asset.kind === "audio") {
      const section = block(t(MEDIA[asset.kind]), "media");
      const player = document.createElement(asset.kind);
      player.controls = true; player.preload = "metadata"; player.src = asset.url;
      player.setAttribute("aria-label", asset.title || t(MEDIA[asset.kind]));
      player.addEventListener("play", () => played(asset), { once: true });
      if (asset.title) { const p = document.createElement("p"); p.textContent = asset.title; section.append(p); }
      // Large controls for small fingers; the player's own controls stay for seeking.
      const toggle = document.createElement("button");
      toggle.type = "button"; toggle.className = "big media-toggle";
      const label = () => { toggle.textContent = player.paused ? t("▶ Play") : t("❚❚ Pause"); };
      toggle.addEventListener("click", () => { if (player.paused) player.play().catch(() => {}); else player.pause(); });
      player.addEventListener("play", label); player.addEventListener("pause", label); player.addEventListener("ended", label);
      label();
      section.append(player, toggle);
      box.append(section);
    } else if (asset.kind === "model3d") {
      const section = block(t("3D model (turn it with a finger)"), "model");
      loadModelViewer();
      const viewer = document.createElement("model-viewer");
      viewer.setAttribute("src", asset.url);
      viewer.setAttribute("camera-controls", "");
      viewer.setAttribute("auto-rotate", "");
      viewer.setAttribute("alt", asset.title || t("3D model (turn it with a finger)"));
      viewer.addEventListener("load", () => played(asset), { once: true });
      section.append(viewer);
      box.append(section);
    }
  });
  renderReading(box, assets);
  if (images.length) {
    const section = block(t("Image gallery (swipe)"), "gallery-box");
    const strip = document.createElement("div");
    strip.className = "gallery";
    strip.tabIndex = 0;
    strip.setAttribute("role", "region");
    strip.setAttribute("aria-label", t("Image gallery (swipe)"));
    images.forEach((asset) => {
      const img = document.createElement("img");
      img.src = asset.url; img.alt = asset.caption || asset.title || ""; img.loading = "lazy";
      strip.append(img);
    });
    section.append(strip);
    box.append(section);
  }
}

async function renderRelated(bookId) {
  const box = $("book-related-box");
  const covers = $("book-related");
  box.hidden = true;
  covers.textContent = "";
  let body = null;
  try { body = await api("/api/v1/books/" + bookId + "/related?limit=6"); } catch (e) { body = null; }
  if (!view || view.book.id !== bookId || !body || !(body.items || []).length) return;
  body.items.forEach((book) => covers.append(coverButton(book)));
  box.hidden = false;
}

function stopSpeaking() {
  speaking = false;
  if (window.speechSynthesis) window.speechSynthesis.cancel();
  const narration = document.getElementById("book-narration");
  if (narration) { narration.pause(); narration.remove(); }
  $("book-read").textContent = t("Read aloud");
}

function narrationAsset() {
  const lang = state.lang;
  const audio = (view.assets || []).filter((a) => a.kind === "audio" && a.url);
  const fits = (a) => !a.language || a.language === "both" || a.language === lang;
  return audio.find((a) => fits(a) && a.audience === "children") || audio.find(fits) || null;
}

function playNarration(url, onPlaying) {
  const audio = document.createElement("audio");
  audio.id = "book-narration"; audio.src = url; audio.hidden = true;
  audio.addEventListener("ended", stopSpeaking);
  document.body.append(audio);
  return audio.play().then(onPlaying);
}

/* The browser's own voices: only where it has any (Debian's Chromium has none). */
function speakWithBrowser() {
  const synth = window.speechSynthesis;
  if (!synth || !window.SpeechSynthesisUtterance || !synth.getVoices().length) {
    stopSpeaking(); notice(t("Sorry, this kiosk cannot read aloud.")); return;
  }
  const book = view.book;
  const text = [book.title, firstSentence(book.summary || "")].filter(Boolean).join(". ");
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = state.lang === "en" ? "en-US" : "id-ID";
  utterance.onend = stopSpeaking; utterance.onerror = stopSpeaking;
  synth.speak(utterance);
  mark("read-aloud", { via: "speech", lang: utterance.lang });
}

/* "Bacakan": the book's own narration extra, else the narration the service
 * generates (espeak-ng, in the kiosk's language), else the browser's voices. */
async function readAloud() {
  if (speaking) { stopSpeaking(); return; }
  const asset = narrationAsset();
  speaking = true;
  $("book-read").textContent = t("Stop");
  if (asset) {
    playNarration(asset.url, () => played(asset)).catch(stopSpeaking);
    mark("read-aloud", { via: "narration", asset: asset.id });
    return;
  }
  const book = view.book;
  const lang = state.lang;
  let spoken = null;
  try { spoken = await api("/api/v1/books/" + book.id + "/narration?lang=" + lang, { timeout: 15 }); } catch (e) { spoken = null; }
  if (!speaking || !view || view.book.id !== book.id) return;  // stopped or moved on meanwhile
  if (spoken && spoken.url) {
    playNarration(spoken.url, () => {}).catch(speakWithBrowser);
    mark("read-aloud", { via: spoken.source === "asset" ? "narration" : "generated", lang });
    return;
  }
  speakWithBrowser();
}

/* The same book scanned again while it is on screen (a child holds it to
 * the camera a second time, or keeps it there): leave the screen as it is, a
 * playing video playing and the scroll where it is; only the copy's facts
 * (its status, the availability) may have changed. */
function sameBookAgain(next, msg) {
  if (!view || state.current !== "book" || !next.book || view.book.id !== next.book.id) return false;
  view = { ...view, item: next.item || view.item, availability: next.availability || view.availability,
           cached: next.cached };
  scan = msg || scan;
  renderFacts();
  markPainted("title", { seq: msg ? msg.seq : null, payload: msg ? msg.payload : null,
                         book: view.book.id, title: view.book.title, again: true });
  return true;
}

function showBook(next, msg) {
  if (sameBookAgain(next, msg)) return;
  stopSpeaking();
  view = next; scan = msg || null;
  if (state.current !== "book") show("book");
  renderFacts();
  markPainted("title", { seq: scan ? scan.seq : null, payload: scan ? scan.payload : null,
                               book: view.book.id, title: view.book.title });
  renderExtras();
  $("screen-book").scrollTop = 0;
  window.scrollTo(0, 0);
  renderRelated(view.book.id);
  emit("book-shown", view.book);  // e.g. "Acara terkait" (screens/event.js), the survey's book
}

/* Open a book by id (search results, related covers). */
export async function openBook(bookId) {
  try {
    const body = await local("/k/books/" + bookId);
    showBook(body, null);
  } catch (err) {
    notice(err.offline ? offlineText() : t("This book cannot be opened."), { kind: "warn" });
  }
}

/* A cover button that opens the book (used by search and "more like this"). */
export function coverButton(book) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "cover-button";
  button.dataset.book = book.id;
  const img = document.createElement("img");
  img.alt = ""; img.loading = "lazy";
  img.onerror = () => { img.style.visibility = "hidden"; };
  if (book.cover_url) img.src = book.cover_url;
  const label = document.createElement("span");
  label.textContent = book.title;
  button.title = book.title;  // the whole title, where three lines cut it short
  button.append(img, label);
  button.addEventListener("click", () => openBook(book.id));
  return button;
}

const fromScan = (resolution, msg) => showBook({ book: resolution.book, item: resolution.item,
  availability: resolution.availability, assets: resolution.assets, cached: !!msg.cached }, msg);
onResolution("book", fromScan);
onResolution("item", fromScan);

// The live preview (with the AR sticker drawn on the book) streams only while this screen shows.
const live = document.getElementById("book-live");
function showLive() {
  const running = state.camera === "running";
  live.parentElement.hidden = !running;  // no camera: no black box
  if (running && !live.getAttribute("src")) live.src = "/preview.mjpg";
}
on("camera", () => { if (state.current === "book") showLive(); });
screen("book", {
  show: showLive,
  hide() { live.removeAttribute("src"); stopSpeaking(); document.querySelectorAll("#book-extras video, #book-extras audio").forEach((m) => m.pause()); },
  reset() { stopSpeaking(); view = null; scan = null; $("book-extras").textContent = ""; $("book-related").textContent = ""; },
});
document.getElementById("book-read").addEventListener("click", readAloud);
document.getElementById("book-reserve").addEventListener("click", () => {
  if (view) show("checkout", { mode: "reserve", book: { id: view.book.id, title: view.book.title } });
});
const rerender = () => { if (view && state.current === "book") { renderFacts(); renderExtras(); } };
on("lang", rerender);
on("child", rerender);
