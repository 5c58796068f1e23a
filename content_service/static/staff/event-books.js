// The event form's related books (templates/events/staff/_books.html). The form
// works without this file: "Cari buku" posts it back unsaved, with the matches
// as boxes to tick. Here the search answers as staff type (GET
// /staff/events/books), choosing a match adds it as a chip (title, authors,
// year) with a remove button, and each chip posts one hidden book_id.
(function () {
  "use strict";
  const box = document.querySelector("fieldset.book-picker");
  if (!box) return;
  const chips = box.querySelector("ul.chips");
  const query = box.querySelector('input[name="book_q"]');
  const button = box.querySelector('button[name="find_books"]');
  const status = box.querySelector('[role="status"]');
  const none = box.querySelector(".no-chips");
  const found = document.createElement("ul");
  found.className = "found";
  status.after(found);
  let timer = null;
  let asked = 0;

  function words(book) {
    let text = book.title;
    if (book.authors && book.authors.length) text += " — " + book.authors.join(", ");
    if (book.year) text += ` (${book.year})`;
    return text;
  }

  function chip(id, text, missing) {
    const li = document.createElement("li");
    li.className = missing ? "chip missing" : "chip";
    li.dataset.bookId = id;
    const held = document.createElement("input");
    held.type = "hidden";
    held.name = "book_id";
    held.value = id;
    const span = document.createElement("span");
    span.className = "words";
    span.textContent = text;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = box.dataset.remove;
    remove.setAttribute("aria-label", `${box.dataset.remove}: ${text}`);
    li.append(held, span, remove);
    return li;
  }

  function chosen() {
    return [...chips.querySelectorAll('input[name="book_id"]')].map((input) => input.value);
  }

  function update() {
    none.hidden = chips.children.length > 0;
  }

  // The page's own chips (an edited event's books, a refused post's) are ticked boxes: made chips like the rest.
  for (const li of [...chips.querySelectorAll("li.chip")]) {
    const tick = li.querySelector('input[name="book_id"]');
    if (tick && tick.checked) {
      li.replaceWith(chip(tick.value, li.querySelector(".words").textContent.trim(), li.classList.contains("missing")));
    } else {
      li.remove();
    }
  }
  update();

  async function search() {
    clearTimeout(timer);
    const ticket = ++asked;
    const text = query.value.trim();
    if (!text) {
      found.textContent = "";
      status.textContent = "";
      return;
    }
    const url = `${box.dataset.url}?q=${encodeURIComponent(text)}&leave_out=${chosen().join(",")}`;
    let items;
    try {
      const res = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      items = (await res.json()).items;
    } catch (err) {
      if (ticket === asked) status.textContent = box.dataset.failed;
      return;
    }
    if (ticket !== asked) return; // a newer search is on its way
    found.textContent = "";
    for (const book of items) {
      const li = document.createElement("li");
      const pick = document.createElement("button");
      pick.type = "button";
      pick.className = "pick secondary";
      pick.dataset.bookId = book.id;
      pick.textContent = words(book);
      li.append(pick);
      found.append(li);
    }
    status.textContent = items.length ? box.dataset.found.replace("{count}", items.length) : box.dataset.none;
  }

  query.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  query.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { // search, not save
      event.preventDefault();
      search();
    }
  });
  button.addEventListener("click", (event) => {
    event.preventDefault();
    search();
  });
  found.addEventListener("click", (event) => {
    const pick = event.target.closest("button.pick");
    if (!pick) return;
    chips.append(chip(pick.dataset.bookId, pick.textContent, false));
    const li = pick.closest("li");
    const next = li.nextElementSibling || li.previousElementSibling;
    li.remove();
    (next ? next.querySelector("button") : query).focus();
    if (!next) status.textContent = ""; // every match chosen
    update();
  });
  chips.addEventListener("click", (event) => {
    const remove = event.target.closest("button.remove");
    if (!remove) return;
    remove.closest("li").remove();
    query.focus();
    update();
  });
})();
