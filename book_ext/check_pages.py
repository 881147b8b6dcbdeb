"""A headless-browser pass over every page of the built book.

    python book_ext/check_pages.py [_build/html] [--require]

Opens each HTML page from disk in headless Chromium (Debian packages ``chromium`` and
``chromium-driver``, driven by Selenium) with every outside host unreachable, and fails a page on

- a console error (a script that throws, a resource that fails to load);
- a request that leaves the book (anything but file:, data: and blob: URLs), or a local file
  the page asks for and the build does not have;
- a cross-reference rendered without its number ("Proposition )", "(Lemma )") or with a
  placeholder ("{number}", "None", "??");
- a formula MathJax could not typeset, or one left as TeX source (MathJax not loaded);
- a form control that does not respond: every control in a page must belong to a frame player
  (``li2lib.book.widgets``), and moving it must change the picture (the play button must advance
  it). A frozen ipywidgets control or a player whose control does nothing fails;
- a slider whose readout does not show the value of the slider's position (it must change with
  the slider and never show another control's value);
- a wide output (printed table, code) that is cut off instead of scrolling, and a table wider
  than the column (at the desktop width of 1280 px);
- an image narrower than the column at that width, or with fewer pixels than the column is wide;
- at phone width (420 px), a figure whose smallest text would be shown below 8 px high (figures
  are drawn at ``figure.dpi`` of ``li2lib.book.plots.BOOK_STYLE``; their smallest text is 8 pt);
- a figure that a click does not enlarge (``book_ext/static/li2zoom.js``), or whose enlarged view
  Escape does not close;
- a Colab or Binder launch button that does not open one of the repository's notebooks from
  ``repository.url`` and ``repository.branch`` of ``_config.yml``.

It also reports, without failing, images without alt text, figures without a number and printed
outputs wider than the column.
Ends with a line "browser: N passed, M failed" (pages). Exit status 1 when a page fails, 2 when
Chromium is missing and ``--require`` is given (without it a missing browser is reported and the
pass is skipped with status 0).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--window-size=1280,1600",  # DESKTOP
    # no outside host resolves: a page that needs the internet fails fast and visibly
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
ROOT = Path(__file__).resolve().parent.parent
DESKTOP = (1280, 1600)
PHONE = (420, 900)
SMALLEST_TEXT_PT = 8   # tick labels of li2lib.book.scaling_plots; the book style's own smallest is 9 pt
MIN_TEXT_PX = 8.0      # legible on a phone


def figure_dpi() -> float:
    """The resolution every figure of the book is drawn at (li2lib.book.plots.BOOK_STYLE)."""
    sys.path.insert(0, str(ROOT))
    from li2lib.book.plots import BOOK_STYLE

    return float(BOOK_STYLE["figure.dpi"])


# the shown height in CSS px of the smallest text of each figure (text of `natural` image pixels)
TEXT_SIZE_JS = r"""
const natural = arguments[0], out = [];
const main = document.querySelector('main') || document.body;
for (const img of main.querySelectorAll('figure img, div.cell_output img')) {
  const r = img.getBoundingClientRect();
  if (r.width === 0 || !img.naturalWidth) continue;  // in a collapsed cell
  out.push([natural * r.width / img.naturalWidth, (img.getAttribute('alt') || img.src.split('/').pop()).slice(0, 60)]);
}
return out;
"""
# click the first figure: an overlay must show it larger; Escape must close it
ZOOM_JS = r"""
const main = document.querySelector('main') || document.body;
const img = Array.from(main.querySelectorAll('figure img, div.cell_output img'))
  .find(i => i.getBoundingClientRect().width > 0 && !i.closest('a'));
if (!img) return null;
img.click();
const overlay = document.querySelector('div.li2-zoom');
const big = overlay && overlay.querySelector('img');
const res = {opened: !!big, shown: img.getBoundingClientRect().width,
             enlarged: big ? big.getBoundingClientRect().width : 0, same: big ? big.src === img.src : false};
document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}));
res.closed = !document.querySelector('div.li2-zoom');
return res;
"""
KINDS = (r"Theorem|Lemma|Proposition|Corollary|Definition|Remark|Example|Exercise|Solution|"
         r"Conjecture|Assumption|Axiom|Algorithm|Criterion|Property|Observation|Note|"
         r"Figure|Fig\.|Table|Equation|Eq\.|Section|Chapter|Listing")
EMPTY_NUMBER = re.compile(rf"^\s*({KINDS})\s*$")
PLACEHOLDER = re.compile(r"\{number\}|\{name\}|\bNone\b|\?\?")

# Runs in the page: every fact the checks need, as JSON-able data.
SCAN_JS = r"""
const main = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
const out = {launch: Array.from(document.querySelectorAll('a[href*="colab.research.google.com"], a[href*="mybinder.org"]'),
                                a => a.href),
             refs: [], controls: [], players: [], math_errors: 0, cut: [], no_alt: 0,
             unnumbered_figures: 0, widget_views: 0, wide_outputs: 0};
for (const a of main.querySelectorAll('a.reference.internal, a.reference span, span.xref')) {
  // an API name (code, e.g. the class li2lib.groups.tables.Table) is not a numbered reference
  if (a.closest('code') || a.querySelector('code')) continue;
  out.refs.push(a.textContent);
}
const isThemeControl = el => el.closest('.copybtn, .toggle-button, .headerlink, .bd-sidebar-primary, '
  + '.bd-sidebar-secondary, .header-article, .prev-next-area, .sd-tab-set, details > summary, '
  + '.bd-search, form.bd-search, #search-results, .btn, .theme-switch-button, .search-button');
for (const el of main.querySelectorAll('input, select, textarea, button')) {
  if (isThemeControl(el)) continue;
  const player = el.closest('[data-li2-player], .li2-lab');
  out.controls.push({tag: el.tagName, player: player ? player.id : null,
                     text: (el.getAttribute('aria-label') || el.textContent || el.name || '').trim()});
}
for (const p of main.querySelectorAll('[data-li2-player]')) out.players.push(p.id);
out.labs = main.querySelectorAll('.li2-lab').length;
out.labs_ready = main.querySelectorAll('.li2-lab.li2-lab-ready button[data-action="train"]').length;
out.math_errors = main.querySelectorAll('mjx-merror, .MathJax_Error').length;
// a formula still in its TeX source: MathJax never ran on the page (or skipped the formula)
out.raw_math = Array.from(main.querySelectorAll('span.math, div.math'),
                          el => el.querySelector('mjx-container') ? null : el.textContent.trim().slice(0, 60))
                    .filter(t => t !== null);
out.widget_views = main.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length
  + main.querySelectorAll('.jupyter-widgets, .widget-box').length * 1000;
const art = (document.querySelector('article') || main).getBoundingClientRect();
for (const el of main.querySelectorAll('pre, table, .cell_output img, .output img')) {
  const st = getComputedStyle(el);
  const scrolls = ['auto', 'scroll'].includes(st.overflowX)
     || (el.parentElement && ['auto', 'scroll'].includes(getComputedStyle(el.parentElement).overflowX));
  const r = el.getBoundingClientRect();
  if (r.width === 0) continue;
  if ((el.scrollWidth > el.clientWidth + 2 && !scrolls) || (r.right > art.right + 2 && !scrolls)) {
    out.cut.push(el.tagName + ': ' + (el.textContent || el.getAttribute('alt') || '').trim().slice(0, 60));
  }
}
// the column: the article's content box
const cs = getComputedStyle(main);
const column = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
out.column = Math.round(column);
out.wide_tables = [];
for (const t of main.querySelectorAll('table')) {
  if (t.getBoundingClientRect().width === 0) continue;  // in a collapsed cell
  if (t.scrollWidth > column + 2) {
    out.wide_tables.push(`${t.scrollWidth} px: ` + (t.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60));
  }
}
// a figure, an output image or a player's frame shown narrower than the column, or with fewer
// pixels than the column is wide (stretched to fit, it would be blurred); icons are not figures
out.narrow_images = [];
for (const img of main.querySelectorAll('figure img, div.cell_output img, [data-li2-player] img')) {
  const r = img.getBoundingClientRect();
  if (r.width === 0) continue;  // in a collapsed cell
  // the room it has: the column, less the padding of a container that spans the column (the
  // theme pads figures by 8 px a side)
  const box = img.parentElement, bs = getComputedStyle(box);
  const room = box.getBoundingClientRect().width >= column - 2
    ? Math.min(column, box.clientWidth - parseFloat(bs.paddingLeft) - parseFloat(bs.paddingRight)) : column;
  if (r.width < room - 2 || img.naturalWidth < column) {
    const fig = img.closest('figure, [data-li2-player]');
    const name = fig && fig.id ? fig.id : (img.getAttribute('alt') || '').trim().slice(0, 50);
    out.narrow_images.push(`${name}: shown ${Math.round(r.width)} px, ${img.naturalWidth} px wide`);
  }
}
for (const pre of main.querySelectorAll('.cell_output pre')) {
  if (pre.scrollWidth > pre.clientWidth + 2) out.wide_outputs += 1;
}
for (const img of main.querySelectorAll('img')) {
  if (!img.closest('[data-li2-player]') && !(img.getAttribute('alt') || '').trim()) out.no_alt += 1;
}
for (const img of main.querySelectorAll('.cell_output img:not([data-li2-player] img)')) {
  const fig = img.closest('figure');
  if (!fig || !fig.querySelector('.caption-number')) out.unnumbered_figures += 1;
}
return JSON.stringify(out);
"""

# Moves one control of a player to another value and reports whether the picture changed, and
# for a slider what its readout (the <output> in the slider's own label) showed before and after,
# the value the slider's position stands for (its data-values), and what every other control
# of the player shows (a menu's chosen option, another slider's readout).
POKE_JS = r"""
const [pid, k] = arguments;
const p = document.getElementById(pid);
const img = p.querySelector('img');
const before = img.getAttribute('src');
const controls = Array.from(p.querySelectorAll('input[type=range], select'));
const el = controls[k];
const readout = c => {
  if (c.tagName === 'SELECT') return c.options[c.selectedIndex].textContent.trim();
  const out = c.closest('label') && c.closest('label').querySelector('output');
  return out ? out.textContent.trim() : null;
};
const shown = () => readout(el);
const was = shown();
if (el.tagName === 'SELECT') {
  el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
  el.dispatchEvent(new Event('change', {bubbles: true}));
} else {
  const max = Number(el.max), v = Number(el.value);
  el.value = String(v < max ? v + 1 : v - 1);
  el.dispatchEvent(new Event('input', {bubbles: true}));
}
let slider = null;
if (el.tagName !== 'SELECT') {
  const values = el.dataset.values ? JSON.parse(el.dataset.values) : null;
  slider = {before: was, after: shown(), expected: values ? String(values[Number(el.value)]) : null,
            others: controls.filter(c => c !== el).map(c => [c.getAttribute('aria-label') || c.name, readout(c)])};
}
return [el.getAttribute('aria-label') || el.name, before !== img.getAttribute('src'),
        img.getAttribute('src').length > 100, slider];
"""


def readout_problem(label: str, slider: dict) -> str | None:
    """Why a slider's readout is wrong after the slider moved, or None: it must exist, change
    with the slider, show the value of the slider's new position, and not be what another
    control of the player shows (unless that control happens to show the same value)."""
    if slider["after"] is None:
        return f"slider {label!r} has no readout next to it"
    if slider["expected"] is None:
        return f"slider {label!r} does not say which value each position stands for (data-values)"
    if slider["after"] != slider["expected"]:
        others = [name for name, text in slider["others"] if text == slider["after"]]
        source = f" (the value of {others[0]!r})" if others else ""
        return (f"slider {label!r}: readout shows {slider['after']!r}{source}, "
                f"the slider stands at {slider['expected']!r}")
    if slider["after"] == slider["before"]:
        return f"slider {label!r}: readout stays {slider['after']!r} when the slider moves"
    return None


def launch_problem(url: str) -> str | None:
    """Why a Colab or Binder link does not open this book's notebook from the configured
    repository (``repository`` in _config.yml), or None when it does."""
    import yaml

    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repo["url"].rstrip("/").removeprefix("https://github.com/")
    branch = repo.get("branch", "main")
    match = (re.search(rf"/github/{re.escape(slug)}/blob/{re.escape(branch)}/(?P<path>[^?#]+)", url)
             or re.search(rf"/gh/{re.escape(slug)}/{re.escape(branch)}\?urlpath=lab/tree/(?P<path>[^&#]+)", url))
    if match is None:
        return f"does not point at {slug} (branch {branch}) of repository.url"
    path = match["path"]
    if not path.endswith(".ipynb") or not (ROOT / path).is_file():
        return f"{path} is not a notebook of the repository"
    return None


def find(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


@contextlib.contextmanager
def browser(chromium: str | None = None, chromedriver: str | None = None):
    """A headless Chromium (Selenium driver) with a throw-away profile, closed on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = chromium or find("chromium", "chromium-browser", "google-chrome")
    chromedriver = chromedriver or find("chromedriver")
    with tempfile.TemporaryDirectory() as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(chromedriver))
        try:
            yield driver
        finally:
            driver.quit()


def wait_ready(driver, timeout=20.0):
    """Until the page has loaded and MathJax (when present) has typeset it."""
    driver.set_script_timeout(timeout)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "const mj = () => (window.MathJax && MathJax.startup && MathJax.startup.promise) ?"
        "  MathJax.startup.promise.then(() => done(1), () => done(0)) : done(1);"
        "if (document.readyState === 'complete') mj(); else window.addEventListener('load', mj);")


def requests_of(driver):
    """URLs requested and local files that failed to load, from the performance log."""
    urls, failed, ids = [], [], {}
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        params = msg.get("params", {})
        if msg["method"] == "Network.requestWillBeSent":
            url = params["request"]["url"]
            ids[params["requestId"]] = url
            urls.append(url)
        elif msg["method"] == "Network.loadingFailed" and not params.get("canceled"):
            failed.append(ids.get(params["requestId"], "?") + f" ({params.get('errorText')})")
    return urls, failed


def check_page(driver, path: Path) -> tuple[list[str], list[str]]:
    """Failures and notes for one page."""
    failures, notes = [], []
    driver.get("about:blank")
    driver.get_log("browser"), driver.get_log("performance")  # drain what earlier pages left
    driver.get(path.resolve().as_uri())
    wait_ready(driver)
    time.sleep(0.3)
    scan = json.loads(driver.execute_script(SCAN_JS))

    for url in scan["launch"]:
        problem = launch_problem(url)
        if problem:
            failures.append(f"launch button {url}: {problem}")
    for ref in scan["refs"]:
        if EMPTY_NUMBER.match(ref) or PLACEHOLDER.search(ref):
            failures.append(f"reference without a number: {ref.strip()!r}")
    if scan["math_errors"]:
        failures.append(f"{scan['math_errors']} formula(s) MathJax could not typeset")
    if scan["raw_math"]:
        failures.append(f"{len(scan['raw_math'])} formula(s) left as TeX source, e.g. {scan['raw_math'][0]!r}")
    for what in scan["cut"]:
        failures.append(f"cut off instead of scrolling: {what}")
    for what in scan["wide_tables"]:
        failures.append(f"table wider than the {scan['column']} px column: {what}")
    for what in scan["narrow_images"]:
        failures.append(f"image narrower than the {scan['column']} px column: {what}")
    if scan["widget_views"] >= 1000:
        failures.append("ipywidgets views rendered in the static page (frozen controls)")
    elif scan["widget_views"]:
        notes.append(f"{scan['widget_views']} ipywidgets view(s) hidden (live in Jupyter only)")
    if scan["labs"]:
        if scan["labs_ready"] != scan["labs"]:
            failures.append(f"{scan['labs'] - scan['labs_ready']} in-page lab(s) did not start (li2lab.js)")
        else:
            lab_failures, lab_notes = check_lab(driver)
            failures += lab_failures
            notes += lab_notes
    for c in scan["controls"]:
        if c["player"] is None:
            failures.append(f"control outside a frame player, cannot respond: {c['tag']} {c['text']!r}")

    for pid in scan["players"]:
        n = driver.execute_script(
            "return document.getElementById(arguments[0]).querySelectorAll('input[type=range], select').length", pid)
        for k in range(n):
            label, changed, has_image, slider = driver.execute_script(POKE_JS, pid, k)
            if not (changed and has_image):
                failures.append(f"player {pid}: moving {label!r} does not change the picture")
            problem = slider and readout_problem(label, slider)
            if problem:
                failures.append(f"player {pid}: {problem}")
        if driver.execute_script(
                "return !!document.getElementById(arguments[0]).querySelector('button[data-play]')", pid):
            before = driver.execute_script(
                "return document.getElementById(arguments[0]).querySelector('img').getAttribute('src')", pid)
            driver.execute_script(
                "document.getElementById(arguments[0]).querySelector('button[data-play]').click()", pid)
            time.sleep(1.2)
            after = driver.execute_script(
                "return document.getElementById(arguments[0]).querySelector('img').getAttribute('src')", pid)
            if before == after:
                failures.append(f"player {pid}: the play button does not advance the frames")

    zoom = driver.execute_script(ZOOM_JS)
    if zoom is not None:
        if not (zoom["opened"] and zoom["same"] and zoom["enlarged"] > zoom["shown"]):
            failures.append(f"a click on a figure does not enlarge it: {zoom}")
        elif not zoom["closed"]:
            failures.append("Escape does not close an enlarged figure")

    # phone width: the layout lets a figure keep a legible size (book_ext/static/li2book.css)
    driver.set_window_size(*PHONE)
    time.sleep(0.3)
    sizes = driver.execute_script(TEXT_SIZE_JS, SMALLEST_TEXT_PT / 72 * figure_dpi())
    driver.set_window_size(*DESKTOP)
    for px, name in sizes:
        if px < MIN_TEXT_PX:
            failures.append(f"at {PHONE[0]} px the smallest text of a figure is {px:.1f} px high: {name}")
    if sizes:
        notes.append(f"smallest figure text at {PHONE[0]} px: {min(px for px, _ in sizes):.1f} px")

    for entry in driver.get_log("browser"):
        if entry["level"] == "SEVERE":
            failures.append(f"console error: {entry['message'][:300]}")
    urls, failed = requests_of(driver)
    for url in urls:
        if not url.startswith(LOCAL_SCHEMES):
            failures.append(f"request outside the book: {url[:200]}")
    for what in failed:
        if what.startswith("file:"):
            failures.append(f"local file the page needs is missing: {what[:200]}")

    if scan["no_alt"]:
        notes.append(f"{scan['no_alt']} image(s) without alt text")
    if scan["unnumbered_figures"]:
        notes.append(f"{scan['unnumbered_figures']} output figure(s) without a number and caption")
    if scan["wide_outputs"]:
        notes.append(f"{scan['wide_outputs']} printed output(s) wider than the column (they scroll sideways)")
    if scan["players"]:
        notes.append(f"{len(scan['players'])} frame player(s) checked")
    return failures, notes


# ---- the in-page lab (book_ext/static/li2lab.js) -------------------------------------------
LAB_CHECKED = {"agreement": False}


def lab_cases() -> list[dict]:
    """The same runs in li2lib and for the lab: initial weights and split drawn here, trained by
    ``li2lib.train`` from them. float64 runs must agree to rounding; the default float32 run to
    float32 rounding, grown over 150 Adam steps."""
    import numpy as np
    import torch

    import li2lib
    from li2lib.data import split_indices

    cases = []
    for M, K, activation, dtype, rtol in ((23, 64, "square", "float64", 1e-9), (19, 48, "relu", "float64", 1e-9),
                                          (23, 256, "square", "float32", 1e-3)):
        rng = np.random.default_rng(M * K)
        W0 = rng.uniform(-1, 1, (2 * M, K)) / np.sqrt(2 * M)
        V0 = rng.uniform(-1, 1, (K, M)) / np.sqrt(K)
        train_idx, test_idx = split_indices(M * M, train_fraction=0.5, seed=M)
        torch_dtype = getattr(torch, dtype)
        settings = dict(hidden=K, activation=activation, lr=5e-3, weight_decay=2e-4, epochs=150, eval_every=10)
        run = li2lib.train(M, initial={"W": torch.tensor(W0, dtype=torch_dtype), "V": torch.tensor(V0, dtype=torch_dtype)},
                           split=(train_idx, test_idx), dtype=dtype, progress=False, **settings)
        spec = dict(order=M, hidden=K, activation=activation, lr=5e-3, weightDecay=2e-4, epochs=150, evalEvery=10,
                    W=W0.ravel().tolist(), V=V0.ravel().tolist(), trainIdx=train_idx.tolist(), testIdx=test_idx.tolist())
        cases.append({"name": f"Z_{M} K={K} {activation} {dtype}", "spec": spec, "rtol": rtol,
                      "samples": (len(train_idx), len(test_idx)),
                      "history": {k: np.asarray(v, dtype=float).tolist() for k, v in run.history.items()}})
    return cases


def _lab_agreement(driver) -> list[str]:
    """Li2Lab.train against li2lib.train on the cases of :func:`lab_cases`."""
    failures = []
    for case in lab_cases():
        got = driver.execute_script("return Li2Lab.train(arguments[0]).history", case["spec"])
        want = case["history"]
        if got["epoch"] != want["epoch"]:
            failures.append(f"lab vs li2lib, {case['name']}: logged epochs differ")
            continue
        for key, values in want.items():
            if key.endswith("_acc"):  # a count of samples: equal up to one flipped argmax
                n = case["samples"][key.startswith("test")]
                worst = max(abs(a - b) for a, b in zip(values, got[key])) * n
                if worst > (0.5 if case["rtol"] < 1e-6 else 1.5):
                    failures.append(f"lab vs li2lib, {case['name']}: {key} differs by {worst:.0f} sample(s)")
            else:
                worst = max(abs(a - b) / max(abs(a), 1e-12) for a, b in zip(values, got[key]))
                if worst > case["rtol"]:
                    failures.append(f"lab vs li2lib, {case['name']}: {key} differs by {worst:.1e} (relative; "
                                    f"allowed {case['rtol']:.0e})")
    return failures


RUN_LAB_JS = r"""
const [index, settings, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const lab = document.querySelectorAll('.li2-lab')[index];
for (const [key, value] of Object.entries(settings)) {
  const select = lab.querySelector(`select[data-knob="${key}"]`);
  const at = Array.from(select.options).findIndex(o => o.textContent === String(value));
  if (at < 0) { done({error: `no option ${value} for ${key}`}); return; }
  select.selectedIndex = at;
}
lab.querySelector('button[data-action="train"]').click();
const began = Date.now();
const poll = () => {
  const state = lab.getAttribute('data-state');
  if (state === 'done' || state === 'error') {
    done({state, history: JSON.parse(lab.getAttribute('data-history') || 'null'),
          rate: Number(lab.getAttribute('data-epochs-per-second')), status: lab.querySelector('.li2-lab-status').textContent});
  } else if (Date.now() - began > 170000) done({error: 'the run did not finish in 170 s'});
  else setTimeout(poll, 200);
};
setTimeout(poll, 200);
"""

SPEED_JS = r"""
const [M, K] = arguments;
const parts = Li2Lab.split(M, 0.5, 0), w = Li2Lab.initialWeights(M, K, 0);
const spec = {order: M, hidden: K, activation: 'square', lr: 5e-3, weightDecay: 2e-4, epochs: 40, evalEvery: 10,
              W: w.W, V: w.V, trainIdx: parts.train, testIdx: parts.test};
const t = performance.now();
Li2Lab.train(spec);
return 40 / ((performance.now() - t) / 1000);
"""


def check_lab(driver) -> tuple[list[str], list[str]]:
    """The first page with a lab: agreement with li2lib, speed, and that the default run groks
    while the same run without weight decay memorises. Every lab: a short run ends with its
    history in ``data-history``."""
    failures, notes = [], []
    driver.set_script_timeout(180)
    if not LAB_CHECKED["agreement"]:
        LAB_CHECKED["agreement"] = True
        failures += _lab_agreement(driver)
        speeds = [driver.execute_script(SPEED_JS, M, K) for M, K in ((23, 256), (31, 512))]
        notes.append(f"lab agrees with li2lib.train; {speeds[0]:.0f} epochs/s at Z_23 K=256, "
                     f"{speeds[1]:.0f} at Z_31 K=512")
        grok = driver.execute_async_script(RUN_LAB_JS, 0, {})
        memo = driver.execute_async_script(RUN_LAB_JS, 0, {"weightDecay": "0"})
        for name, result, good in (("default run (weight decay 2e-4)", grok, lambda acc: acc >= 0.95),
                                   ("the same run without weight decay", memo, lambda acc: acc <= 0.2)):
            if "error" in result or result["state"] != "done":
                failures.append(f"lab, {name}: {result.get('error') or result['status']}")
                continue
            h = result["history"]
            if sorted(h) != sorted(["epoch", "train_loss", "test_loss", "train_acc", "test_acc", "gf_norm",
                                    "w_norm", "v_norm"]):
                failures.append(f"lab, {name}: data-history keys {sorted(h)}")
            elif h["train_acc"][-1] < 1.0 or not good(h["test_acc"][-1]):
                failures.append(f"lab, {name}: final training accuracy {h['train_acc'][-1]:.3f}, "
                                f"test accuracy {h['test_acc'][-1]:.3f}")
        if "history" in grok and grok["history"]:
            first = next((e for e, a in zip(grok["history"]["epoch"], grok["history"]["test_acc"]) if a >= 0.95), None)
            notes.append(f"lab default run: test accuracy 0.95 at epoch {first}, {grok['rate']:.0f} epochs/s; "
                         f"without weight decay: final test accuracy {memo.get('history', {}).get('test_acc', [float('nan')])[-1]:.3f}")
    else:
        for index in range(driver.execute_script("return document.querySelectorAll('.li2-lab').length")):
            result = driver.execute_async_script(RUN_LAB_JS, index, {"epochs": "300"})
            if "error" in result or not result["history"] or result["history"]["epoch"][-1] != 300:
                failures.append(f"lab {index}: a 300-epoch run did not finish with its history")
    return failures, notes


def pages(root: Path) -> list[Path]:
    skip = {"_static", "_sources", "_images"}
    return sorted(p for p in root.rglob("*.html") if not skip.intersection(p.relative_to(root).parts))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--require", action="store_true",
                        help="fail (status 2) when Chromium or its driver is missing")
    parser.add_argument("--chromium", default=find("chromium", "chromium-browser", "google-chrome"))
    parser.add_argument("--chromedriver", default=find("chromedriver"))
    args = parser.parse_args(argv)

    if not (args.chromium and args.chromedriver):
        print("browser pass SKIPPED: chromium and chromedriver not found "
              "(Debian: apt-get install chromium chromium-driver)")
        return 2 if args.require else 0
    if not (args.root / "index.html").is_file():
        print(f"no built book at {args.root}: run `make book` first")
        return 1

    passed, failed = 0, 0
    with browser(args.chromium, args.chromedriver) as driver:
        for page in pages(args.root):
            name = page.relative_to(args.root)
            try:
                failures, notes = check_page(driver, page)
            except Exception as err:  # a page that hangs or crashes the driver is a failure
                failures, notes = [f"could not be checked: {type(err).__name__}: {err}"], []
            status = "FAIL" if failures else "ok"
            print(f"{status:4} {name}" + (f"  ({'; '.join(notes)})" if notes else ""))
            for f in failures:
                print(f"       - {f}")
            passed += not failures
            failed += bool(failures)
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
