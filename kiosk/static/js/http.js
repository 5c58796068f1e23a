/* The one way the page fetches: request(), and the two call helpers built
 * on it, api() (the content service through the kiosk relay) and local()
 * (the kiosk process's own JSON).
 *
 * request() gives every call the same rules:
 * - a timeout (config.requestTimeoutSeconds, or options.timeout in seconds):
 *   a kiosk answer later than that is no answer, and a child will not wait;
 * - JSON in and out: an object `body` is sent as JSON, the answer parsed
 *   (204 and empty bodies give {});
 * - one error type, HttpError, with the service's stable `code`, the HTTP
 *   `status`, `details`, and a `message` in the current language (the API's
 *   message_id / message pair);
 * - service-down detection: `offline` is true when the library service
 *   cannot be reached (the relay's 503 service_down), the kiosk process
 *   itself is gone (network error, code kiosk_unreachable) or the answer
 *   timed out (code timeout). Screens say "the library service is
 *   unavailable" for those instead of showing an error text. The status bar
 *   itself follows the kiosk process's SSE "service" messages (js/core.js),
 *   which also covers the scanner's calls the page never sees. */
import { config } from "./config.js";
import { pick, t } from "./i18n.js";

const DEFAULT_TIMEOUT_SECONDS = 8;

export class HttpError extends Error {
  constructor(message, { code, status = 0, details = {}, offline = false } = {}) {
    super(message);
    this.name = "HttpError";
    this.code = code || (status ? "http_" + status : "error");
    this.status = status;
    this.details = details;
    this.offline = offline;
  }
}

/* fetch(path) with the rules above; resolves to the parsed JSON body.
 * options: method, body (object: sent as JSON), headers, timeout (s),
 * keepalive, nullOn404 (resolve to null for a 404: a feature the service
 * does not have yet). */
export async function request(path, options = {}) {
  const { method = "GET", body, headers = {}, keepalive = false, nullOn404 = false } = options;
  const seconds = options.timeout || config.requestTimeoutSeconds || DEFAULT_TIMEOUT_SECONDS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), seconds * 1000);
  const init = { method, headers: { ...headers }, signal: controller.signal, keepalive };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  let response;
  let data = null;
  try {
    response = await fetch(path, init);
    const text = await response.text();  // inside the timeout: a stalled body is no answer either
    if (text) {
      try { data = JSON.parse(text); } catch (err) { data = null; }
    }
  } catch (err) {
    const timedOut = err && err.name === "AbortError";
    throw new HttpError(t("The library service is unavailable. Please try again in a moment."),
                        { code: timedOut ? "timeout" : "kiosk_unreachable", offline: true });
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 404 && nullOn404) return null;
  if (!response.ok) {
    const error = (data && data.error) || {};
    const offline = response.status === 503 && (error.code === "service_down" || !error.code);
    throw new HttpError(pick(error.message_id, error.message) || "HTTP " + response.status,
                        { code: error.code, status: response.status, details: error.details || {}, offline });
  }
  return data === null ? {} : data;
}

/* The content service API through the kiosk relay (the key stays in the
 * kiosk process): `/api/v1/...`. null for a 404 (feature not there yet)
 * unless options.nullOn404 is false. */
export function api(path, options = {}) {
  return request("/service" + path, { nullOn404: true, ...options });
}

/* The kiosk process's own JSON (e.g. /k/books/1, /k/scan). */
export function local(path, options = {}) {
  return request(path, options);
}
