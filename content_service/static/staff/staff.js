// Staff portal helpers: confirm before destructive buttons, drag to reorder
// extras (saved at once), and upload progress for large files.
(function () {
  "use strict";
  const token = () => document.querySelector('meta[name="csrf-token"]').content;

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  function setupReorder(list) {
    let dragged = null;
    list.addEventListener("dragstart", (e) => {
      dragged = e.target.closest("li[data-asset-id]");
      if (!dragged) return;
      dragged.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged.dataset.assetId);
    });
    list.addEventListener("dragover", (e) => {
      if (!dragged) return;
      e.preventDefault();
      const over = e.target.closest("li[data-asset-id]");
      if (!over || over === dragged) return;
      const box = over.getBoundingClientRect();
      const after = e.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });
    list.addEventListener("drop", (e) => e.preventDefault());
    list.addEventListener("dragend", async () => {
      if (!dragged) return;
      dragged.classList.remove("dragging");
      dragged = null;
      const order = [...list.querySelectorAll("li[data-asset-id]")].map((li) => Number(li.dataset.assetId));
      list.dataset.saving = "1";
      const res = await fetch(list.dataset.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token() },
        body: JSON.stringify({ order }),
        credentials: "same-origin",
      });
      list.dataset.saving = "";
      list.dataset.saved = res.ok ? order.join(",") : "error";
      if (!res.ok) window.location.reload();
    });
  }

  function setupUpload(form) {
    // Large videos take a while: show how far the upload is. A success
    // redirects (go there); a refusal or a report comes back as a page whose
    // main part replaces this one's.
    const bar = form.querySelector("progress");
    form.addEventListener("submit", (e) => {
      if (e.defaultPrevented || !window.FormData || !bar) return;
      e.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.addEventListener("progress", (p) => { if (p.lengthComputable) bar.value = (100 * p.loaded) / p.total; });
      xhr.addEventListener("load", () => {
        if (xhr.responseURL && xhr.responseURL !== form.action) {
          window.location.assign(xhr.responseURL);
          return;
        }
        const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        const main = doc.querySelector("main");
        if (!main) { window.location.reload(); return; }
        document.querySelector("main").replaceWith(main);
        document.title = doc.title;
        init();
      });
      // The server may stop reading a file over the size limit: let the
      // browser send the form itself and show the server's answer.
      xhr.addEventListener("error", () => form.submit());
      xhr.send(new FormData(form));
    });
  }

  function kindFields(form) {
    const kind = form.querySelector("#kind");
    if (!kind) return;
    const show = () => {
      const linked = kind.value === "link" || kind.value === "online";
      form.querySelector(".for-file").hidden = linked;
      form.querySelector(".for-link").hidden = !linked;
      form.querySelectorAll(".for-model3d").forEach((el) => { el.hidden = kind.value !== "model3d"; });
      form.querySelectorAll(".for-online").forEach((el) => { el.hidden = kind.value !== "online"; });
      form.querySelectorAll(".for-ebook").forEach((el) => { el.hidden = kind.value !== "ebook"; });
    };
    kind.addEventListener("change", show);
    show();
  }

  function init() {
    const list = document.getElementById("asset-order");
    if (list) setupReorder(list);
    // (The import form posts normally: its answer streams the import's progress.)
    const upload = document.getElementById("upload-form");
    if (upload) {
      setupUpload(upload);
      kindFields(upload);
    }
  }

  document.addEventListener("DOMContentLoaded", init);
})();
