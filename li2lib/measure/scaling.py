"""The critical training fraction of the scaling law (Theorem 4, Fig. 5), measured from runs.

Theorem 4 says that n >~ d_k^2 M log(M / delta) training pairs, drawn uniformly from the M^2 of
the table, keep the irrep maxima of the empirical energy; so the training fraction a network
needs to generalise is p_c = n / M^2 ~ d_k^2 ln M / M. The paper's Fig. 5 draws the line
p = c ln M / M over phase diagrams of final test accuracy; the author's code uses c = 2.7482.

This module measures the boundary instead of assuming it:

- :func:`fit_crossing`: for one group, the fraction p_50 at which the final test accuracy of
  the runs crosses 1/2, from a logistic curve in ln p fitted to every run, with a standard
  error from a bootstrap over the runs at each fraction and from the spacing of the grid.
- :func:`horizon_crossing`: the boundary at a training horizon seed by seed, from the epochs at
  which the runs grokked: the seeds' scatter gives its error where all of them fall on the
  same side of every fraction of the grid.
- :func:`group_crossings`: either of the two for every group of a table of runs.
- :func:`second_pass`: where a second pass of runs should go, from a group's first pass: the
  two fractions that bracket its crossing, and whether one more fraction above is needed.
- :func:`fit_law`: fits p_c(M) by one of :data:`LAWS` (c ln M / M, a / M, b M^-alpha) by
  weighted least squares on ln p_c, with the parameters' standard errors and chi^2.
- :func:`holdout`: fits a law on some groups and scores its predictions of the others'
  crossings (a check that could fail, where chi^2 on the fitted points cannot).
- :func:`accuracy_at`: a run's test accuracy at an earlier epoch, to ask where the boundary
  lies after a shorter training (the boundary is defined at a training horizon).
- :func:`ratio`: the ratio of two fitted constants with its standard error (e.g. the c of the
  groups with 2-dimensional irreps over the c of abelian groups: Theorem 4's d_k^2 says 4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Crossing", "HorizonCrossing", "LawFit", "LAWS", "Holdout", "fit_crossing", "fit_law", "group_crossings", "holdout",
           "horizon_crossing", "ratio", "logistic", "accuracy_at", "SecondPass", "second_pass"]

CLIP = 0.01
"""Accuracies are clipped to [CLIP, 1 - CLIP] for the logistic fit, so that a perfectly sharp
step (all runs 0 below, 1 above) has a finite fit whose crossing sits midway (in ln p)."""


ROUNDING = 1e-6
"""Accuracies logged in float32 can exceed 1 by rounding; that much is accepted (and clipped)."""

WINDOW = 2
"""A bracketed crossing is fitted to the runs at the WINDOW fractions below the first fraction
whose mean accuracy is >= 1/2 and the WINDOW fractions from it on."""


def logistic(p, p50: float, width: float):
    """The fitted curve: accuracy(p) = 1 / (1 + exp(-(ln p - ln p50) / width))."""
    return 1.0 / (1.0 + np.exp(-(np.log(np.asarray(p, dtype=float)) - math.log(p50)) / width))


@dataclass(frozen=True)
class Crossing:
    """Where one group's final test accuracy crosses 1/2 as the training fraction grows.

    ``p50``: the fraction at the crossing; ``se_log``: standard error of ln p50 (so the
    relative error of p50), the larger of ``se_seeds`` (the bootstrap over seeds) and ``se_grid``
    (the grid spacing at the crossing over sqrt 12); ``width``: the logistic's width in ln p (a
    sharp step has a width much smaller than the grid spacing); ``bracketed``: some fraction has
    mean accuracy below 1/2 and some above (otherwise p50 is an extrapolation); ``runs``: how
    many runs were fitted.
    """

    p50: float
    se_log: float
    width: float
    bracketed: bool
    runs: int
    se_seeds: float
    se_grid: float

    @property
    def from_seeds(self) -> bool:
        """Whether the error is the measured seed-to-seed scatter, not the grid's resolution."""
        return self.se_seeds >= self.se_grid

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """The interval p50 * exp(-+ z se_log) (about 95% for z = 1.96)."""
        return self.p50 * math.exp(-z * self.se_log), self.p50 * math.exp(z * self.se_log)


def _check_runs(fractions, accuracies):
    p = np.asarray(fractions, dtype=float).ravel()
    acc = np.asarray(accuracies, dtype=float).ravel()
    if p.shape != acc.shape:
        raise ValueError(f"fractions and accuracies must have the same length, got {p.size} and {acc.size}")
    if not np.all((p > 0) & (p <= 1)):
        raise ValueError(f"fractions must lie in (0, 1], got {p[~((p > 0) & (p <= 1))][:3].tolist()}")
    ok = (acc >= -ROUNDING) & (acc <= 1 + ROUNDING)
    if not np.all(ok):
        raise ValueError(f"accuracies must lie in [0, 1] (no NaN), got {acc[~ok][:3].tolist()}")
    acc = np.clip(acc, 0.0, 1.0)
    if len(np.unique(p)) < 2:
        raise ValueError(f"fractions must hold at least 2 distinct values, got {np.unique(p).tolist()}")
    return p, acc


def _check_horizon(horizon, allowed: str = "a positive integer") -> None:
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be {allowed} (epochs), got {horizon!r}")


def _logistic_mle(x, Y, iterations: int = 100):
    """Maximise sum y log q + (1 - y) log(1 - q), q = sigmoid(a + b x), for every row of Y
    (B problems sharing x, one per row) by damped Newton steps; the objective is concave in
    (a, b) for y in (0, 1). Returns (B, 2): a and b of each row."""
    design = np.column_stack([np.ones_like(x), x])  # (n, 2)

    def loglik(theta):
        z = theta @ design.T  # (B, n)
        return np.sum(Y * z - np.logaddexp(0.0, z), axis=1)

    # start: least squares on the logits
    theta = np.linalg.lstsq(design, np.log(Y / (1 - Y)).T, rcond=None)[0].T
    value = loglik(theta)
    for _ in range(iterations):
        q = 1.0 / (1.0 + np.exp(-(theta @ design.T)))
        grad = (Y - q) @ design
        hess = np.einsum("bn,ni,nj->bij", q * (1 - q), design, design) + 1e-12 * np.eye(2)
        step = np.linalg.solve(hess, grad[..., None])[..., 0]
        t = np.ones(len(theta))
        trial = theta + step
        new = loglik(trial)
        for _ in range(40):  # halve the steps that lowered the objective
            worse = new < value - 1e-12
            if not worse.any():
                break
            t = np.where(worse, t / 2, t)
            trial = theta + t[:, None] * step
            new = np.where(worse, loglik(trial), new)
        done = np.abs(t[:, None] * step).max() < 1e-10
        theta, value = trial, new
        if done:
            break
    return theta


def _crossings_of(x, Y):
    """ln p50 and width of the logistic fitted to each row of Y (NaN where the slope is <= 0)."""
    a, b = _logistic_mle(x, np.clip(Y, CLIP, 1 - CLIP)).T
    ok = b > 0
    return np.where(ok, -a / np.where(ok, b, 1.0), np.nan), np.where(ok, 1.0 / np.where(ok, b, 1.0), np.nan)


def fit_crossing(fractions, accuracies, *, bootstrap: int = 500, seed: int = 0) -> Crossing:
    """The fraction at which final test accuracy crosses 1/2, from runs of one group.

    ``fractions`` and ``accuracies``: one entry per run (several seeds per fraction). Fits
    accuracy = 1 / (1 + exp(-(ln p - ln p50) / w)) by maximising the binomial likelihood with
    the accuracies as fractional outcomes (clipped to [0.01, 0.99], :data:`CLIP`), to the runs at
    the two fractions on each side of the crossing (:data:`WINDOW`): a memorising run scores a
    few percent, not 0, and many such runs far below the boundary would otherwise widen the
    curve and move its middle. ``runs`` of the result counts the runs fitted.

    The standard error of ln p50 is the larger of two: the spread over ``bootstrap`` refits to
    runs resampled with replacement within each fraction (seed-to-seed variation), and the
    grid spacing h (in ln p) between the two fractions that bracket p50, divided by sqrt(12)
    (a crossing between two grid points that no run resolves is only known to lie between
    them). Raises ValueError if the accuracy does not grow with p (no crossing to fit).
    """
    p, acc = _check_runs(fractions, accuracies)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise ValueError(f"bootstrap must be an integer >= 0, got {bootstrap!r}")
    x = np.log(p)
    levels = np.unique(x)
    means = np.array([acc[x == v].mean() for v in levels])
    bracketed = bool(means.min() < 0.5 < means.max())
    first_above = int(np.argmax(means >= 0.5))
    if bracketed and first_above > 0:
        # fit near the crossing: far-off fractions would only add leverage from the tails
        keep = np.isin(x, levels[max(0, first_above - WINDOW) : first_above + WINDOW])
        x, acc, levels = x[keep], acc[keep], levels[max(0, first_above - WINDOW) : first_above + WINDOW]
    center, width = (float(v[0]) for v in _crossings_of(x, acc[None]))
    if not np.isfinite(center):
        raise ValueError("accuracies must grow with the fraction for a crossing to exist; the fitted slope is <= 0")
    rng = np.random.default_rng(seed)
    # resampling within each fraction keeps the fractions: only the accuracies change
    draws = np.empty((bootstrap, x.size))
    for v in levels:
        at = np.flatnonzero(x == v)
        draws[:, at] = acc[rng.choice(at, size=(bootstrap, at.size))]
    centers = _crossings_of(x, draws)[0] if bootstrap else np.zeros(0)
    centers = centers[np.isfinite(centers)]
    spread = float(np.std(centers, ddof=1)) if len(centers) > 1 else 0.0
    below, above = levels[levels <= center], levels[levels > center]
    spacing = (above.min() - below.max()) if len(below) and len(above) else float(np.diff(levels).max())
    floor = float(spacing / math.sqrt(12))
    return Crossing(p50=float(math.exp(center)), se_log=max(spread, floor), width=float(width), bracketed=bracketed,
                    runs=int(x.size), se_seeds=spread, se_grid=floor)


@dataclass(frozen=True)
class HorizonCrossing:
    """Where a group's runs start to grok within ``horizon`` epochs, seed by seed.

    ``p``: the geometric mean over seeds of each seed's boundary p_s; ``se_log``: the standard
    error of ln p from the seed-to-seed scatter (sd of ln p_s over sqrt(seeds)); ``slope``:
    k = -d ln T_grok / d ln p near the boundary (how fast the grokking time grows as the data
    shrink; it also converts a horizon into a boundary: d ln p / d ln T = -1 / k);
    ``per_seed``: seed -> p_s; ``unbracketed``: seeds left out because their own runs do not
    bracket their boundary (no fraction grokked in time, or none below it failed: e.g. a seed
    added only at fractions on one side).
    """

    p: float
    se_log: float
    slope: float
    per_seed: dict
    unbracketed: tuple = ()

    @property
    def seeds(self) -> int:
        return len(self.per_seed)


def horizon_crossing(fractions, grok_epochs, seeds, horizon: int, *, levels: int = 3) -> HorizonCrossing:
    """The fraction below which a group's runs no longer grok within ``horizon`` epochs, with an
    error from the scatter over seeds (the grid cannot give one when every seed falls on the
    same side of every fraction).

    ``grok_epochs``: per run, the first epoch at which test accuracy reached the run's threshold
    (NaN if it never did). The grokking time rises steeply as p falls, T(p) ~ p^-k near the
    boundary; k is fitted by least squares of ln T on ln p over the grokked runs at the
    ``levels`` lowest fractions where every run grokked within ``horizon``. Seed s's boundary
    p_s is where its own T(p) reaches the horizon: from its lowest fraction p_1 that grokked by
    then, at epoch T_1, ln p_s = ln p_1 - (ln horizon - ln T_1) / k (a step of at most one grid
    interval, towards the fraction below, where the seed did not grok in time). A seed whose own
    runs do not bracket its boundary is left out and named in ``unbracketed``. Raises ValueError
    when fewer than 2 seeds are bracketed or fewer than 2 fractions fix the slope.
    """
    p, T, s = (np.asarray(v, dtype=float).ravel() for v in (fractions, grok_epochs, seeds))
    if not (p.shape == T.shape == s.shape):
        raise ValueError(f"fractions, grok_epochs and seeds must have the same length, got {p.size}, {T.size}, {s.size}")
    _check_horizon(horizon)
    if not np.all((p > 0) & (p <= 1)):
        raise ValueError(f"fractions must lie in (0, 1], got {p[~((p > 0) & (p <= 1))][:3].tolist()}")
    if np.any(T[np.isfinite(T)] < 0):
        raise ValueError("grok_epochs must be >= 0 or NaN (never grokked)")
    made = np.isfinite(T) & (T <= horizon)
    all_made = [v for v in np.unique(p) if made[p == v].all()]
    near = all_made[:levels]
    if len(near) < 2:
        raise ValueError(f"the slope needs at least 2 fractions where every run grokked within {horizon} epochs, "
                         f"got {len(near)}")
    at = np.isin(p, near)
    k = -float(np.polyfit(np.log(p[at]), np.log(np.maximum(T[at], 1.0)), 1)[0])  # a run grokked at epoch 0 counts as 1
    if not k > 0:
        raise ValueError(f"the grokking time must fall as p grows near the boundary; fitted slope k = {k:.3g}")
    per_seed, unbracketed = {}, []
    for seed in np.unique(s):
        mine = s == seed
        grokked = np.sort(p[mine & made])
        if grokked.size == 0 or not np.any(mine & ~made & (p < grokked[0])):
            unbracketed.append(int(seed))
            continue
        p1 = grokked[0]
        T1 = float(T[mine & (p == p1)].min())
        per_seed[int(seed)] = float(math.exp(math.log(p1) - (math.log(horizon) - math.log(max(T1, 1.0))) / k))
    if len(per_seed) < 2:
        raise ValueError(f"the boundary at horizon {horizon} needs at least 2 seeds whose runs bracket it (a fraction "
                         f"that grokked in time and a smaller one that did not), got {len(per_seed)}")
    logs = np.log(list(per_seed.values()))
    return HorizonCrossing(p=float(np.exp(logs.mean())), se_log=float(np.std(logs, ddof=1) / math.sqrt(logs.size)),
                           slope=k, per_seed=per_seed, unbracketed=tuple(unbracketed))


def group_crossings(table, horizon: int | None = None) -> dict:
    """group name -> its crossing, for each group of a run table (``Sweep.table()``: columns
    ``group``, ``train_fraction``, ``final_test_acc``, ``grok_epoch``, ``seed``), in order of
    first appearance: where the final test accuracy crosses 1/2 (:func:`fit_crossing`), or,
    given ``horizon``, the boundary of grokking within that many epochs seed by seed
    (:func:`horizon_crossing`). A group whose runs do not locate it (its fractions do not
    bracket it, too few seeds: a half-made sweep) is left out, so the others still count."""
    if horizon is not None:
        _check_horizon(horizon, "None or a positive integer")
    missing = [c for c in ("group", "train_fraction", "final_test_acc", "grok_epoch", "seed") if c not in table]
    if missing:
        raise ValueError(f"table lacks the columns {missing}")
    group, p, acc, T, seed = (np.asarray(table[c]) for c in ("group", "train_fraction", "final_test_acc",
                                                             "grok_epoch", "seed"))
    found = {}
    for name in dict.fromkeys(group.tolist()):
        at = group == name
        try:
            found[name] = (fit_crossing(p[at], acc[at]) if horizon is None else
                           horizon_crossing(p[at], T[at], seed[at], horizon))
        except ValueError:
            continue
    return found


@dataclass(frozen=True)
class SecondPass:
    """Where a group's second pass of runs goes, read off its first pass: ``bracket`` (p_lo,
    p_hi), the last fraction whose mean final test accuracy is below 1/2 and the first at or
    above it; ``above``: whether the first pass has fewer than two fractions where every run
    grokked within the horizon (:func:`horizon_crossing` fits its slope k to at least two, so
    the second pass adds a fraction above the first pass's largest)."""

    bracket: tuple[float, float]
    above: bool


def second_pass(fractions, accuracies, grok_epochs, horizon: int) -> SecondPass:
    """The bracket of a group's crossing and the need for a fraction above, from the runs of its
    first pass (one entry per run: training fraction, final test accuracy, grokking epoch or
    NaN); see :class:`SecondPass`. Raises ValueError when the first pass does not bracket the
    crossing (every fraction's mean accuracy on one side of 1/2: move the window instead)."""
    p, acc = _check_runs(fractions, accuracies)
    T = np.asarray(grok_epochs, dtype=float).ravel()
    if T.shape != p.shape:
        raise ValueError(f"grok_epochs must have one entry per run ({p.size}), got {T.size}")
    _check_horizon(horizon)
    grid = np.unique(p)
    means = np.array([acc[p == v].mean() for v in grid])
    first = int(np.argmax(means >= 0.5))
    if not means[first] >= 0.5 or first == 0:
        raise ValueError(f"the first pass does not bracket the crossing: mean final test accuracy "
                         f"{np.round(means, 3).tolist()} at fractions {grid.tolist()}")
    made = np.isfinite(T) & (T <= horizon)
    grokked = sum(bool(made[p == v].all()) for v in grid)
    return SecondPass(bracket=(float(grid[first - 1]), float(grid[first])), above=grokked < 2)


LAWS = {
    "c ln M / M": (lambda M: np.log(np.log(M) / M)[:, None], lambda M: np.ones((len(M), 1)), ("c",)),
    "a / M": (lambda M: -np.log(M)[:, None], lambda M: np.ones((len(M), 1)), ("a",)),
    "b M^-alpha": (lambda M: np.zeros((len(M), 1)), lambda M: np.column_stack([np.ones(len(M)), -np.log(M)]),
                   ("b", "alpha")),
}
"""law -> (offset(M), design(M), parameter names): ln p_c = offset + design @ theta, where the
parameters are theta = (ln c), (ln a) or (ln b, alpha)."""


@dataclass(frozen=True)
class LawFit:
    """A law p_c(M) fitted to measured crossings.

    ``params`` and ``se``: each parameter and its standard error (c, a, b on their own scale,
    alpha as the exponent); the errors are scaled up by sqrt(chi2 / dof) when that exceeds 1
    (the points scatter more than their error bars). ``chi2``: sum of squared residuals in
    ln p_c over se_log^2; ``dof``: points minus parameters; ``residuals``: ln p_c - ln law;
    ``cov``: the (scaled) covariance of the fitted (ln c), (ln a) or (ln b, alpha).
    """

    law: str
    params: dict
    se: dict
    chi2: float
    dof: int
    residuals: np.ndarray
    cov: np.ndarray

    @property
    def aic(self) -> float:
        """chi2 + 2 (number of parameters): lower is better, a parameter must earn its place."""
        return self.chi2 + 2 * len(self.params)

    def __call__(self, M) -> np.ndarray:
        """The law's p_c at orders M."""
        M = np.asarray(M, dtype=float)
        if self.law == "c ln M / M":
            return self.params["c"] * np.log(M) / M
        if self.law == "a / M":
            return self.params["a"] / M
        return self.params["b"] * M ** (-self.params["alpha"])

    def predict(self, M) -> tuple[np.ndarray, np.ndarray]:
        """The law's p_c at orders M and the standard error of its ln p_c there (from ``cov``,
        so it grows away from the fitted orders for the two-parameter law)."""
        M = np.atleast_1d(np.asarray(M, dtype=float))
        design = LAWS[self.law][1](M)
        return self(M), np.sqrt(np.einsum("ij,jk,ik->i", design, self.cov, design))


def fit_law(orders, p_c, se_log, law: str = "c ln M / M") -> LawFit:
    """Fit ``law`` (a key of :data:`LAWS`) to crossings p_c at group orders M.

    Weighted least squares on ln p_c with weights 1 / se_log^2 (Theorem 4's p_c ~ ln M / M
    is a statement about ratios, so the fit works with relative errors). Raises ValueError
    for mismatched lengths, orders < 2, non-positive p_c or se_log, or too few points.
    """
    if law not in LAWS:
        raise ValueError(f"law must be one of {sorted(LAWS)}, got {law!r}")
    M = np.asarray(orders, dtype=float).ravel()
    p = np.asarray(p_c, dtype=float).ravel()
    s = np.asarray(se_log, dtype=float).ravel()
    if not (M.shape == p.shape == s.shape):
        raise ValueError(f"orders, p_c and se_log must have the same length, got {M.size}, {p.size}, {s.size}")
    if not np.all(M >= 2):
        raise ValueError(f"orders must be >= 2, got {M[M < 2].tolist()}")
    if not (np.all(p > 0) and np.all(np.isfinite(p))):
        raise ValueError(f"p_c must be positive and finite, got {p.tolist()}")
    if not (np.all(s > 0) and np.all(np.isfinite(s))):
        raise ValueError(f"se_log must be positive and finite, got {s.tolist()}")
    offset, design, names = LAWS[law]
    A, y = design(M), np.log(p) - offset(M)[:, 0]
    if len(M) <= A.shape[1]:
        raise ValueError(f"law {law!r} needs more than {A.shape[1]} points, got {len(M)}")
    w = 1.0 / s
    theta, *_ = np.linalg.lstsq(A * w[:, None], y * w, rcond=None)
    resid = y - A @ theta
    chi2 = float(np.sum((resid * w) ** 2))
    dof = len(M) - A.shape[1]
    cov = np.linalg.inv((A * w[:, None]).T @ (A * w[:, None])) * max(1.0, chi2 / dof)
    errors = np.sqrt(np.diag(cov))
    params, se = {}, {}
    for i, name in enumerate(names):
        if name == "alpha":
            params[name], se[name] = float(theta[i]), float(errors[i])
        else:  # a scale on the log: report it and its delta-method error
            params[name], se[name] = float(math.exp(theta[i])), float(math.exp(theta[i]) * errors[i])
    return LawFit(law=law, params=params, se=se, chi2=chi2, dof=dof, residuals=resid, cov=cov)


@dataclass(frozen=True)
class Holdout:
    """A law fitted to some crossings and tested on the others: ``fit`` (the LawFit on the
    fitted ones), ``orders`` of the held-out groups, ``log_error``: ln p_50 - ln predicted, and
    ``z``: that over the combined error sqrt(s^2 se_log^2 + se_pred^2), where s^2 = max(1,
    chi2 / dof) of the fit (the scatter of the fitted points beyond their own errors, e.g. from
    group to group, is expected of the held-out ones too)."""

    fit: LawFit
    orders: np.ndarray
    log_error: np.ndarray
    z: np.ndarray

    @property
    def chi2(self) -> float:
        """sum z^2: about the number of held-out groups when the law predicts them."""
        return float(np.sum(self.z**2))


def holdout(orders, p_c, se_log, law: str, fitted) -> Holdout:
    """Fit ``law`` to the crossings where the boolean mask ``fitted`` holds and predict the rest:
    a check that can fail, unlike a goodness of fit on the same points (e.g. fit orders <= 71,
    predict orders >= 83)."""
    M, p, s = (np.asarray(v, dtype=float).ravel() for v in (orders, p_c, se_log))
    keep = np.asarray(fitted)
    if keep.dtype != bool or keep.shape != M.shape:
        raise ValueError(f"fitted must be a boolean mask of length {M.size}, got {keep.dtype} of shape {keep.shape}")
    if keep.all():
        raise ValueError("fitted must leave at least one crossing out to predict")
    fit = fit_law(M[keep], p[keep], s[keep], law)
    predicted, se_pred = fit.predict(M[~keep])
    error = np.log(p[~keep]) - np.log(predicted)
    scale2 = max(1.0, fit.chi2 / fit.dof)
    return Holdout(fit=fit, orders=M[~keep], log_error=error, z=error / np.sqrt(scale2 * s[~keep] ** 2 + se_pred**2))


def ratio(top: LawFit, bottom: LawFit, name: str = "c") -> tuple[float, float]:
    """top.params[name] / bottom.params[name] and its standard error (independent fits)."""
    for fit in (top, bottom):
        if name not in fit.params:
            raise ValueError(f"name must be a parameter of both fits, got {name!r} (have {sorted(fit.params)})")
    r = top.params[name] / bottom.params[name]
    rel = math.hypot(top.se[name] / top.params[name], bottom.se[name] / bottom.params[name])
    return r, r * rel


def accuracy_at(history: dict, epoch: int, metric: str = "test_acc") -> float:
    """``metric`` of a run's ``history`` at ``epoch``: its last logged value at or before it.

    A run that stopped early (it reached ``stop_at_test_acc``) keeps its last value at later
    epochs, as if trained on; a run that did not reach ``epoch`` otherwise has no value there.
    Raises ValueError if the history starts after ``epoch`` or lacks ``metric``.
    """
    if metric not in history or "epoch" not in history:
        raise ValueError(f"history must hold 'epoch' and {metric!r}, got {sorted(history)}")
    epochs = np.asarray(history["epoch"])
    if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or len(epochs) == 0 or epoch < epochs[0]:
        raise ValueError(f"epoch must be an integer >= the first logged epoch "
                         f"({epochs[0] if len(epochs) else 'none'}), got {epoch!r}")
    return float(np.asarray(history[metric])[np.searchsorted(epochs, epoch, side="right") - 1])
