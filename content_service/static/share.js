// The share box of book and event pages (templates/content_service/_share.html).
// Without this file the box still works: WhatsApp and Facebook are plain links and
// the page's address sits in a read-only field to copy by hand. With it:
// "Bagikan" opens the phone's own share sheet (navigator.share, where there is one)
// and "Salin tautan" copies the address (navigator.clipboard; where that is missing
// or refused, the field's text is selected and copied the old way).

async function copyText(text, field) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // refused (no permission, page not focused): the field below
    }
  }
  field.focus();
  field.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

for (const box of document.querySelectorAll("[data-share-url]")) {
  const { shareUrl: url, shareTitle: title } = box.dataset;
  const field = box.querySelector(".share-url");
  const status = box.querySelector(".share-status");
  const native = box.querySelector(".share-native");
  const copy = box.querySelector(".share-copy-button");

  if (native && typeof navigator.share === "function") {
    native.hidden = false;
    native.addEventListener("click", () => {
      navigator.share({ title, url }).catch(() => {}); // closing the sheet is not an error
    });
  }
  copy.hidden = false;
  copy.addEventListener("click", async () => {
    status.textContent = "";
    const copied = await copyText(url, field);
    status.textContent = copied ? box.dataset.copied : box.dataset.copyFailed;
    if (!copied) field.select();
  });
  field.addEventListener("focus", () => field.select());
}
