/* The page's settings from the kiosk process (kiosk/app.py `page_config`),
 * read from the JSON block the page carries: no global, no second request.
 * Screens may change a value (tests shorten the survey's countdown). */
const block = document.getElementById("kiosk-config");

export const config = block ? JSON.parse(block.textContent) : {};
