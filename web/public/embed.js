/*
 * Calbridge booking widget. On your page:
 *
 *   <script src="https://calbridge.example.com/ui/embed.js" async></script>
 *   <div data-calbridge-inline="acme/intro-call"></div>                  (inline, resizes itself)
 *   <button data-calbridge-popup="acme/intro-call">Book a call</button>  (pop-up on click)
 *
 * or from script: Calbridge.inline(element, "acme/intro-call"), Calbridge.popup("acme/intro-call").
 * When a booking is made the frame posts {type: "calbridge:booked", booking: {id, status, start, end, eventType}} to
 * your page (listen for "message" events from the service's origin); this script also dispatches it on `document`
 * as the DOM event "calbridge:booked" (event.detail = the booking). The service must list your site's origin in the
 * tenant's bookingPage.frameAncestors (PATCH /v1/tenant), or the browser refuses to show the frame.
 */
(() => {
  if (window.Calbridge) return;
  const script = document.currentScript;
  const origin = new URL(script?.src ?? window.location.href).origin;
  const frames = new Set();

  function pageUrl(path, options) {
    const url = new URL(`/${String(path).replace(/^\/+/, "")}`, origin);
    url.searchParams.set("embed", "1");
    for (const [key, value] of Object.entries(options || {}))
      if (value) url.searchParams.set(key, String(value));
    return url.href;
  }

  function frame(path, options) {
    const iframe = document.createElement("iframe");
    iframe.src = pageUrl(path, options);
    iframe.title = options?.title || "Book a time";
    iframe.setAttribute("loading", "lazy");
    iframe.setAttribute("allow", "clipboard-write");
    iframe.style.cssText = "display:block;width:100%;min-height:480px;border:0;background:transparent;";
    frames.add(iframe);
    return iframe;
  }

  function inline(element, path, options) {
    const iframe = frame(path, options);
    element.replaceChildren(iframe);
    return iframe;
  }

  function popup(path, options) {
    const previous = document.activeElement;
    const overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", options?.title || "Book a time");
    overlay.style.cssText =
      "position:fixed;inset:0;z-index:2147483000;background:rgba(17,24,39,.55);display:flex;" +
      "align-items:flex-start;justify-content:center;overflow:auto;padding:3rem 0.75rem 1rem;";
    const box = document.createElement("div");
    box.style.cssText = "position:relative;width:100%;max-width:1080px;";
    const close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.textContent = "\u00d7";
    close.style.cssText =
      "position:absolute;top:-2.6rem;right:0;width:2.2rem;height:2.2rem;border-radius:50%;border:0;" +
      "background:#fff;color:#111827;font:600 1.4rem/1 system-ui,sans-serif;cursor:pointer;";
    const iframe = frame(path, options);
    iframe.removeAttribute("loading");
    box.append(close, iframe);
    overlay.append(box);
    const previousOverflow = document.documentElement.style.overflow;
    document.documentElement.style.overflow = "hidden";
    function dismiss() {
      frames.delete(iframe);
      overlay.remove();
      document.documentElement.style.overflow = previousOverflow;
      document.removeEventListener("keydown", onKey);
      previous?.focus?.();
    }
    function onKey(event) {
      if (event.key === "Escape") dismiss();
    }
    close.addEventListener("click", dismiss);
    overlay.addEventListener("click", (event) => {
      if (event.target === overlay) dismiss();
    });
    document.addEventListener("keydown", onKey);
    document.body.append(overlay);
    close.focus();
    return { close: dismiss, iframe };
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== origin || !event.data || typeof event.data.type !== "string") return;
    for (const iframe of frames) {
      if (iframe.contentWindow !== event.source) continue;
      if (event.data.type === "calbridge:resize" && typeof event.data.height === "number")
        iframe.style.height = `${Math.max(200, Math.ceil(event.data.height))}px`;
      if (event.data.type === "calbridge:booked")
        document.dispatchEvent(new CustomEvent("calbridge:booked", { detail: event.data.booking }));
    }
  });

  function scan() {
    for (const element of document.querySelectorAll("[data-calbridge-inline]")) {
      if (element.dataset.calbridgeReady) continue;
      element.dataset.calbridgeReady = "1";
      inline(element, element.dataset.calbridgeInline, { lang: element.dataset.calbridgeLang });
    }
    for (const element of document.querySelectorAll("[data-calbridge-popup]")) {
      if (element.dataset.calbridgeReady) continue;
      element.dataset.calbridgeReady = "1";
      element.addEventListener("click", (event) => {
        event.preventDefault();
        popup(element.dataset.calbridgePopup, { lang: element.dataset.calbridgeLang });
      });
    }
  }

  window.Calbridge = { inline, popup, scan };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
