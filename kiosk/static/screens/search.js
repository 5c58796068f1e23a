/* Search screen: an on-screen keyboard (a kiosk has no physical one),
 * results as covers; tapping a cover opens the book screen. */
import { mark, on, screen, state } from "../js/core.js";
import { api } from "../js/http.js";
import { applyStrings, N_, nt, t } from "../js/i18n.js";
import { coverButton } from "./book.js";

const ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"];
const input = document.getElementById("search-input");
const info = document.getElementById("search-info");
const results = document.getElementById("search-results");
let timer = null;
let latest = 0;

function key(label, value, className, labelKey) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "key " + (className || "");
  button.textContent = label;
  button.dataset.key = value;
  if (labelKey) button.dataset.tLabel = labelKey;
  return button;
}

function buildKeyboard() {
  const keyboard = document.getElementById("keyboard");
  ROWS.forEach((row) => {
    const line = document.createElement("div");
    line.className = "key-row";
    row.split("").forEach((ch) => line.append(key(ch.toUpperCase(), ch)));
    keyboard.append(line);
  });
  const last = document.createElement("div");
  last.className = "key-row";
  const space = key("", " ", "wide");
  space.dataset.t = N_("space");
  last.append(key("⌫", "backspace", "", N_("Delete one letter")), space, key("✕", "clear", "", N_("Clear")));
  keyboard.append(last);
  keyboard.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-key]");
    if (!button) return;
    const value = button.dataset.key;
    if (value === "backspace") input.value = input.value.slice(0, -1);
    else if (value === "clear") input.value = "";
    else if (input.value.length < 100) input.value += value;
    schedule();
  });
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(search, 250);  // wait for the next key before asking
}

async function search() {
  const q = input.value.trim();
  const ticket = ++latest;
  results.textContent = "";
  if (!q) { info.textContent = ""; return; }
  // One letter matches half the catalogue: wait for the second.
  if (q.length < 2) { info.textContent = t("Type one more letter…"); return; }
  info.textContent = t("Searching…");
  let body;
  try {
    const audience = state.child ? "&audience=children" : "";
    body = await api("/api/v1/search?per_page=12&q=" + encodeURIComponent(q) + audience);
  } catch (err) {
    if (ticket === latest) {
      info.textContent = err.offline ? t("Search needs the library service, which is unavailable right now.") : err.message;
    }
    return;
  }
  if (ticket !== latest) return;  // a newer query is on its way
  if (body === null) { info.textContent = t("Search is not available on this kiosk yet."); return; }
  const items = body.items || [];
  const total = body.total != null ? body.total : items.length;
  let text = items.length ? nt("{n} book found", "{n} books found", total) : t("No matching books.");
  if (body.suggestion) text += " " + t("Did you mean: {suggestion}?", { suggestion: body.suggestion });
  info.textContent = text;
  items.forEach((book) => results.append(coverButton(book)));
  mark("search-results", { q, count: items.length });
}

buildKeyboard();
screen("search", {
  show() { applyStrings(document.getElementById("keyboard")); },
  reset() { input.value = ""; results.textContent = ""; info.textContent = ""; clearTimeout(timer); latest++; },
});
on("lang", () => { if (input.value) search(); });
