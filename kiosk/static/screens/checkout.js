/* Self-checkout: a member scans their card (or presses "Pinjam buku" and
 * types it: digits, letters and a dash, as BTM-0001), enters the PIN on the
 * keypad, then scans books; each one shows its due date or the reason it
 * cannot be borrowed, beside its title and cover. The member sees fines and
 * "2 of 5 books"; a member who cannot borrow (expired, blocked, at the
 * limit) is told so instead of being asked to scan. "Selesai" shows the
 * receipt (on screen, printable, and a QR the phone opens). "Akun saya"
 * lists loans and renews one or all. Only the first name is ever shown; the
 * session ends (and the screen is wiped) on "Selesai", idle, or leaving the
 * screen, which a signed-in member is asked about first. */
import { emit, mark, notice, on, onResolution, reset, screen, show } from "../js/core.js";
import { request } from "../js/http.js";
import { locale, N_, nt, pick, t } from "../js/i18n.js";
import { survey } from "./survey.js";

const API = "/service/api/v1/circulation";
const PANELS = ["card", "pin", "borrow", "account", "receipt"];
let s = fresh();

function fresh() {
  return { mode: "borrow", panel: null, card: "", pin: "", token: null, first: "", pending: [],
           borrowed: new Set(), busy: false, status: null, onLoan: 0, leaving: null, reserve: null, emailTo: null };
}
const $ = (id) => document.getElementById(id);

/* The circulation API through the kiosk relay, with the member's session;
 * unlike api() a 404 is an answer here (unknown card, unknown loan), not a
 * missing feature. A session's end is sent even when the page goes away. */
function call(method, path, body) {
  const headers = s.token ? { "X-Patron-Session": s.token } : {};
  return request(API + path, { method, headers, body, keepalive: method === "DELETE" });
}

function dateText(iso) {
  return new Date(iso).toLocaleDateString(locale(), { weekday: "long", day: "numeric", month: "long",
                                                    year: "numeric", timeZone: "Asia/Jakarta" });
}

function panel(name) {
  s.panel = name;
  PANELS.forEach((p) => { $("co-" + p).hidden = p !== name; });
  headings();
  mark("checkout-panel", { panel: name });
}

/* Texts that depend on the state, in the current language: the heading
 * names the panel shown ("Akun saya" from its card and PIN panels on). */
const HEADINGS = { borrow: N_("Borrow books"), account: N_("My account"), receipt: N_("Loan receipt"),
                   reserve: N_("Reserve a book") };
function headings() {
  const which = s.panel === "card" || s.panel === "pin" || !s.panel ? s.mode : s.panel;
  $("co-heading").textContent = t(HEADINGS[which] || HEADINGS.borrow);
  const hello = s.first ? t("Hello, {name}!", { name: s.first }) : "";
  $("co-hello").textContent = hello;
  $("co-account-hello").textContent = hello;
  if (s.status) {
    borrowState(s.status);
    extra($("co-account-extra"), s.status);
  }
}

/* A line of a list: the book's cover (when known), its title and what happened. */
function row(list, title, text, kind, cover) {
  const li = document.createElement("li");
  li.className = "co-row " + kind;
  if (cover) {
    const img = document.createElement("img");
    img.className = "co-cover"; img.src = cover; img.alt = "";  // the title beside it says which book
    img.onerror = () => img.remove();
    li.append(img);
  }
  const strong = document.createElement("strong");
  strong.textContent = title;
  const span = document.createElement("span");
  span.textContent = text;
  li.append(strong, span);
  list.append(li);
  return li;
}

/* The copy a refusal names (the service's details.copy), if any. */
export function refusedCopy(err) {
  const copy = (err && err.details && err.details.copy) || {};
  return { title: copy.title || "", cover: copy.cover_url || null, barcode: copy.barcode || null };
}

const PIN_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok"];
// Card numbers such as BTM-0001: a row of digits, the letters, a dash.
const CARD_ROWS = ["1234567890", "QWERTYUIOP", "ASDFGHJKL-", "ZXCVBNM"];

function keyButton(box, key) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "key" + (key === "ok" ? " ok" : "");
  button.dataset.key = key;
  button.textContent = key === "del" ? "⌫" : key === "ok" ? t("OK") : key;
  if (key === "del") button.setAttribute("aria-label", t("Delete"));
  if (key === "-") button.setAttribute("aria-label", t("Dash"));
  button.addEventListener("click", () => press(box.dataset.target, key));
  return button;
}

function keypad(box) {
  box.textContent = "";
  if (box.dataset.target !== "card") {
    PIN_KEYS.forEach((key) => box.append(keyButton(box, key)));
    return;
  }
  CARD_ROWS.forEach((keys, n) => {
    const line = document.createElement("div");
    line.className = "key-row";
    keys.split("").forEach((key) => line.append(keyButton(box, key)));
    if (n === CARD_ROWS.length - 1) line.append(keyButton(box, "del"), keyButton(box, "ok"));
    box.append(line);
  });
}

function renderEntry() {
  // Never the whole card number on screen: only its last 4 characters, to check the typing.
  $("co-card-entry").textContent = "•".repeat(Math.max(0, s.card.length - 4)) + s.card.slice(-4);
  $("co-pin-dots").textContent = "●".repeat(s.pin.length);
}

function press(target, key) {
  if (target === "card") {
    if (key === "del") s.card = s.card.slice(0, -1);
    else if (key === "ok") { if (s.card.length >= 4) askPin(s.card); }
    else if (s.card.length < 20) s.card += key;
  } else {
    if (key === "del") s.pin = s.pin.slice(0, -1);
    else if (key === "ok") { if (s.pin.length >= 4) login(); }
    else if (s.pin.length < 8) s.pin += key;
  }
  renderEntry();
}

function askPin(card) {
  s.card = card; s.pin = "";
  $("co-pin-message").textContent = "";
  renderEntry();
  panel("pin");
}

async function login() {
  if (s.busy) return;
  s.busy = true;
  try {
    const body = await call("POST", "/sessions", { card: s.card, pin: s.pin });
    s.token = body.session; s.first = body.patron.first_name; s.pin = ""; s.card = "";
    emit("member-signed-in", {});  // the survey asks a member who leaves (screens/survey.js)
    renderEntry();
    if (s.mode === "account") showAccount(body);
    else if (s.mode === "reserve") { showAccount(body); await reserveBook(); }
    else {
      showBorrow(body);
      const waiting = s.pending.splice(0);
      for (const payload of waiting) await borrow(payload);
    }
  } catch (err) {
    s.pin = ""; renderEntry();
    $("co-pin-message").textContent = err.message;
    mark("checkout-refused", { code: err.code });
    if (err.code === "unknown_card" || err.code === "card_lost") { s.pending = []; }
  } finally {
    s.busy = false;
  }
}

function blocks(box, status) {
  box.textContent = (status.blocks || []).map((b) => pick(b.message_id, b.message)).join(" ");
}

/* Rupiah as librarians write it, in both languages: Rp75.000. */
export function rupiah(amount) { return "Rp" + Math.round(amount).toLocaleString("id-ID"); }

/* A reserved book waiting on the hold shelf (first: it is often what the member
 * came for), "Books on loan: 2 of 5" (when the library system says the limit)
 * and the fines owed. */
function counts(status) {
  const parts = [];
  const ready = status.holds_ready || 0;
  if (ready) parts.push(nt("{n} book is waiting for you on the hold shelf.", "{n} books are waiting for you on the hold shelf.", ready));
  if (status.max_loans != null) parts.push(t("Books on loan: {n} of {max}", { n: s.onLoan, max: status.max_loans }));
  if (status.fines > 0) parts.push(t("Fines: {amount}", { amount: rupiah(status.fines) }));
  return parts;
}

/* The borrowing panel says whether to scan books: a member who cannot
 * borrow now (expired card, blocks, at the limit) is told why instead. */
function borrowState(status) {
  const can = status.can_borrow !== false && (status.max_loans == null || s.onLoan < status.max_loans);
  const lead = $("co-borrow-lead");
  lead.textContent = can ? t("Scan the QR label of each book you want to borrow.")
                         : t("You cannot borrow books now. Please ask a librarian at the desk.");
  lead.classList.toggle("co-blocks", !can);
  $("co-borrow-extra").textContent = counts(status).join(" · ");
  return can;
}

/* Loans and fines, holds and the library system's own messages (SIP2 backend), when sent. */
function extra(box, status) {
  const said = $("co-account-blocks").textContent;
  const parts = counts(status);
  if ((status.holds || []).length) parts.push(t("Your holds: {titles}", { titles: status.holds.map((h) => h.title).join(", ") }));
  (status.screen_messages || []).filter((m) => !said.includes(m)).forEach((m) => parts.push(m));
  box.textContent = parts.join(" · ");
}

function keep(status) {
  s.status = status;
  s.onLoan = (status.loans || []).length;
}

function showBorrow(status) {
  keep(status);
  $("co-hello").textContent = t("Hello, {name}!", { name: s.first });
  blocks($("co-borrow-blocks"), status);
  panel("borrow");
  mark("checkout-borrow", { canBorrow: borrowState(status) });
}

async function borrow(payload) {
  const list = $("co-borrow-list");
  try {
    const body = await call("POST", "/checkouts", { payload });
    s.borrowed.add(body.loan.barcode);
    s.onLoan += 1;
    if (s.status) borrowState(s.status);
    // Queued while the library system is away (SIP2): say it will be confirmed.
    const queued = body.loan.queued && body.loan.notice;
    row(list, body.loan.title, queued ? pick(body.loan.notice.message_id, body.loan.notice.message)
                                      : t("Due back by {date}", { date: dateText(body.loan.due_local) }),
        queued ? "queued" : "ok", body.loan.cover_url);
    mark("checkout-loan", { title: body.loan.title, due: body.loan.due_date, queued: !!queued });
  } catch (err) {
    if (err.code === "already_borrowed_by_you") return;  // the same book shown twice
    if (err.code === "session_expired" || err.code === "session_required") { reset(); return; }
    const copy = refusedCopy(err);
    row(list, copy.title, err.message, "refused", copy.cover);
    mark("checkout-refused", { code: err.code, title: copy.title });
  }
}

function loanRow(list, loan) {
  if (loan.queued && loan.notice) {  // borrowed offline, not yet confirmed by the library system
    row(list, loan.title, pick(loan.notice.message_id, loan.notice.message), "queued").dataset.barcode = loan.barcode;
    return;
  }
  const li = row(list, loan.title, t("Due back by {date}", { date: dateText(loan.due_local) }) +
                 (loan.overdue ? " · " + t("Overdue") : "") +
                 (loan.renewals_left != null
                   ? " · " + nt("{n} renewal left", "{n} renewals left", loan.renewals_left) : ""),
                 loan.overdue ? "overdue" : "ok");
  li.dataset.barcode = loan.barcode;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "co-secondary co-renew";
  button.textContent = t("Renew");
  button.disabled = loan.renewals_left === 0;
  button.addEventListener("click", () => renew({ barcode: loan.barcode }));
  li.append(button);
}

function showAccount(status) {
  keep(status);
  $("co-account-hello").textContent = t("Hello, {name}!", { name: s.first });
  blocks($("co-account-blocks"), status);
  extra($("co-account-extra"), status);
  const list = $("co-account-list");
  list.textContent = "";
  (status.loans || []).forEach((loan) => loanRow(list, loan));
  $("co-account-empty").hidden = (status.loans || []).length > 0;
  $("co-renew-all").hidden = !(status.loans || []).length;
  panel("account");
  mark("checkout-account", { loans: (status.loans || []).length });
}

/* "Pesan buku ini" from the book screen: the member is signed in, the title goes in its queue. */
async function reserveBook() {
  const book = s.reserve;
  const said = $("co-account-reserve");
  if (!book) return;
  s.reserve = null;
  try {
    const body = await call("POST", "/holds", { book_id: book.id });
    const position = body.hold && body.hold.position;
    said.textContent = position
      ? t("Reserved: {title}. You are number {position} in the queue; the book is set aside for you when a copy comes back.",
          { title: book.title, position })
      : t("Reserved: {title}.", { title: book.title });
    said.className = "co-reserve ok";
    mark("checkout-reserved", { title: book.title, position });
  } catch (err) {
    if (err.code === "session_expired" || err.code === "session_required") { reset(); return; }
    said.textContent = book.title + ": " + err.message;
    said.className = "co-reserve refused";
    mark("checkout-refused", { code: err.code, title: book.title });
  }
  said.hidden = false;
  try { showAccount(await call("GET", "/session")); } catch (err) { /* the line above says what happened */ }
}

async function renew(body) {
  let outcome = null;
  try {
    outcome = await call("POST", "/renewals", body);
  } catch (err) {
    notice(err.message, { kind: "gentle" });
    mark("checkout-refused", { code: err.code });
  }
  try {
    showAccount(await call("GET", "/session"));
  } catch (err) { reset(); return; }
  if (outcome) {
    outcome.results.filter((r) => !r.renewed).forEach((r) => {
      const li = document.querySelector(`#co-account-list li[data-barcode="${CSS.escape(r.barcode)}"] span`);
      if (li) li.textContent += " · " + pick(r.error.message_id, r.error.message);
    });
    mark("checkout-renewed", { renewed: outcome.renewed });
  }
}

async function finish() {
  if (!s.token) { reset(); return; }
  let receipt = null;
  try { receipt = await call("POST", "/receipts"); } catch (err) { receipt = null; }
  // A member with an email address may have the receipt emailed: the session stays
  // open for that one tap, and ends on it, on "Kembali ke awal" or when idle.
  s.emailTo = receipt && receipt.lines && receipt.lines.length ? receipt.email_to : null;
  if (!s.emailTo) await endSession();
  $("co-email-button").hidden = !s.emailTo;
  $("co-email-said").hidden = true;
  const list = $("co-receipt-list");
  list.textContent = "";
  const lines = (receipt && receipt.lines) || [];
  lines.forEach((line) => {
    const date = dateText(line.due_date + "T12:00:00+07:00");
    const due = line.action === "renewal" ? t("Renewed until {date}", { date }) : t("Due back by {date}", { date });
    row(list, line.title, due + (line.action === "queued" ? " · " + t("awaiting confirmation (date estimated)") : ""), "ok");
  });
  $("co-receipt-empty").hidden = lines.length > 0;
  // "5 Desember 2026 pukul 14.05 WIB": the library's clock, as a librarian writes it.
  $("co-print-when").textContent = new Date().toLocaleString(locale(), {
    day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta",
  }) + " WIB";
  $("co-qr").innerHTML = receipt && lines.length ? receipt.qr_svg : "";  // SVG made by the service's QR encoder
  $("co-qr").dataset.url = receipt ? receipt.url : "";
  panel("receipt");
  mark("checkout-receipt", { lines: lines.length, url: receipt ? receipt.url : null });
}

/* "Kirim ke email": the same receipt, queued to the member's email address. */
async function emailReceipt() {
  if (!s.token || !s.emailTo) return;
  const said = $("co-email-said");
  try {
    await call("POST", "/receipts", { email: true });
    said.textContent = t("The receipt is on its way to {address}.", { address: s.emailTo });
    $("co-email-button").hidden = true;
    mark("checkout-emailed", { to: s.emailTo });
    await endSession();
  } catch (err) {
    said.textContent = t("The receipt could not be emailed. Please ask a librarian.");
  }
  said.hidden = false;
}

async function endSession() {
  if (!s.token) return;
  try { await call("DELETE", "/session"); } catch (err) { /* expired already: nothing to end */ }
  s.token = null;
}

function wipe() {
  const token = s.token;
  if (token) {  // idle or leaving mid-session: end it on the service too
    request(API + "/session", { method: "DELETE", headers: { "X-Patron-Session": token }, keepalive: true })
      .catch(() => {});
  }
  s = fresh();
  ["co-borrow-list", "co-account-list", "co-receipt-list", "co-hello", "co-account-hello", "co-borrow-blocks",
   "co-borrow-extra", "co-account-blocks", "co-account-extra", "co-pin-message", "co-qr",
   "co-print-when", "co-email-said"].forEach((id) => { $(id).textContent = ""; });
  $("co-email-button").hidden = true; $("co-email-said").hidden = true;
  $("co-leave").hidden = true;
  $("co-account-reserve").hidden = true; $("co-account-reserve").textContent = "";
  const lead = $("co-borrow-lead");
  lead.textContent = t(lead.dataset.t); lead.classList.remove("co-blocks");
  renderEntry();
}

function start(mode, card, book) {
  wipe();
  s.mode = mode;
  s.reserve = mode === "reserve" && book ? book : null;
  if (card) askPin(card); else panel("card");
}

/* Leaving the screen (the top bar's "Cari", the home button) while signed
 * in: ask first, never a silent sign-out. */
function leaving(next, go) {
  if (!s.token) return false;
  s.leaving = go;
  $("co-leave").hidden = false;
  $("co-leave-stay").focus();
  mark("checkout-leave-asked", { next });
  return true;
}

function closeLeave(agreed) {
  const go = s.leaving;
  s.leaving = null;
  $("co-leave").hidden = true;
  if (agreed && go) go();
}

/* Scans read while this screen is up belong to it (a screen's claim(), see kiosk/app.py). */
function claim(resolution, msg) {
  if (resolution.type === "patron_card") {
    if (s.token) notice(t("You are already signed in."), { kind: "gentle" });
    else askPin(resolution.card);
    return true;
  }
  if (s.panel === "borrow") { borrow(msg.payload); return true; }
  if ((s.panel === "pin" || s.panel === "card") && resolution.type === "item" && s.mode === "borrow") {
    if (s.pending.length < 10 && !s.pending.includes(msg.payload)) s.pending.push(msg.payload);
    notice(t("Book read; it is borrowed once the PIN is right."), { kind: "gentle" });
    return true;
  }
  return s.panel === "receipt" || s.panel === "account";
}

screen("checkout", {
  show(data) { if (data) start(data.mode || "borrow", data.card, data.book); },
  hide() { wipe(); },
  reset() { wipe(); },
  claim,
  leaving,
});
onResolution("patron_card", (resolution) => show("checkout", { mode: "borrow", card: resolution.card }));

document.querySelectorAll("#screen-checkout .keypad").forEach(keypad);
on("lang", () => {
  document.querySelectorAll("#screen-checkout .keypad").forEach(keypad);
  if (s.panel) headings();  // data-t would put back the borrowing title in "Akun saya"
});
$("co-done").addEventListener("click", finish);
$("co-account-done").addEventListener("click", finish);
$("co-to-account").addEventListener("click", async () => {
  s.mode = "account";
  try { showAccount(await call("GET", "/session")); } catch (err) { reset(); }
});
$("co-renew-all").addEventListener("click", () => renew({ all: true }));
$("co-card-cancel").addEventListener("click", () => show("attract"));
$("co-pin-cancel").addEventListener("click", () => show("attract"));
$("co-pin-back").addEventListener("click", () => { s.card = ""; s.pin = ""; s.pending = []; renderEntry(); panel("card"); });
$("co-leave-stay").addEventListener("click", () => closeLeave(false));
$("co-leave-go").addEventListener("click", () => closeLeave(true));
$("co-print-button").addEventListener("click", () => { mark("checkout-print"); window.print(); });
$("co-email-button").addEventListener("click", emailReceipt);
// The member is done: the one-tap survey (screens/survey.js), then a full reset.
$("co-finish").addEventListener("click", () => survey("kiosk_checkout"));

// The way in, on the attract screen: borrow, return, my account.
const actions = document.createElement("div");
actions.className = "circ-actions";
[["circ-borrow", N_("Borrow books"), () => show("checkout", { mode: "borrow" })],
 ["circ-return", N_("Return books"), () => show("return", {})],
 ["circ-account", N_("My account"), () => show("checkout", { mode: "account" })]].forEach(([id, key, go]) => {
  const button = document.createElement("button");
  button.type = "button"; button.id = id; button.className = "big"; button.dataset.t = key;
  button.textContent = t(key);
  button.addEventListener("click", go);
  actions.append(button);
});
// Under the "how to scan" line, above the camera picture: seen without scrolling.
const lead = document.querySelector("#screen-attract .attract-main .lead");
if (lead) lead.after(actions);
