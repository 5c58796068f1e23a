/* "Buku tamu": the visitor book. A member scans the library card (the scan
 * is this screen's while it is shown); a guest types a name and, if they
 * like, the school, campus or office, on the on-screen keyboard (which
 * field it types into is the one last tapped), and may say who they are
 * (pelajar, mahasiswa, guru, umum) for the library's statistics. The
 * service counts a visitor once an hour (`POST /api/v1/visits`); the thanks
 * say so, then the screen goes back to the start. */
import { mark, screen, show } from "../js/core.js";
import { api } from "../js/http.js";
import { N_, t } from "../js/i18n.js";
import { keyboard } from "../js/keyboard.js";

const THANKS_SECONDS = 5;
const GROUPS = [["pelajar", N_("School student")], ["mahasiswa", N_("University student")],
                ["guru", N_("Teacher or lecturer")], ["umum", N_("General public")]];
const $ = (id) => document.getElementById(id);
let active = null;   // the field the keyboard types into
let group = null;
let busy = false;
let back = null;

/* The keyboard types into whichever field was tapped last. */
const target = {
  get value() { return active.value; },
  set value(text) { active.value = text; },
  get maxLength() { return active.maxLength; },
};

function focus(field) {
  active = field;
  document.querySelectorAll("#screen-visitor .visitor-field").forEach((f) => f.classList.toggle("active", f === field));
}

function chooseGroup(value) {
  group = group === value ? null : value;
  document.querySelectorAll("#visitor-groups button").forEach((b) => {
    b.setAttribute("aria-pressed", String(b.dataset.group === group));
  });
}

function clear() {
  $("visitor-name").value = ""; $("visitor-institution").value = "";
  $("visitor-message").textContent = "";
  $("visitor-thanks").hidden = true; $("visitor-form").hidden = false;
  chooseGroup(null); group = null;
  focus($("visitor-name"));
  clearTimeout(back);
}

function thanks(body) {
  let words;
  if (!body.counted) words = t("You have already signed the visitor book within the hour. Welcome back!");
  else if (body.name) words = t("Thank you, {name}! You are visitor number {n} today.", { name: body.name, n: body.visits_today });
  else words = t("Thank you! You are visitor number {n} today.", { n: body.visits_today });
  $("visitor-form").hidden = true;
  const box = $("visitor-thanks");
  box.textContent = words; box.hidden = false;
  mark("visitor-signed", { kind: body.kind, counted: body.counted, today: body.visits_today });
  back = setTimeout(() => show("attract"), THANKS_SECONDS * 1000);
}

async function sign(body) {
  if (busy) return;
  busy = true;
  $("visitor-message").textContent = "";
  try {
    thanks(await api("/api/v1/visits", { method: "POST", body, nullOn404: false }));
  } catch (err) {
    $("visitor-message").textContent = err.message;
    mark("visitor-refused", { code: err.code });
  } finally {
    busy = false;
  }
}

function send() {
  const name = $("visitor-name").value.trim();
  if (name.length < 2) {
    $("visitor-message").textContent = t("Write your name, or scan your library card.");
    focus($("visitor-name"));
    return;
  }
  const body = { name };
  const institution = $("visitor-institution").value.trim();
  if (institution) body.institution = institution;
  if (group) body.group = group;
  sign(body);
}

/* A library card read while this screen is up signs its member in. */
function claim(resolution) {
  if (resolution.type !== "patron_card") return false;
  if ($("visitor-form").hidden) return true;  // thanked already
  const body = { card: resolution.card };
  if (group) body.group = group;
  sign(body);
  return true;
}

GROUPS.forEach(([value, words]) => {
  const button = document.createElement("button");
  button.type = "button"; button.className = "group"; button.dataset.group = value;
  button.dataset.t = words; button.textContent = t(words);
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", () => chooseGroup(value));
  $("visitor-groups").append(button);
});
document.querySelectorAll("#screen-visitor .visitor-field").forEach((field) => {
  field.addEventListener("click", () => focus(field));
  field.addEventListener("focus", () => focus(field));
});
focus($("visitor-name"));
keyboard($("visitor-keyboard"), target, { extra: ".-", caps: true, capitalize: true, onEnter: send,
                                          enterLabel: N_("Send"),
                                          onChange: () => { $("visitor-message").textContent = ""; } });
$("visitor-send").addEventListener("click", send);
$("visitor-cancel").addEventListener("click", () => show("attract"));

screen("visitor", {
  show() { clear(); },
  hide() { clearTimeout(back); },
  reset() { clear(); },
  claim,
});

// The way in, beside borrow / return / my account on the start screen.
const open = document.createElement("button");
open.type = "button"; open.id = "visitor-button"; open.className = "big";
open.dataset.t = N_("Sign the visitor book"); open.textContent = t("Sign the visitor book");
open.addEventListener("click", () => show("visitor"));
const actions = document.querySelector("#screen-attract .circ-actions");
if (actions) actions.append(open);
else document.querySelector("#screen-attract .attract-main .lead")?.after(open);
