/* Survey after a visit: five faces and an optional short comment.
 *
 * Shown once per visit when a visitor leaves a book or event screen (or a
 * member the self-checkout screen) for the start screen; not when the idle
 * timer resets the kiosk: nobody is there. Other screens may ask for it with
 * `survey(context)` (exported). One tap on a face is an answer: it
 * is sent after a few seconds (`Kiosk.config.surveyAutoSeconds`, default 8)
 * unless the visitor starts writing a comment, on the on-screen keyboard
 * (js/keyboard.js; a kiosk has no physical one). */
import { config, mark, on, reset, screen, show, state } from "../js/core.js";
import { api } from "../js/http.js";
import { nt, pt, t } from "../js/i18n.js";
import { keyboard } from "../js/keyboard.js";

const AUTO_SECONDS = 8;
const COLOURS = ["#c0392b", "#e67e22", "#f1c40f", "#7dbb42", "#27ae60"];
const $ = (id) => document.getElementById(id);
let context = "kiosk_book";
let bookId = null;
let rating = null;
let countdown = null;
let previous = null;
let resetting = false;
let asked = false;  // once per visit (a visit ends with the idle reset)
let member = false;  // a member signed in at self-checkout during this visit

/* A face drawn in SVG (emoji fonts are not on every kiosk): the mouth bends from frown to smile. */
function face(n) {
  const bend = (n - 3) * 9;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 100 100");
  svg.setAttribute("aria-hidden", "true");
  svg.innerHTML = `<circle cx="50" cy="50" r="46" fill="${COLOURS[n - 1]}"/>` +
    `<circle cx="35" cy="40" r="6" fill="#1b1b1b"/><circle cx="65" cy="40" r="6" fill="#1b1b1b"/>` +
    `<path d="M30 ${68 - bend / 2} Q50 ${68 + bend} 70 ${68 - bend / 2}" stroke="#1b1b1b" stroke-width="6" fill="none" stroke-linecap="round"/>`;
  return svg;
}

/* The words under face n (1-5); "OK" here is a rating, not the keypad's OK. */
function faceLabel(n) {
  return [t("Very bad"), t("Bad"), pt("survey face", "OK"), t("Good"), t("Very good")][n - 1];
}

function autoText(n) { return nt("Sent automatically in {n} second", "Sent automatically in {n} seconds", n); }

function build() {
  const box = $("survey-faces");
  for (let n = 1; n <= 5; n += 1) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "face";
    button.dataset.rating = String(n);
    button.setAttribute("aria-pressed", "false");
    const label = document.createElement("span");
    label.className = "face-label";
    label.textContent = faceLabel(n);
    button.append(face(n), label);
    button.addEventListener("click", () => choose(n));
    box.append(button);
  }
}

function stopCountdown() { clearInterval(countdown); countdown = null; $("survey-auto").textContent = ""; }

function choose(n) {
  rating = n;
  document.querySelectorAll("#survey-faces .face").forEach((b) =>
    b.setAttribute("aria-pressed", String(b.dataset.rating === String(n))));
  $("survey-more").hidden = false;
  stopCountdown();
  let left = config.surveyAutoSeconds || AUTO_SECONDS;
  $("survey-auto").textContent = autoText(left);
  countdown = setInterval(() => {
    left -= 1;
    if (left <= 0) { send(); return; }
    $("survey-auto").textContent = autoText(left);
  }, 1000);
  mark("survey-rating", { rating: n });
}

async function send() {
  stopCountdown();
  if (rating === null) return;
  const body = { rating, comment: $("survey-comment").value.trim() || null, context,
                 language: state.lang };
  if (bookId) body.book_id = bookId;
  rating = null;
  $("survey-more").hidden = true;
  $("survey-faces").hidden = true;
  $("survey-thanks").hidden = false;
  try {
    await api("/api/v1/feedback", { method: "POST", body });
    mark("survey-sent", body);
  } catch (err) {
    mark("survey-failed", { code: err.code });  // a lost answer is not worth an error screen
  }
  // After a member's session everything is wiped (language, child mode, screens); a visitor just goes back.
  const done = context === "kiosk_checkout" ? () => reset() : () => show("attract");
  setTimeout(() => { if (state.current === "survey") done(); }, 2500);
}

function clear() {
  stopCountdown();
  rating = null;
  $("survey-comment").value = "";
  $("survey-more").hidden = true;
  $("survey-faces").hidden = false;
  $("survey-thanks").hidden = true;
  document.querySelectorAll("#survey-faces .face").forEach((b) => b.setAttribute("aria-pressed", "false"));
}

/* Ask now (`context`: kiosk_book or kiosk_checkout). */
export function survey(askContext, options) {
  asked = true;
  context = askContext || "kiosk_book";
  bookId = (options && options.bookId) || null;
  clear();
  labelFaces();
  show("survey");
}

screen("survey", {
  reset() {
    if (rating !== null) send();  // a face was tapped: that is an answer
    resetting = true;
    asked = false;
    member = false;
    clear();
  },
});

on("screen", (msg) => {
  const from = previous;
  previous = msg.name;
  if (resetting) { resetting = false; return; }
  if (msg.name !== "attract" || asked) return;
  if (from === "book" || from === "event") survey("kiosk_book", { bookId: from === "book" ? lastBook : null });
  // A member finished a self-checkout session (not someone who cancelled at the card keyboard).
  else if (from === "checkout" && member) survey("kiosk_checkout");
});
on("member-signed-in", () => { member = true; });
let lastBook = null;
on("book-shown", (book) => { lastBook = book.id; });
/* The faces' words in the current language (they are first drawn before the catalogues load). */
function labelFaces() {
  document.querySelectorAll("#survey-faces .face-label").forEach((label, i) => { label.textContent = faceLabel(i + 1); });
}
on("lang", labelFaces);

build();
// Punctuation a short comment needs; a key stops the countdown as typing does.
keyboard($("survey-keyboard"), $("survey-comment"), { onChange: stopCountdown, extra: ",.?!" });
$("survey-send").addEventListener("click", send);
$("survey-skip").addEventListener("click", () => {
  clear();
  if (context === "kiosk_checkout") reset(); else show("attract");
});
$("survey-comment").addEventListener("input", stopCountdown);
$("survey-comment").addEventListener("focus", stopCountdown);
