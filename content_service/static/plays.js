// Reports plays of extras (video/audio started, 3D model opened) to
// POST /api/v1/assets/<id>/plays, counted in the staff analytics.
(function () {
  "use strict";
  const reported = new Set();
  function report(figure) {
    const id = figure && figure.dataset.assetId;
    if (!id || reported.has(id) || document.body.dataset.preview) return;
    reported.add(id); // one play per page view is what the dashboard counts
    fetch(`/api/v1/assets/${id}/plays`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ channel: "phone" }),
      keepalive: true,
    }).catch(() => reported.delete(id));
  }
  document.addEventListener("play", (e) => report(e.target.closest("figure[data-asset-id]")), true);
  document.addEventListener("click", (e) => {
    const link = e.target.closest(".asset-model3d a");
    if (link) report(link.closest("figure[data-asset-id]"));
  });
})();
