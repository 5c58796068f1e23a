/* Book screen: appears by itself when a book (or a copy) is scanned, or when
 * a search result / "more like this" cover is tapped. Exports openBook(id) and coverButton(book) for the other screens; every
 * book shown is announced as a "book-shown" message (core on/emit). */
import { emit, mark, markPainted, notice, on, onResolution, screen, show, state } from "../js/core.js";
import { api, local } from "../js/http.js";
import { strings, t } from "../js/i18n.js";

strings({
  "book.by": ["oleh {authors}", "by {authors}"],
  "book.available": ["{available} dari {total} eksemplar tersedia di rak", "{available} of {total} copies on the shelf"],
  "book.all_on_loan": ["Semua eksemplar sedang dipinjam", "All copies are on loan"],
  "book.reference_only": ["Hanya untuk dibaca di perpustakaan", "For reading in the library only"],
  "book.no_copies": ["Perpustakaan belum punya eksemplarnya", "The library has no copies yet"],
  "book.place": ["{location} · {call_number}: {available} dari {total} tersedia", "{location} · {call_number}: {available} of {total} free"],
  "book.copy_on_shelf": ["Eksemplar di tangan Anda: {barcode}", "The copy in your hands: {barcode}"],
  "book.copy_status": ["Eksemplar ini: {status}", "This copy: {status}"],
  "book.cached": ["Disimpan di kios ini; ketersediaan mungkin sudah berubah.",
                  "Saved on this kiosk; availability may have changed."],
  "book.read": ["Bacakan", "Read aloud"],
  "book.play": ["▶ Putar", "▶ Play"],
  "book.pause": ["❚❚ Jeda", "❚❚ Pause"],
  "book.stop": ["Berhenti", "Stop"],
  "book.related": ["Buku serupa", "More like this"],
  "book.cover": ["Sampul {title}", "Cover of {title}"],
  "book.video": ["Video", "Video"],
  "book.audio": ["Audio", "Audio"],
  "book.gallery": ["Galeri gambar (geser)", "Image gallery (swipe)"],
  "book.model": ["Model 3D (putar dengan jari)", "3D model (turn it with a finger)"],
  "book.no_speech": ["Maaf, kios ini tidak bisa membacakan.", "Sorry, this kiosk cannot read aloud."],
  "book.live": ["Gambar langsung dari kamera, dengan stiker AR pada buku", "Live camera picture, with the AR sticker on the book"],
  "book.live_caption": ["Bukumu di kamera", "Your book on camera"],
  "book.not_found": ["Buku ini tidak dapat dibuka.", "This book cannot be opened."],
  "status.on_loan": ["sedang dipinjam", "on loan"],
  "status.available": ["ada di rak", "on the shelf"],
  "status.reference": ["untuk dibaca di tempat", "for reading here"],
});

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
  if (a.status === "available") return t("book.available", a);
  return t("book." + a.status);
}

function renderFacts() {
  const book = view.book;
  $("book-title").textContent = book.title + (book.subtitle && !state.child ? ": " + book.subtitle : "");
  $("book-authors").textContent = (book.authors || []).length ? t("book.by", { authors: book.authors.join(", ") }) : "";
  const cover = $("book-cover");
  // A cover the service cannot send now (it is down) is left out rather than shown broken.
  cover.onerror = () => { cover.hidden = true; };
  if (book.cover_url) { cover.src = book.cover_url; cover.alt = t("book.cover", { title: book.title }); cover.hidden = false; }
  else { cover.removeAttribute("src"); cover.hidden = true; }
  const a = view.availability;
  $("book-availability").textContent = availabilityText(a);
  $("book-availability").className = "book-availability " + ((a && a.status) || "");
  const places = $("book-places");
  places.textContent = "";
  if (a && !state.child) {
    (a.locations || []).forEach((p) => {
      const li = document.createElement("li");
      li.textContent = t("book.place", { location: p.location || "", call_number: p.call_number || "",
                                               available: p.available, total: p.total });
      places.append(li);
    });
  }
  const item = view.item;
  const status = item ? (t("status." + item.status) === "status." + item.status ? item.status : t("status." + item.status)) : "";
  $("book-copy").textContent = item ? t("book.copy_status", { status }) : "";
  $("book-cached").hidden = !view.cached;
  const summary = book.summary || "";
  $("book-summary").textContent = state.child ? firstSentence(summary) : summary;
  $("book-read").textContent = t(speaking ? "book.stop" : "book.read");
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

function block(labelKey, className) {
  const section = document.createElement("section");
  section.className = "extra " + className;
  const heading = document.createElement("h2");
  heading.textContent = t(labelKey);
  section.append(heading);
  return section;
}

function renderExtras() {
  const box = $("book-extras");
  box.textContent = "";
  const assets = view.assets || [];
  const images = assets.filter((a) => a.kind === "image" && a.url);
  assets.forEach((asset) => {
    if (!asset.url) return;
    if (asset.kind === "video" || asset.kind === "audio") {
      const section = block(asset.kind === "video" ? "book.video" : "book.audio", "media");
      const player = document.createElement(asset.kind);
      player.controls = true; player.preload = "metadata"; player.src = asset.url;
      player.setAttribute("aria-label", asset.title || t("book." + asset.kind));
      player.addEventListener("play", () => played(asset), { once: true });
      if (asset.title) { const p = document.createElement("p"); p.textContent = asset.title; section.append(p); }
      // Large controls for small fingers; the player's own controls stay for seeking.
      const toggle = document.createElement("button");
      toggle.type = "button"; toggle.className = "big media-toggle";
      const label = () => { toggle.textContent = t(player.paused ? "book.play" : "book.pause"); };
      toggle.addEventListener("click", () => { if (player.paused) player.play().catch(() => {}); else player.pause(); });
      player.addEventListener("play", label); player.addEventListener("pause", label); player.addEventListener("ended", label);
      label();
      section.append(player, toggle);
      box.append(section);
    } else if (asset.kind === "model3d") {
      const section = block("book.model", "model");
      loadModelViewer();
      const viewer = document.createElement("model-viewer");
      viewer.setAttribute("src", asset.url);
      viewer.setAttribute("camera-controls", "");
      viewer.setAttribute("auto-rotate", "");
      viewer.setAttribute("alt", asset.title || t("book.model"));
      viewer.addEventListener("load", () => played(asset), { once: true });
      section.append(viewer);
      box.append(section);
    }
  });
  if (images.length) {
    const section = block("book.gallery", "gallery-box");
    const strip = document.createElement("div");
    strip.className = "gallery";
    strip.tabIndex = 0;
    strip.setAttribute("role", "region");
    strip.setAttribute("aria-label", t("book.gallery"));
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
  $("book-read").textContent = t("book.read");
}

function narrationAsset() {
  const lang = state.lang;
  const audio = (view.assets || []).filter((a) => a.kind === "audio" && a.url);
  const fits = (a) => !a.language || a.language === "both" || a.language === lang;
  return audio.find((a) => fits(a) && a.audience === "children") || audio.find(fits) || null;
}

function readAloud() {
  if (speaking) { stopSpeaking(); return; }
  const asset = narrationAsset();
  speaking = true;
  $("book-read").textContent = t("book.stop");
  if (asset) {
    const audio = document.createElement("audio");
    audio.id = "book-narration"; audio.src = asset.url; audio.hidden = true;
    audio.addEventListener("ended", stopSpeaking);
    document.body.append(audio);
    audio.play().then(() => played(asset)).catch(stopSpeaking);
    mark("read-aloud", { via: "narration", asset: asset.id });
    return;
  }
  if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) {
    stopSpeaking(); notice(t("book.no_speech")); return;
  }
  const book = view.book;
  const text = [book.title, firstSentence(book.summary || "")].filter(Boolean).join(". ");
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = state.lang === "en" ? "en-US" : "id-ID";
  utterance.onend = stopSpeaking; utterance.onerror = stopSpeaking;
  window.speechSynthesis.speak(utterance);
  mark("read-aloud", { via: "speech", lang: utterance.lang });
}

function showBook(next, msg) {
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
    notice(err.offline ? t("scan.offline") : t("book.not_found"), { kind: "warn" });
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
const rerender = () => { if (view && state.current === "book") { renderFacts(); renderExtras(); } };
on("lang", rerender);
on("child", rerender);
