/* "Kembalikan buku": scan each book to return it, no card needed. Each
 * line shows the book's cover and title beside what happened to it. */
import { mark, reset, screen } from "../js/core.js";
import { api } from "../js/http.js";
import { t } from "../js/i18n.js";
import { refusedCopy } from "./checkout.js";

function cover(li, url) {
  if (!url) return;
  const img = document.createElement("img");
  img.className = "co-cover"; img.src = url; img.alt = "";  // the title beside it names the book
  img.onerror = () => img.remove();
  li.prepend(img);
}

const list = () => document.getElementById("return-list");

/* A copy another member reserved: the hold shelf, for whom (first name only). */
function holdShelf(holdFor) {
  if (holdFor && holdFor.send_to) {
    return t("Please leave it at the desk: it goes to {library} for a member who reserved it.",
             { library: holdFor.send_to.name });
  }
  if (holdFor && holdFor.first_name) {
    return t("Please put it on the hold shelf for {name}.", { name: holdFor.first_name });
  }
  return t("Please put it on the hold shelf: another member is waiting for it.");
}

async function checkin(payload) {
  const li = document.createElement("li");
  const title = document.createElement("strong");
  const text = document.createElement("span");
  li.append(title, text);
  try {
    const body = await api("/api/v1/circulation/checkins", { method: "POST", body: { payload }, nullOn404: false });
    title.textContent = body.returned.title;
    cover(li, body.returned.cover_url);
    text.textContent = [t("Thank you, returned."),
                        body.overdue ? t("Returned late; the desk will tell you about any fine.") : "",
                        body.to_hold_shelf ? holdShelf(body.hold_for) : "",
                        ].filter(Boolean).join(" ");
    li.className = "co-row " + (body.to_hold_shelf ? "hold" : "ok");
    mark("checkin", { title: body.returned.title, hold: body.to_hold_shelf,
                      holdFor: body.hold_for ? body.hold_for.first_name : null });
  } catch (err) {
    const copy = refusedCopy(err);
    title.textContent = copy.title;
    cover(li, copy.cover);
    text.textContent = err.message;
    li.className = "co-row refused";
    mark("checkin-refused", { code: err.code, title: copy.title });
  }
  list().prepend(li);
}

screen("return", {
  show() { list().textContent = ""; },
  reset() { list().textContent = ""; },
  claim(resolution, msg) {
    if (resolution.type === "patron_card") return true;  // no card needed here
    checkin(msg.payload);
    return true;
  },
});
document.getElementById("return-done").addEventListener("click", () => reset());
