// 3D models on the book page (<model-viewer>): a model over the size budget
// waits behind its "tap to load" button, and the tap loads it; a loaded
// model is marked data-loaded (for the page's own tests, and styles).
document.querySelectorAll("model-viewer.model").forEach((viewer) => {
  viewer.addEventListener("load", () => { viewer.dataset.loaded = "true"; }, { once: true });
  const button = viewer.querySelector(".model-load");
  if (button) {
    button.addEventListener("click", () => {
      if (typeof viewer.dismissPoster === "function") viewer.dismissPoster();
    });
  }
});
