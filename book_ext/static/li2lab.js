/* li2lab.js: the book's network trained in the page, with no server and no library.
 *
 * The model is li2lib's two-layer network exactly (chapter 2): a pair (a, b) of Z_M is the
 * one-hot input x = e_a (+) e_b, the hidden layer is f = sigma(x W) with W of size 2M x K (so
 * x W = W[a] + W[M + b]), the output is y_hat = f V with V of size K x M, and the loss is the
 * class-centred MSE of the paper's experiments, mean over the training pairs of
 * || C (y_hat - e_y) ||^2, C = I - 1 1^T / M. Training is full-batch Adam with coupled L2
 * weight decay (g <- g + lambda p, as torch.optim.Adam), betas (0.9, 0.999), eps 1e-8.
 * Initialisation: entries uniform in +-1/sqrt(fan_in) (fan_in 2M for W, K for V).
 *
 * Logged every `evalEvery` epochs and at the last one, with the keys of li2lib's
 * TrainResult.history: epoch, train_loss, test_loss, train_acc, test_acc, gf_norm
 * (||G_F||_F, G_F = P_1^perp (Y - Y_hat) V^T, Eq. 2), w_norm, v_norm. The entry for epoch e
 * describes the weights after e steps. Arithmetic is in float64.
 *
 * Li2Lab.train(spec) trains synchronously and returns the history (the tests give it li2lib's
 * initial weights and split); Li2Lab.mount(element) builds the interactive lab inside an
 * element with class "li2-lab", and every such element is mounted when the page loads.
 */
(function (root) {
  "use strict";

  var ACTIVATIONS = {
    square: { f: function (h) { return h * h; }, df: function (h) { return 2 * h; }, label: "x\u00b2" },
    relu: { f: function (h) { return h > 0 ? h : 0; }, df: function (h) { return h > 0 ? 1 : 0; }, label: "ReLU" },
  };
  var EXPLOSION_FACTOR = 1e6; // li2lib: a run whose loss grows a million-fold has diverged

  // ---- seeded randomness (the lab's own generator: mulberry32) -------------------------------
  function random(seed) {
    var s = seed >>> 0;
    return function () {
      s = (s + 0x6d2b79f5) >>> 0;
      var t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /* A random split of the M^2 pairs (row index a * M + b), n_train = round(fraction * M^2). */
  function split(M, fraction, seed) {
    var n = M * M, order = new Int32Array(n), rand = random(seed * 2 + 1);
    for (var i = 0; i < n; i++) order[i] = i;
    for (i = n - 1; i > 0; i--) {
      var j = Math.floor(rand() * (i + 1)), t = order[i];
      order[i] = order[j]; order[j] = t;
    }
    var k = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
    var sort = function (a) { return Int32Array.from(a).sort(); };
    return { train: sort(order.subarray(0, k)), test: sort(order.subarray(k)) };
  }

  /* W (2M x K) and V (K x M), row-major, uniform in +-1/sqrt(fan_in). */
  function initialWeights(M, K, seed) {
    var rand = random(seed * 2), W = new Float64Array(2 * M * K), V = new Float64Array(K * M);
    var bw = 1 / Math.sqrt(2 * M), bv = 1 / Math.sqrt(K);
    for (var i = 0; i < W.length; i++) W[i] = (rand() * 2 - 1) * bw;
    for (i = 0; i < V.length; i++) V[i] = (rand() * 2 - 1) * bv;
    return { W: W, V: V };
  }

  // ---- the network ---------------------------------------------------------------------------
  /* One run: its weights, Adam's moments, and the two splits. */
  function Run(spec) {
    var M = spec.order, K = spec.hidden;
    if (!(M >= 2 && K >= 1)) throw new Error("order must be >= 2 and hidden >= 1");
    if (!ACTIVATIONS[spec.activation]) throw new Error("activation must be square or relu, got " + spec.activation);
    this.M = M; this.K = K;
    this.sigma = ACTIVATIONS[spec.activation];
    this.lr = spec.lr; this.wd = spec.weightDecay;
    this.W = Float64Array.from(spec.W); this.V = Float64Array.from(spec.V);
    if (this.W.length !== 2 * M * K || this.V.length !== K * M) throw new Error("W must be 2M x K and V K x M");
    this.mW = new Float64Array(this.W.length); this.vW = new Float64Array(this.W.length);
    this.mV = new Float64Array(this.V.length); this.vV = new Float64Array(this.V.length);
    this.gW = new Float64Array(this.W.length); this.gV = new Float64Array(this.V.length);
    this.trainIdx = Int32Array.from(spec.trainIdx); this.testIdx = Int32Array.from(spec.testIdx);
    this.steps = 0; this.epoch = 0; this.initialLoss = null; this.error = null;
    this.h = new Float64Array(K); this.f = new Float64Array(K); this.out = new Float64Array(M);
  }

  /* y_hat for the pair in row `row` of the table (into this.out; keeps h and f). */
  Run.prototype.forward = function (row) {
    var M = this.M, K = this.K, a = (row / M) | 0, b = row - a * M, W = this.W, V = this.V;
    var wa = a * K, wb = (M + b) * K, h = this.h, f = this.f, out = this.out, sig = this.sigma.f;
    for (var j = 0; j < K; j++) { h[j] = W[wa + j] + W[wb + j]; f[j] = sig(h[j]); }
    for (var c = 0; c < M; c++) out[c] = 0;
    for (j = 0; j < K; j++) {
      var fj = f[j], vj = j * M;
      if (fj !== 0) for (c = 0; c < M; c++) out[c] += fj * V[vj + c];
    }
    return out;
  };

  /* Mean loss, accuracy and (optionally) ||G_F|| on `rows`; with `grad`, accumulates the
   * loss gradient into gW, gV. */
  Run.prototype.pass = function (rows, grad, wantGF) {
    var M = this.M, K = this.K, n = rows.length, V = this.V, gW = this.gW, gV = this.gV;
    var loss = 0, correct = 0, d = new Float64Array(M), h = this.h, f = this.f;
    var resid = wantGF ? new Float64Array(n * M) : null;
    var dsig = this.sigma.df;
    for (var i = 0; i < n; i++) {
      var row = rows[i], out = this.forward(row), a = (row / M) | 0, b = row - a * M, y = (a + b) % M;
      var best = 0;
      for (var c = 1; c < M; c++) if (out[c] > out[best]) best = c;
      if (best === y) correct++;
      var mean = 0;
      for (c = 0; c < M; c++) { d[c] = out[c] - (c === y ? 1 : 0); mean += d[c]; }
      mean /= M;
      for (c = 0; c < M; c++) { d[c] -= mean; loss += d[c] * d[c]; }
      if (resid) for (c = 0; c < M; c++) resid[i * M + c] = (c === y ? 1 : 0) - out[c];
      if (grad) {
        var s = 2 / n, wa = a * K, wb = (M + b) * K;
        for (var j = 0; j < K; j++) {
          var vj = j * M, dF = 0, fj = f[j] * s;
          for (c = 0; c < M; c++) { dF += d[c] * V[vj + c]; gV[vj + c] += fj * d[c]; }
          var dh = s * dF * dsig(h[j]);
          gW[wa + j] += dh; gW[wb + j] += dh;
        }
      }
    }
    var result = { loss: loss / n, acc: correct / n };
    if (resid) result.gf = gfNorm(resid, n, M, K, V);
    return result;
  };

  /* ||P_1^perp R V^T||_F for the n x M residual R = Y - Y_hat (centred over samples here),
   * as sqrt(<R^T R, V^T V>): O(n M^2 + K M^2). */
  function gfNorm(R, n, M, K, V) {
    var c, e, i, j;
    for (c = 0; c < M; c++) {
      var mean = 0;
      for (i = 0; i < n; i++) mean += R[i * M + c];
      mean /= n;
      for (i = 0; i < n; i++) R[i * M + c] -= mean;
    }
    var total = 0;
    for (c = 0; c < M; c++) for (e = c; e < M; e++) {
      var rr = 0, vv = 0;
      for (i = 0; i < n; i++) rr += R[i * M + c] * R[i * M + e];
      for (j = 0; j < K; j++) vv += V[j * M + c] * V[j * M + e];
      total += (c === e ? 1 : 2) * rr * vv;
    }
    return Math.sqrt(Math.max(total, 0));
  }

  function norm(a) { var s = 0; for (var i = 0; i < a.length; i++) s += a[i] * a[i]; return Math.sqrt(s); }

  /* Adam with coupled L2 on one parameter (torch.optim.Adam's bias correction). */
  function adam(p, g, m, v, lr, wd, t) {
    var b1 = 0.9, b2 = 0.999, eps = 1e-8, c1 = 1 - Math.pow(b1, t), c2 = Math.sqrt(1 - Math.pow(b2, t));
    for (var i = 0; i < p.length; i++) {
      var gi = g[i] + wd * p[i];
      m[i] += (gi - m[i]) * (1 - b1);
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      p[i] -= (m[i] / (Math.sqrt(v[i]) / c2 + eps)) * (lr / c1);
    }
  }

  /* Epoch e: loss on the training pairs (and, when `log`, the metrics), then one step unless
   * `last`. Returns the logged row or null. */
  Run.prototype.step = function (log, last) {
    this.gW.fill(0); this.gV.fill(0);
    var tr = this.pass(this.trainIdx, !last, log);
    if (this.initialLoss === null) this.initialLoss = tr.loss;
    if (!(tr.loss <= EXPLOSION_FACTOR * Math.max(this.initialLoss, 1e-12))) {
      this.error = "training diverged at epoch " + this.epoch + ": try a smaller learning rate";
      return null;
    }
    var row = null;
    if (log) {
      var te = this.testIdx.length ? this.pass(this.testIdx, false, false) : { loss: NaN, acc: NaN };
      row = { epoch: this.epoch, train_loss: tr.loss, test_loss: te.loss, train_acc: tr.acc, test_acc: te.acc,
              gf_norm: tr.gf, w_norm: norm(this.W), v_norm: norm(this.V) };
    }
    if (!last) {
      this.steps += 1;
      adam(this.W, this.gW, this.mW, this.vW, this.lr, this.wd, this.steps);
      adam(this.V, this.gV, this.mV, this.vV, this.lr, this.wd, this.steps);
    }
    this.epoch += 1;
    return row;
  };

  var KEYS = ["epoch", "train_loss", "test_loss", "train_acc", "test_acc", "gf_norm", "w_norm", "v_norm"];

  function emptyHistory() { var h = {}; KEYS.forEach(function (k) { h[k] = []; }); return h; }
  function append(history, row) { KEYS.forEach(function (k) { history[k].push(row[k]); }); }

  /* Train synchronously; spec: order, hidden, activation, lr, weightDecay, epochs, evalEvery,
   * W, V, trainIdx, testIdx. Returns {history, error}. */
  function train(spec) {
    var run = new Run(spec), history = emptyHistory();
    for (var e = 0; e <= spec.epochs; e++) {
      var last = e === spec.epochs, row = run.step(last || e % spec.evalEvery === 0, last);
      if (run.error) break;
      if (row) append(history, row);
    }
    return { history: history, error: run.error };
  }

  // ---- the lab in the page ------------------------------------------------------------------
  var KNOBS = [
    { key: "order", label: "group Z_M, M", values: [11, 13, 17, 19, 23, 29, 31], initial: 23 },
    { key: "hidden", label: "width K", values: [64, 128, 256, 512], initial: 256 },
    { key: "fraction", label: "training fraction p", values: [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], initial: 0.5 },
    { key: "weightDecay", label: "weight decay", values: [0, 1e-4, 2e-4, 5e-4, 1e-3], initial: 2e-4 },
    { key: "lr", label: "learning rate", values: [1e-3, 2e-3, 5e-3, 1e-2, 2e-2], initial: 5e-3 },
    { key: "activation", label: "activation \u03c3", values: ["square", "relu"], initial: "square" },
    { key: "seed", label: "seed", values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], initial: 0 },
    { key: "epochs", label: "epochs", values: [300, 600, 1000, 2000], initial: 1000 },
  ];
  var EVAL_EVERY = 10;
  var FRAME_MS = 30; // training time between two redraws, so the page stays responsive

  function element(tag, attrs, text) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function valueText(knob, v) {
    if (knob.key === "activation") return ACTIVATIONS[v].label;
    if (knob.key === "weightDecay" || knob.key === "lr") return v === 0 ? "0" : v.toExponential(0).replace("e-", "e\u2212");
    return String(v);
  }

  function Lab(host) {
    this.root = host;
    this.runs = []; // finished or running runs drawn on the charts: {label, history, color}
    this.timer = null;
    host.textContent = "";
    host.classList.add("li2-lab-ready");
    var form = element("div", { class: "li2-lab-knobs" });
    this.selects = {};
    var self = this;
    KNOBS.forEach(function (knob) {
      var label = element("label", {});
      label.appendChild(element("span", {}, knob.label));
      var select = element("select", { "data-knob": knob.key });
      knob.values.forEach(function (v, i) {
        var option = element("option", { value: String(i) }, valueText(knob, v));
        if (v === knob.initial) option.selected = true;
        select.appendChild(option);
      });
      label.appendChild(select);
      form.appendChild(label);
      self.selects[knob.key] = select;
    });
    host.appendChild(form);
    var buttons = element("div", { class: "li2-lab-buttons" });
    this.trainButton = element("button", { type: "button", "data-action": "train" }, "Train");
    this.stopButton = element("button", { type: "button", "data-action": "stop", disabled: "" }, "Stop");
    this.resetButton = element("button", { type: "button", "data-action": "reset" }, "Reset");
    var keepLabel = element("label", { class: "li2-lab-keep" });
    this.keep = element("input", { type: "checkbox", "data-action": "overlay" });
    keepLabel.appendChild(this.keep);
    keepLabel.appendChild(document.createTextNode(" keep earlier runs to compare"));
    [this.trainButton, this.stopButton, this.resetButton].forEach(function (b) { buttons.appendChild(b); });
    buttons.appendChild(keepLabel);
    host.appendChild(buttons);
    this.status = element("p", { class: "li2-lab-status", "aria-live": "polite" },
      "Choose the settings and press Train. The network trains here, in your browser.");
    host.appendChild(this.status);
    var charts = element("div", { class: "li2-lab-charts" });
    this.charts = [
      { key: "acc", title: "accuracy (solid: test, dotted: train)", log: false },
      { key: "train_loss", title: "training loss (log scale)", log: true },
      { key: "gf_norm", title: "\u2016G_F\u2016 (log scale)", log: true },
    ].map(function (c) {
      var box = element("figure", { class: "li2-lab-chart" });
      var canvas = element("canvas", { role: "img", "aria-label": c.title });
      box.appendChild(canvas);
      box.appendChild(element("figcaption", {}, c.title));
      charts.appendChild(box);
      c.canvas = canvas;
      return c;
    });
    host.appendChild(charts);
    this.trainButton.addEventListener("click", function () { self.start(); });
    this.stopButton.addEventListener("click", function () { self.stop("stopped"); });
    this.resetButton.addEventListener("click", function () { self.reset(); });
    if (host.ownerDocument.defaultView) host.ownerDocument.defaultView.addEventListener("resize", function () { self.draw(); });
    this.draw();
  }

  Lab.prototype.settings = function () {
    var s = {};
    var selects = this.selects;
    KNOBS.forEach(function (k) { s[k.key] = k.values[Number(selects[k.key].value)]; });
    return s;
  };

  Lab.prototype.start = function () {
    if (this.timer !== null) return;
    var s = this.settings(), parts = split(s.order, s.fraction, s.seed), w = initialWeights(s.order, s.hidden, s.seed);
    var run = new Run({ order: s.order, hidden: s.hidden, activation: s.activation, lr: s.lr, weightDecay: s.weightDecay,
                        W: w.W, V: w.V, trainIdx: parts.train, testIdx: parts.test });
    if (!this.keep.checked) this.runs = [];
    var label = "Z_" + s.order + ", K=" + s.hidden + ", p=" + s.fraction + ", wd=" + valueText(KNOBS[3], s.weightDecay) +
      ", lr=" + valueText(KNOBS[4], s.lr) + ", " + ACTIVATIONS[s.activation].label + ", seed " + s.seed;
    var entry = { label: label, history: emptyHistory(), color: COLORS[this.runs.length % COLORS.length] };
    this.runs.push(entry);
    this.current = { run: run, entry: entry, epochs: s.epochs, began: Date.now() };
    this.root.removeAttribute("data-history");
    this.root.setAttribute("data-state", "running");
    this.trainButton.disabled = true; this.stopButton.disabled = false;
    var self = this;
    var tick = function () {
      var until = Date.now() + FRAME_MS, cur = self.current;
      while (Date.now() < until && cur.run.epoch <= cur.epochs && !cur.run.error) {
        var e = cur.run.epoch, last = e === cur.epochs, row = cur.run.step(last || e % EVAL_EVERY === 0, last);
        if (row) append(cur.entry.history, row);
      }
      self.report();
      self.draw();
      if (cur.run.error) self.stop(cur.run.error);
      else if (cur.run.epoch > cur.epochs) self.stop("done");
      else self.timer = setTimeout(tick, 0);
    };
    this.timer = setTimeout(tick, 0);
  };

  Lab.prototype.report = function () {
    var cur = this.current, h = cur.entry.history, n = h.epoch.length;
    if (!n) return;
    var seconds = (Date.now() - cur.began) / 1000;
    this.status.textContent = "epoch " + h.epoch[n - 1] + " of " + cur.epochs + ": training accuracy " +
      h.train_acc[n - 1].toFixed(3) + ", test accuracy " + h.test_acc[n - 1].toFixed(3) + " (" +
      Math.round(cur.run.epoch / Math.max(seconds, 1e-3)) + " epochs/s)";
  };

  Lab.prototype.stop = function (why) {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.current) return;
    var cur = this.current, h = cur.entry.history, grok = null;
    for (var i = 0; i < h.epoch.length; i++) if (h.test_acc[i] >= 0.95) { grok = h.epoch[i]; break; }
    var seconds = (Date.now() - cur.began) / 1000;
    this.root.setAttribute("data-history", JSON.stringify(h));
    this.root.setAttribute("data-state", why === "done" ? "done" : why === "stopped" ? "stopped" : "error");
    this.root.setAttribute("data-epochs-per-second", String(Math.round(cur.run.epoch / Math.max(seconds, 1e-3))));
    var last = h.epoch.length - 1;
    this.status.textContent = (why === "done" || why === "stopped" ? (why === "done" ? "Finished " : "Stopped at ") +
      "epoch " + (last >= 0 ? h.epoch[last] : 0) + ": test accuracy " + (last >= 0 ? h.test_acc[last].toFixed(3) : "-") +
      (grok === null ? ", never reached 0.95." : ", first reached 0.95 at epoch " + grok + ".") : why);
    this.trainButton.disabled = false; this.stopButton.disabled = true;
    this.current = null;
  };

  Lab.prototype.reset = function () {
    this.stop("stopped");
    this.runs = [];
    var selects = this.selects;
    KNOBS.forEach(function (k) { selects[k.key].value = String(k.values.indexOf(k.initial)); });
    this.keep.checked = false;
    this.root.removeAttribute("data-history");
    this.root.setAttribute("data-state", "idle");
    this.status.textContent = "Choose the settings and press Train. The network trains here, in your browser.";
    this.draw();
  };

  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

  /* Draw every chart: shared epoch axis, fixed axes for accuracy, log axes for the rest. */
  Lab.prototype.draw = function () {
    var runs = this.runs, maxEpoch = 1;
    runs.forEach(function (r) { var e = r.history.epoch; if (e.length) maxEpoch = Math.max(maxEpoch, e[e.length - 1]); });
    maxEpoch = Math.max(maxEpoch, this.current ? this.current.epochs : this.settings().epochs);
    var styles = root.getComputedStyle ? root.getComputedStyle(this.root) : null;
    var ink = (styles && styles.color) || "#333";
    this.charts.forEach(function (chart) {
      var canvas = chart.canvas, ratio = root.devicePixelRatio || 1;
      var width = Math.max(160, canvas.clientWidth || 300), height = Math.round(width * 0.62);
      canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio);
      canvas.style.height = height + "px";
      var g = canvas.getContext("2d");
      if (!g) return;
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.clearRect(0, 0, width, height);
      var left = 44, right = 14, top = 8, bottom = 34, w = width - left - right, hgt = height - top - bottom;
      var series = [];
      runs.forEach(function (r) {
        if (chart.key === "acc") {
          series.push({ x: r.history.epoch, y: r.history.test_acc, color: r.color, dash: [] });
          series.push({ x: r.history.epoch, y: r.history.train_acc, color: r.color, dash: [2, 3] });
        } else series.push({ x: r.history.epoch, y: r.history[chart.key], color: r.color, dash: [] });
      });
      var lo = 0, hi = 1;
      if (chart.log) {
        lo = Infinity; hi = -Infinity;
        series.forEach(function (s) { s.y.forEach(function (v) { if (v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
        if (!isFinite(lo)) { lo = 1e-3; hi = 1; }
        lo = Math.pow(10, Math.floor(Math.log10(lo))); hi = Math.pow(10, Math.ceil(Math.log10(hi)));
        if (hi <= lo) hi = lo * 10;
      }
      var X = function (e) { return left + (e / maxEpoch) * w; };
      var Y = chart.log ? function (v) { return top + hgt * (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))); }
        : function (v) { return top + hgt * (1 - (v - lo) / (hi - lo)); };
      g.strokeStyle = ink; g.fillStyle = ink; g.globalAlpha = 0.8; g.lineWidth = 1; g.font = "11px sans-serif";
      g.strokeRect(left, top, w, hgt);
      var ticks = chart.log ? [] : [0, 0.5, 1];
      if (chart.log) for (var p = Math.log10(lo); p <= Math.log10(hi) + 1e-9; p += Math.max(1, Math.round((Math.log10(hi) - Math.log10(lo)) / 4))) ticks.push(Math.pow(10, p));
      g.textAlign = "right"; g.textBaseline = "middle";
      ticks.forEach(function (t) { g.fillText(chart.log ? powerText(Math.round(Math.log10(t))) : String(t), left - 4, Y(t)); });
      g.textAlign = "center"; g.textBaseline = "top";
      [0, 0.5, 1].forEach(function (f) { g.fillText(String(Math.round(f * maxEpoch)), X(f * maxEpoch), top + hgt + 3); });
      g.fillText("epoch", left + w / 2, top + hgt + 18);
      g.globalAlpha = 1; g.lineWidth = 1.6;
      series.forEach(function (s) {
        g.strokeStyle = s.color; g.setLineDash(s.dash); g.beginPath();
        var started = false;
        for (var i = 0; i < s.x.length; i++) {
          var v = s.y[i];
          if (!(chart.log ? v > 0 : isFinite(v))) continue;
          if (started) g.lineTo(X(s.x[i]), Y(v)); else { g.moveTo(X(s.x[i]), Y(v)); started = true; }
        }
        g.stroke();
      });
      g.setLineDash([]);
    });
    this.drawLegend();
  };

  Lab.prototype.drawLegend = function () {
    var legend = this.root.querySelector(".li2-lab-legend");
    if (!legend) { legend = element("ul", { class: "li2-lab-legend" }); this.root.appendChild(legend); }
    legend.textContent = "";
    this.runs.forEach(function (r) {
      var item = element("li", {});
      var swatch = element("span", { class: "li2-lab-swatch" });
      swatch.style.background = r.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + r.label));
      legend.appendChild(item);
    });
  };

  /* 10^p as a tick label: 100, 10, 1, 0.1, 0.01, then 1e-3 ... */
  function powerText(p) { return p >= -2 && p <= 3 ? String(Number(Math.pow(10, p).toFixed(2))) : "1e" + p; }

  function mount(el) { if (!el.li2lab) el.li2lab = new Lab(el); return el.li2lab; }

  var api = { train: train, split: split, initialWeights: initialWeights, mount: mount, KNOBS: KNOBS, ACTIVATIONS: ACTIVATIONS };
  if (typeof module === "object" && module.exports) module.exports = api;
  root.Li2Lab = api;
  if (typeof document !== "undefined") {
    var mountAll = function () { Array.prototype.forEach.call(document.querySelectorAll(".li2-lab"), mount); };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll); else mountAll();
  }
})(typeof window !== "undefined" ? window : globalThis);
