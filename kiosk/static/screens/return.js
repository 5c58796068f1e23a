/* "Kembalikan buku": scan each book to return it, no card needed. */
(function () {
  "use strict";
  Kiosk.strings({
    "ret.title": ["Kembalikan buku", "Return books"],
    "ret.lead": ["Pindai label QR setiap buku yang Anda kembalikan. Tidak perlu kartu.",
                 "Scan the QR label of each book you return. No card needed."],
    "ret.done": ["Terima kasih, sudah dikembalikan.", "Thank you, returned."],
    "ret.overdue": ["Terlambat dikembalikan; petugas akan memberi tahu jika ada denda.",
                    "Returned late; the desk will tell you about any fine."],
    "ret.hold": ["Letakkan di rak pesanan: anggota lain menunggu buku ini.",
                 "Please put it on the hold shelf: another member is waiting for it."],
  });
  const list = () => document.getElementById("return-list");

  async function checkin(payload) {
    const li = document.createElement("li");
    const title = document.createElement("strong");
    const text = document.createElement("span");
    li.append(title, text);
    try {
      const response = await fetch("/service/api/v1/circulation/checkins", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ payload }) });
      const body = await response.json().catch(() => null);
      if (!response.ok) {
        const error = (body && body.error) || {};
        throw Object.assign(new Error(Kiosk.pick(error.message_id, error.message) || "HTTP " + response.status),
                            { code: error.code });
      }
      title.textContent = body.returned.title;
      text.textContent = [Kiosk.t("ret.done"), body.overdue ? Kiosk.t("ret.overdue") : "",
                          body.to_hold_shelf ? Kiosk.t("ret.hold") : ""].filter(Boolean).join(" ");
      li.className = "co-row " + (body.to_hold_shelf ? "hold" : "ok");
      Kiosk.mark("checkin", { title: body.returned.title, hold: body.to_hold_shelf });
    } catch (err) {
      text.textContent = err.message;
      li.className = "co-row refused";
      Kiosk.mark("checkin-refused", { code: err.code });
    }
    list().prepend(li);
  }

  Kiosk.screen("return", {
    show() { list().textContent = ""; },
    reset() { list().textContent = ""; },
    claim(resolution, msg) {
      if (resolution.type === "patron_card") return true;  // no card needed here
      checkin(msg.payload);
      return true;
    },
  });
  document.getElementById("return-done").addEventListener("click", () => Kiosk.reset());
})();
