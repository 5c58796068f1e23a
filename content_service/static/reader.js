// The EPUB reader on the book page: "Baca e-book" opens the e-book here with
// epub.js (served from node_modules at /vendor/, never a CDN) instead of
// downloading it. The book's pages are shown in a sandboxed frame that runs
// no script (epub.js's allowScriptedContent stays false, and the upload
// checks refuse EPUBs with scripts anyway). Swipe or the ‹ › buttons turn
// pages; the arrow keys too. Without script, the link downloads the EPUB.
(function () {
  "use strict";
  const box = document.getElementById("reader");
  const view = document.getElementById("reader-view");
  if (!box || !view) return;
  const where = document.getElementById("reader-where");
  let book = null;
  let rendition = null;

  function close() {
    if (rendition) rendition.destroy();
    if (book) book.destroy();
    book = rendition = null;
    view.textContent = "";
    box.hidden = true;
    delete box.dataset.ready;
  }

  function failed() {
    view.textContent = view.dataset.failed;
    box.dataset.failed = "true";
  }

  function open(url) {
    close();
    box.hidden = false;
    delete box.dataset.failed;
    where.textContent = view.dataset.loading;
    if (typeof window.ePub !== "function") { failed(); return; }
    book = window.ePub(url, { openAs: "epub" });
    rendition = book.renderTo(view, { width: "100%", height: "100%", spread: "none", flow: "paginated",
                                      allowScriptedContent: false });
    rendition.on("relocated", (location) => {
      const page = location && location.start && location.start.displayed;
      where.textContent = page ? page.page + " / " + page.total : "";
    });
    rendition.on("rendered", () => { box.dataset.ready = "true"; });
    rendition.on("keyup", keys);
    rendition.display().catch(failed);
    book.opened.catch(failed);
    box.scrollIntoView({ block: "start" });
  }

  function keys(event) {
    if (!rendition) return;
    if (event.key === "ArrowLeft") rendition.prev();
    if (event.key === "ArrowRight") rendition.next();
  }

  document.querySelectorAll("a[data-epub]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      open(link.dataset.epub);
    });
  });
  document.getElementById("reader-prev").addEventListener("click", () => rendition && rendition.prev());
  document.getElementById("reader-next").addEventListener("click", () => rendition && rendition.next());
  document.getElementById("reader-close").addEventListener("click", close);
  document.addEventListener("keyup", keys);
})();
