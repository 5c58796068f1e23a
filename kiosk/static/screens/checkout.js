/* Self-checkout: a member scans their card (or presses "Pinjam buku" and
 * types it), enters the PIN on the keypad, then scans books; each one shows
 * its due date or the reason it cannot be borrowed. "Selesai" shows the
 * receipt (on screen, printable, and a QR the phone opens). "Akun saya"
 * lists loans and renews one or all. Only the first name is ever shown; the
 * session ends (and the screen is wiped) on "Selesai", leaving, or idle. */
(function () {
  "use strict";
  Kiosk.strings({
    "co.title": ["Pinjam buku", "Borrow books"],
    "co.title_account": ["Akun saya", "My account"],
    "co.start": ["Pinjam buku", "Borrow books"],
    "co.return": ["Kembalikan buku", "Return books"],
    "co.my_account": ["Akun saya", "My account"],
    "co.scan_card": ["Pindai kartu anggota Anda di depan kamera, atau ketik nomornya.",
                     "Scan your library card at the camera, or type its number."],
    "co.enter_pin": ["Masukkan PIN Anda.", "Enter your PIN."],
    "co.keypad": ["Papan angka", "Keypad"],
    "co.delete": ["Hapus", "Delete"],
    "co.ok": ["OK", "OK"],
    "co.hello": ["Halo, {name}!", "Hello, {name}!"],
    "co.scan_books": ["Pindai label QR setiap buku yang ingin Anda pinjam.", "Scan the QR label of each book you want to borrow."],
    "co.due": ["Kembalikan paling lambat {date}", "Due back by {date}"],
    "co.done": ["Selesai", "Done"],
    "co.your_loans": ["Buku yang Anda pinjam", "Books you have borrowed"],
    "co.no_loans": ["Anda tidak sedang meminjam buku.", "You have no books on loan."],
    "co.renew": ["Perpanjang", "Renew"],
    "co.renew_all": ["Perpanjang semua", "Renew all"],
    "co.renewed": ["Diperpanjang sampai {date}", "Renewed until {date}"],
    "co.renewals_left": ["sisa perpanjangan: {n}", "renewals left: {n}"],
    "co.overdue": ["Terlambat", "Overdue"],
    "co.receipt": ["Struk peminjaman", "Loan receipt"],
    "co.library": ["Perpustakaan Kota Batam", "Batam City Public Library"],
    "co.nothing_borrowed": ["Tidak ada buku yang dipinjam.", "No books were borrowed."],
    "co.qr_label": ["Kode QR struk", "Receipt QR code"],
    "co.qr_caption": ["Pindai dengan ponsel untuk menyimpan struk ini.", "Scan with your phone to keep this receipt."],
    "co.print": ["Cetak struk", "Print receipt"],
    "co.finish": ["Kembali ke awal", "Back to the start"],
    "co.wait_pin": ["Buku dibaca; akan dipinjam setelah PIN benar.", "Book read; it is borrowed once the PIN is right."],
    "co.already_in": ["Anda sudah masuk.", "You are already signed in."],
    "co.fines": ["Denda: Rp {amount}", "Fines: Rp {amount}"],
    "co.queued": ["menunggu konfirmasi (tanggal perkiraan)", "awaiting confirmation (date estimated)"],
    "co.holds": ["Pesanan Anda: {titles}", "Your holds: {titles}"],
  });

  const API = "/service/api/v1/circulation";
  const PANELS = ["card", "pin", "borrow", "account", "receipt"];
  let s = fresh();

  function fresh() {
    return { mode: "borrow", panel: null, card: "", pin: "", token: null, first: "", pending: [],
             borrowed: new Set(), busy: false };
  }
  const $ = (id) => document.getElementById(id);

  /* The circulation API through the kiosk relay; unlike Kiosk.api a 404 is
   * an answer here (unknown card, unknown loan), not a missing feature. */
  async function call(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (s.token) headers["X-Patron-Session"] = s.token;
    const response = await fetch(API + path, { method, headers, body: body ? JSON.stringify(body) : undefined,
                                               keepalive: method === "DELETE" });
    if (response.status === 204) return {};
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data && data.error) || {};
      const err = new Error(Kiosk.pick(error.message_id, error.message) || "HTTP " + response.status);
      err.code = error.code || "http_" + response.status;
      err.details = error.details || {};
      throw err;
    }
    return data;
  }

  function dateText(iso) {
    const locale = Kiosk.state.lang === "en" ? "en-GB" : "id-ID";
    return new Date(iso).toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long",
                                                      year: "numeric", timeZone: "Asia/Jakarta" });
  }

  function panel(name) {
    s.panel = name;
    PANELS.forEach((p) => { $("co-" + p).hidden = p !== name; });
    headings();
    Kiosk.mark("checkout-panel", { panel: name });
  }

  /* Texts that depend on the state, in the current language. */
  function headings() {
    $("co-heading").textContent = Kiosk.t(s.mode === "account" && s.panel !== "receipt" ? "co.title_account" : "co.title");
    const hello = s.first ? Kiosk.t("co.hello", { name: s.first }) : "";
    $("co-hello").textContent = hello;
    $("co-account-hello").textContent = hello;
  }

  function row(list, title, text, kind) {
    const li = document.createElement("li");
    li.className = "co-row " + kind;
    const strong = document.createElement("strong");
    strong.textContent = title;
    const span = document.createElement("span");
    span.textContent = text;
    li.append(strong, span);
    list.append(li);
    return li;
  }

  function keypad(box) {
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "del", "0", "ok"];
    box.textContent = "";
    keys.forEach((key) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "key" + (key === "ok" ? " ok" : "");
      button.dataset.key = key;
      button.textContent = key === "del" ? "⌫" : key === "ok" ? Kiosk.t("co.ok") : key;
      if (key === "del") button.setAttribute("aria-label", Kiosk.t("co.delete"));
      button.addEventListener("click", () => press(box.dataset.target, key));
      box.append(button);
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
      renderEntry();
      if (s.mode === "account") showAccount(body);
      else {
        showBorrow(body);
        const waiting = s.pending.splice(0);
        for (const payload of waiting) await borrow(payload);
      }
    } catch (err) {
      s.pin = ""; renderEntry();
      $("co-pin-message").textContent = err.message;
      Kiosk.mark("checkout-refused", { code: err.code });
      if (err.code === "unknown_card" || err.code === "card_lost") { s.pending = []; }
    } finally {
      s.busy = false;
    }
  }

  function blocks(box, status) {
    box.textContent = (status.blocks || []).map((b) => Kiosk.pick(b.message_id, b.message)).join(" ");
  }

  /* Fines, holds and the library system's own messages (SIP2 backend), when sent. */
  function extra(box, status) {
    const said = $("co-account-blocks").textContent;
    const parts = [];
    if (status.fines > 0) parts.push(Kiosk.t("co.fines", { amount: status.fines.toLocaleString("id-ID") }));
    if ((status.holds || []).length) parts.push(Kiosk.t("co.holds", { titles: status.holds.map((h) => h.title).join(", ") }));
    (status.screen_messages || []).filter((m) => !said.includes(m)).forEach((m) => parts.push(m));
    box.textContent = parts.join(" · ");
  }

  function showBorrow(status) {
    $("co-hello").textContent = Kiosk.t("co.hello", { name: s.first });
    blocks($("co-borrow-blocks"), status);
    panel("borrow");
  }

  async function borrow(payload) {
    const list = $("co-borrow-list");
    try {
      const body = await call("POST", "/checkouts", { payload });
      s.borrowed.add(body.loan.barcode);
      // Queued while the library system is away (SIP2): say it will be confirmed.
      const queued = body.loan.queued && body.loan.notice;
      row(list, body.loan.title, queued ? Kiosk.pick(body.loan.notice.message_id, body.loan.notice.message)
                                        : Kiosk.t("co.due", { date: dateText(body.loan.due_local) }),
          queued ? "queued" : "ok");
      Kiosk.mark("checkout-loan", { title: body.loan.title, due: body.loan.due_date, queued: !!queued });
    } catch (err) {
      if (err.code === "already_borrowed_by_you") return;  // the same book shown twice
      if (err.code === "session_expired" || err.code === "session_required") { Kiosk.reset(); return; }
      row(list, "", err.message, "refused");
      Kiosk.mark("checkout-refused", { code: err.code });
    }
  }

  function loanRow(list, loan) {
    if (loan.queued && loan.notice) {  // borrowed offline, not yet confirmed by the library system
      row(list, loan.title, Kiosk.pick(loan.notice.message_id, loan.notice.message), "queued").dataset.barcode = loan.barcode;
      return;
    }
    const li = row(list, loan.title, Kiosk.t("co.due", { date: dateText(loan.due_local) }) +
                   (loan.overdue ? " · " + Kiosk.t("co.overdue") : "") +
                   (loan.renewals_left != null ? " · " + Kiosk.t("co.renewals_left", { n: loan.renewals_left }) : ""),
                   loan.overdue ? "overdue" : "ok");
    li.dataset.barcode = loan.barcode;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "co-secondary co-renew";
    button.textContent = Kiosk.t("co.renew");
    button.disabled = loan.renewals_left === 0;
    button.addEventListener("click", () => renew({ barcode: loan.barcode }));
    li.append(button);
  }

  function showAccount(status) {
    $("co-account-hello").textContent = Kiosk.t("co.hello", { name: s.first });
    blocks($("co-account-blocks"), status);
    extra($("co-account-extra"), status);
    const list = $("co-account-list");
    list.textContent = "";
    (status.loans || []).forEach((loan) => loanRow(list, loan));
    $("co-account-empty").hidden = (status.loans || []).length > 0;
    $("co-renew-all").hidden = !(status.loans || []).length;
    panel("account");
    Kiosk.mark("checkout-account", { loans: (status.loans || []).length });
  }

  async function renew(body) {
    let outcome = null;
    try {
      outcome = await call("POST", "/renewals", body);
    } catch (err) {
      Kiosk.notice(err.message, { kind: "gentle" });
      Kiosk.mark("checkout-refused", { code: err.code });
    }
    try {
      showAccount(await call("GET", "/session"));
    } catch (err) { Kiosk.reset(); return; }
    if (outcome) {
      outcome.results.filter((r) => !r.renewed).forEach((r) => {
        const li = document.querySelector(`#co-account-list li[data-barcode="${CSS.escape(r.barcode)}"] span`);
        if (li) li.textContent += " · " + Kiosk.pick(r.error.message_id, r.error.message);
      });
      Kiosk.mark("checkout-renewed", { renewed: outcome.renewed });
    }
  }

  async function finish() {
    if (!s.token) { Kiosk.reset(); return; }
    let receipt = null;
    try { receipt = await call("POST", "/receipts"); } catch (err) { receipt = null; }
    await endSession();
    const list = $("co-receipt-list");
    list.textContent = "";
    const lines = (receipt && receipt.lines) || [];
    lines.forEach((line) => row(list, line.title, Kiosk.t(line.action === "renewal" ? "co.renewed" : "co.due",
                                                            { date: dateText(line.due_date + "T12:00:00+07:00") }) +
                                (line.action === "queued" ? " · " + Kiosk.t("co.queued") : ""), "ok"));
    $("co-receipt-empty").hidden = lines.length > 0;
    $("co-print-when").textContent = new Date().toLocaleString(Kiosk.state.lang === "en" ? "en-GB" : "id-ID",
                                                               { timeZone: "Asia/Jakarta" }) + " WIB";
    $("co-qr").innerHTML = receipt && lines.length ? receipt.qr_svg : "";  // SVG made by the service's QR encoder
    $("co-qr").dataset.url = receipt ? receipt.url : "";
    panel("receipt");
    Kiosk.mark("checkout-receipt", { lines: lines.length, url: receipt ? receipt.url : null });
  }

  async function endSession() {
    if (!s.token) return;
    try { await call("DELETE", "/session"); } catch (err) { /* expired already: nothing to end */ }
    s.token = null;
  }

  function wipe() {
    const token = s.token;
    if (token) {  // idle or leaving mid-session: end it on the service too
      fetch(API + "/session", { method: "DELETE", headers: { "X-Patron-Session": token }, keepalive: true })
        .catch(() => {});
    }
    s = fresh();
    ["co-borrow-list", "co-account-list", "co-receipt-list", "co-hello", "co-account-hello", "co-borrow-blocks",
     "co-account-blocks", "co-account-extra", "co-pin-message", "co-qr", "co-print-when"].forEach((id) => { $(id).textContent = ""; });
    renderEntry();
  }

  function start(mode, card) {
    wipe();
    s.mode = mode;
    if (card) askPin(card); else panel("card");
  }

  /* Scans read while this screen is up belong to it (a screen's claim(), see kiosk/app.py). */
  function claim(resolution, msg) {
    if (resolution.type === "patron_card") {
      if (s.token) Kiosk.notice(Kiosk.t("co.already_in"), { kind: "gentle" });
      else askPin(resolution.card);
      return true;
    }
    if (s.panel === "borrow") { borrow(msg.payload); return true; }
    if ((s.panel === "pin" || s.panel === "card") && resolution.type === "item" && s.mode === "borrow") {
      if (s.pending.length < 10 && !s.pending.includes(msg.payload)) s.pending.push(msg.payload);
      Kiosk.notice(Kiosk.t("co.wait_pin"), { kind: "gentle" });
      return true;
    }
    return s.panel === "receipt" || s.panel === "account";
  }

  Kiosk.screen("checkout", {
    show(data) { if (data) start(data.mode || "borrow", data.card); },
    hide() { wipe(); },
    reset() { wipe(); },
    claim,
  });
  Kiosk.onResolution("patron_card", (resolution) => Kiosk.show("checkout", { mode: "borrow", card: resolution.card }));

  document.querySelectorAll("#screen-checkout .keypad").forEach(keypad);
  Kiosk.on("lang", () => {
    document.querySelectorAll("#screen-checkout .keypad").forEach(keypad);
    if (s.panel) headings();  // data-t would put back the borrowing title in "Akun saya"
  });
  $("co-done").addEventListener("click", finish);
  $("co-account-done").addEventListener("click", finish);
  $("co-to-account").addEventListener("click", async () => {
    s.mode = "account";
    try { showAccount(await call("GET", "/session")); } catch (err) { Kiosk.reset(); }
  });
  $("co-renew-all").addEventListener("click", () => renew({ all: true }));
  $("co-print-button").addEventListener("click", () => { Kiosk.mark("checkout-print"); window.print(); });
  // The member is done: the one-tap survey (screens/survey.js) when there is one, then a full reset.
  $("co-finish").addEventListener("click", () => (Kiosk.survey ? Kiosk.survey("kiosk_checkout") : Kiosk.reset()));

  // The way in, on the attract screen: borrow, return, my account.
  const actions = document.createElement("div");
  actions.className = "circ-actions";
  [["circ-borrow", "co.start", () => Kiosk.show("checkout", { mode: "borrow" })],
   ["circ-return", "co.return", () => Kiosk.show("return", {})],
   ["circ-account", "co.my_account", () => Kiosk.show("checkout", { mode: "account" })]].forEach(([id, key, go]) => {
    const button = document.createElement("button");
    button.type = "button"; button.id = id; button.className = "big"; button.dataset.t = key;
    button.textContent = Kiosk.t(key);
    button.addEventListener("click", go);
    actions.append(button);
  });
  // Under the "how to scan" line, above the camera picture: seen without scrolling.
  const lead = document.querySelector("#screen-attract .attract-main .lead");
  if (lead) lead.after(actions);
})();
