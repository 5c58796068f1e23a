/* Search screen: an on-screen keyboard (a kiosk has no physical one) with
 * an Enter key, titles the catalogue suggests while typing (the
 * autocomplete API; a tap opens the book), results as covers with "Lihat
 * lebih banyak" until every book found is reached, a tappable "Maksud
 * Anda ...?", and child mode searching children's books. Tapping a cover
 * opens the book screen. */
import { mark, on, screen, state } from "../js/core.js";
import { api } from "../js/http.js";
import { applyStrings, N_, nt, t } from "../js/i18n.js";
import { keyboard } from "../js/keyboard.js";
import { coverButton, openBook } from "./book.js";

const PER_PAGE = 12;
const input = document.getElementById("search-input");
const info = document.getElementById("search-info");
const results = document.getElementById("search-results");
const suggestions = document.getElementById("search-suggestions");
let timer = null;
let latest = 0;
let latestSuggest = 0;
let found = { q: "", page: 0, total: 0, shown: 0, suggestion: null };

function schedule() {
  clearTimeout(timer);
  // Wait for the next key before asking; suggestions after the results (one request at a time).
  timer = setTimeout(() => { search().finally(suggest); }, 250);
}

/* Enter: search now, without waiting for the pause or the suggestions. */
function submit() {
  clearTimeout(timer);
  clearSuggestions();
  latestSuggest++;
  search();
}

function clearSuggestions() { suggestions.textContent = ""; suggestions.hidden = true; }

/* Titles the catalogue knows that start like the typing: a tap opens the book. */
async function suggest() {
  const q = input.value.trim();
  const ticket = ++latestSuggest;
  if (q.length < 2) { clearSuggestions(); return; }
  let body = null;
  try { body = await api("/api/v1/search/autocomplete?limit=5&q=" + encodeURIComponent(q)); } catch (err) { body = null; }
  if (ticket !== latestSuggest) return;
  suggestions.textContent = "";
  ((body && body.items) || []).forEach((item) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "suggestion";
    button.textContent = item.title;
    button.addEventListener("click", () => openBook(item.id));
    suggestions.append(button);
  });
  suggestions.hidden = !suggestions.childElementCount;
  mark("search-suggestions", { q, count: suggestions.childElementCount });
}

function infoText() {
  info.textContent = "";
  const words = document.createElement("span");
  words.textContent = found.total ? nt("{n} book found", "{n} books found", found.total) : t("No matching books.");
  if (found.total > found.shown) words.textContent += " " + t("(showing {shown})", { shown: found.shown });
  info.append(words);
  if (found.suggestion) {
    // "Maksud Anda: laskar?": a tap searches for it.
    const button = document.createElement("button");
    button.type = "button";
    button.className = "did-you-mean";
    button.id = "search-suggestion";
    button.textContent = t("Did you mean: {suggestion}?", { suggestion: found.suggestion });
    button.addEventListener("click", () => { input.value = found.suggestion; submit(); });
    info.append(" ", button);
  }
}

function moreButton() {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "more-results";
  button.id = "search-more";
  button.textContent = t("Show more");
  button.addEventListener("click", () => search(found.page + 1));
  return button;
}

/* Page 1 of a new query, or the next page of the shown one (appended). */
async function search(page) {
  const q = input.value.trim();
  const next = page || 1;
  const ticket = ++latest;
  if (next === 1) results.textContent = "";
  if (!q) { info.textContent = ""; return; }
  // One letter matches half the catalogue: wait for the second.
  if (q.length < 2) { info.textContent = t("Type one more letter…"); return; }
  if (next === 1) info.textContent = t("Searching…");
  let body;
  try {
    const audience = state.child ? "&audience=children" : "";
    body = await api("/api/v1/search?per_page=" + PER_PAGE + "&page=" + next + "&q=" + encodeURIComponent(q) + audience);
  } catch (err) {
    if (ticket === latest) {
      info.textContent = err.offline ? t("Search needs the library service, which is unavailable right now.") : err.message;
    }
    return;
  }
  if (ticket !== latest) return;  // a newer query is on its way
  if (body === null) { info.textContent = t("Search is not available on this kiosk yet."); return; }
  const items = body.items || [];
  const old = document.getElementById("search-more");
  if (old) old.remove();
  if (next === 1) found = { q, page: 1, total: 0, shown: 0, suggestion: null };
  found.page = next;
  found.total = body.total != null ? body.total : found.shown + items.length;
  found.shown += items.length;
  found.suggestion = body.suggestion || null;
  infoText();
  const first = results.childElementCount;
  items.forEach((book) => results.append(coverButton(book)));
  if (found.shown < found.total && items.length) results.append(moreButton());
  if (next > 1 && results.children[first]) results.children[first].focus();  // where the new ones start
  mark("search-results", { q, count: items.length, page: next, shown: found.shown, total: found.total,
                           child: state.child });
}

keyboard(document.getElementById("keyboard"), input,
         { onChange: schedule, onEnter: submit, enterLabel: N_("Search ↵") });
screen("search", {
  show() { applyStrings(document.getElementById("keyboard")); },
  reset() {
    input.value = ""; results.textContent = ""; info.textContent = ""; clearSuggestions();
    clearTimeout(timer); latest++; latestSuggest++;
  },
});
on("lang", () => { if (input.value) search(); });
// Child mode searches children's books: the same words again, for them.
on("child", () => { if (input.value && state.current === "search") search(); });
