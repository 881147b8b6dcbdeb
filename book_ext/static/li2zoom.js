/* li2zoom.js: a click or tap on a figure (a figure, a cell's image output, a player's frame)
 * opens it over the page, larger, on its own; a click, tap or Escape closes it. No library, works
 * offline. The book's images are drawn at twice the column's resolution: the overlay shows an
 * image at least at half its pixel width (the size it was drawn for, text about 15 px high) and
 * otherwise as large as the window allows (width and height) up to its full pixel width; a wider image than the
 * window scrolls (on a phone: sideways, and pinch-zoom works as usual). */
(function () {
  "use strict";
  var SELECTOR = "article.bd-article figure img, article.bd-article div.cell_output img";
  var overlay = null, opener = null;

  function close() {
    if (!overlay) return;
    overlay.remove();
    overlay = null;
    document.documentElement.classList.remove("li2-zoom-open");
    if (opener) opener.focus({ preventScroll: true });
  }

  function open(img) {
    close();
    opener = img;
    overlay = document.createElement("div");
    overlay.className = "li2-zoom";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Enlarged figure (click, tap or Escape to close)");
    overlay.tabIndex = -1;
    var big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt || "";
    var natural = img.naturalWidth || img.width * 2;
    var aspect = natural / (img.naturalHeight || img.height * 2 || natural);
    // the window less the overlay's padding and a scroll bar; a tall image is fitted to its height
    var roomWide = Math.max(document.documentElement.clientWidth - 40, 200);
    var roomHigh = Math.max(window.innerHeight - 40, 200) * aspect;
    big.style.width = Math.round(Math.max(natural / 2, Math.min(roomWide, roomHigh, natural))) + "px";
    var hint = document.createElement("button");
    hint.type = "button";
    hint.className = "li2-zoom-close";
    hint.setAttribute("aria-label", "Close");
    hint.textContent = "\u00d7";
    overlay.appendChild(hint);
    overlay.appendChild(big);
    // a click (a tap) anywhere closes; a drag to scroll is not a click
    overlay.addEventListener("click", close);
    document.body.appendChild(overlay);
    document.documentElement.classList.add("li2-zoom-open");
    overlay.focus({ preventScroll: true });
  }

  function zoomable(target) {
    return !!target && target.tagName === "IMG" && target.matches(SELECTOR) && !target.closest("a");
  }

  document.addEventListener("click", function (event) {
    if (zoomable(event.target)) {
      event.preventDefault();
      open(event.target);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (overlay && event.key === "Escape") close();
    else if (!overlay && (event.key === "Enter" || event.key === " ") && zoomable(document.activeElement)) {
      event.preventDefault();
      open(document.activeElement);
    }
  });
  // keyboard readers reach each figure with Tab
  function focusable() {
    document.querySelectorAll(SELECTOR).forEach(function (img) {
      if (!img.closest("a") && !img.hasAttribute("tabindex")) {
        img.tabIndex = 0;
        img.title = img.title || "Click to enlarge";
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusable);
  else focusable();
  window.Li2Zoom = { open: open, close: close };
})();
