"""The boundary fits of li2lib.measure.scaling, on synthetic data whose answer is known."""

import math

import numpy as np
import pytest

from li2lib.measure.scaling import LAWS, accuracy_at, fit_crossing, fit_law, holdout, logistic, ratio


def synthetic_runs(p50, width, levels, seeds, noise, rng):
    p = np.repeat(levels, seeds)
    acc = np.clip(logistic(p, p50, width) + noise * rng.standard_normal(p.size), 0, 1)
    return p, acc


def test_crossing_recovers_a_known_logistic():
    rng = np.random.default_rng(1)
    levels = 0.1 * 1.15 ** np.arange(12)
    for p50, width in [(0.2, 0.08), (0.31, 0.15), (0.45, 0.05)]:
        p, acc = synthetic_runs(p50, width, levels, 5, 0.05, rng)
        fit = fit_crossing(p, acc, bootstrap=200)
        assert fit.bracketed and fit.runs in (15, 20)  # two fractions on each side (one above at the grid top)
        assert abs(math.log(fit.p50 / p50)) < 3 * fit.se_log + 0.02, (fit, p50)
        assert fit.se_log < 0.1
        assert fit.se_log == max(fit.se_seeds, fit.se_grid)


def test_crossing_error_from_seeds_matches_the_scatter_of_repeated_experiments():
    """On a fine grid with noisy seeds the bootstrap dominates the grid floor, and it agrees
    with the spread of p50 over independent repetitions of the whole experiment."""
    levels = 0.2 * 1.03 ** np.arange(20)
    rng = np.random.default_rng(7)
    fits = [fit_crossing(*synthetic_runs(0.3, 0.1, levels, 5, 0.15, rng), bootstrap=300, seed=i) for i in range(60)]
    assert np.mean([f.from_seeds for f in fits]) > 0.7  # measured 0.82
    spread = np.std([math.log(f.p50) for f in fits], ddof=1)
    typical = np.median([f.se_seeds for f in fits])
    assert 0.7 < typical / spread < 1.6, (typical, spread)  # measured 1.18


def test_crossing_of_a_sharp_step_sits_between_the_bracketing_levels():
    levels = np.array([0.2, 0.25, 0.3, 0.36, 0.45])
    p = np.repeat(levels, 3)
    acc = np.where(p < 0.33, 0.0, 1.0)
    fit = fit_crossing(p, acc, bootstrap=50)
    assert 0.3 < fit.p50 < 0.36
    assert fit.p50 == pytest.approx(math.sqrt(0.3 * 0.36), rel=0.01)  # about midway in ln p
    assert fit.se_log == pytest.approx(math.log(0.36 / 0.3) / math.sqrt(12), rel=1e-6)  # only the grid limits it
    assert fit.se_seeds == 0 and not fit.from_seeds  # the seeds agree: nothing measured beyond the grid
    low, high = fit.interval()
    assert low < fit.p50 < high


def test_crossing_knows_when_it_extrapolates():
    p = np.repeat([0.3, 0.4, 0.5], 2)
    fit = fit_crossing(p, [0.6, 0.7, 0.8, 0.9, 1.0, 1.0], bootstrap=20)
    assert not fit.bracketed and fit.p50 < 0.3


def test_crossing_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        fit_crossing([0.1, 0.2], [0.0])
    with pytest.raises(ValueError, match=r"fractions must lie in \(0, 1\]"):
        fit_crossing([0.0, 0.2], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"accuracies must lie in \[0, 1\]"):
        fit_crossing([0.1, 0.2], [0.0, float("nan")])
    with pytest.raises(ValueError, match="at least 2 distinct"):
        fit_crossing([0.2, 0.2], [0.0, 1.0])
    with pytest.raises(ValueError, match="must grow with the fraction"):
        fit_crossing([0.1, 0.2, 0.3], [1.0, 0.5, 0.0])
    with pytest.raises(ValueError, match="bootstrap must be"):
        fit_crossing([0.1, 0.2], [0.0, 1.0], bootstrap=-1)


def test_law_fits_recover_their_own_law():
    M = np.array([17, 23, 31, 41, 47, 71, 127])
    se = np.full(M.size, 0.05)
    exact = fit_law(M, 2.7482 * np.log(M) / M, se, "c ln M / M")
    assert exact.params["c"] == pytest.approx(2.7482, rel=1e-10) and exact.chi2 < 1e-20 and exact.dof == 6
    inverse = fit_law(M, 5.0 / M, se, "a / M")
    assert inverse.params["a"] == pytest.approx(5.0, rel=1e-10)
    power = fit_law(M, 3.0 * M**-0.7, se, "b M^-alpha")
    assert power.params["alpha"] == pytest.approx(0.7, rel=1e-10) and power.params["b"] == pytest.approx(3.0)
    np.testing.assert_allclose(power(M), 3.0 * M**-0.7)
    # the wrong one-parameter law leaves a visible misfit on the same points
    wrong = fit_law(M, 2.7482 * np.log(M) / M, se, "a / M")
    assert wrong.chi2 > 50 and wrong.aic > exact.aic


def test_law_fit_matches_a_brute_force_minimum_and_its_error_the_scatter():
    rng = np.random.default_rng(3)
    M = np.array([17, 23, 31, 41, 47])
    se = np.array([0.05, 0.08, 0.04, 0.06, 0.1])
    p = 2.5 * np.log(M) / M * np.exp(se * rng.standard_normal(M.size))
    fit = fit_law(M, p, se, "c ln M / M")
    grid = np.linspace(2.0, 3.0, 200001)
    chi2 = (((np.log(p)[None] - np.log(grid[:, None] * np.log(M) / M)) / se) ** 2).sum(axis=1)
    assert fit.params["c"] == pytest.approx(grid[np.argmin(chi2)], abs=1e-5)
    assert fit.chi2 == pytest.approx(chi2.min(), rel=1e-6)
    # one sigma of c is where chi2 has grown by 1 (times the Birge factor if chi2/dof > 1)
    grown = grid[chi2 <= chi2.min() + max(1.0, fit.chi2 / fit.dof)]
    assert (grown.max() - grown.min()) / 2 == pytest.approx(fit.se["c"], rel=0.02)


def test_ratio_and_law_errors():
    M = np.array([18, 24, 30, 40])
    one = fit_law(M, 2.7 * np.log(M) / M * np.array([1.02, 0.98, 1.01, 0.99]), np.full(4, 0.05))
    four = fit_law(M, 10.8 * np.log(M) / M * np.array([0.97, 1.03, 1.0, 1.0]), np.full(4, 0.05))
    r, se = ratio(four, one)
    assert r == pytest.approx(4.0, rel=0.03) and 0 < se < 0.5
    assert set(LAWS) == {"c ln M / M", "a / M", "b M^-alpha"}
    with pytest.raises(ValueError, match="law must be one of"):
        fit_law(M, np.full(4, 0.3), np.full(4, 0.1), "exp")
    with pytest.raises(ValueError, match="same length"):
        fit_law(M, np.full(3, 0.3), np.full(4, 0.1))
    with pytest.raises(ValueError, match="se_log must be positive"):
        fit_law(M, np.full(4, 0.3), np.zeros(4))
    with pytest.raises(ValueError, match="needs more than 2 points"):
        fit_law(M[:2], np.full(2, 0.3), np.full(2, 0.1), "b M^-alpha")
    with pytest.raises(ValueError, match="name must be a parameter of both"):
        ratio(one, four, "alpha")


def test_accuracy_at_reads_the_last_logged_value():
    history = {"epoch": np.array([0, 50, 100, 150]), "test_acc": np.array([0.0, 0.1, 0.6, 0.995])}
    assert accuracy_at(history, 0) == 0.0
    assert accuracy_at(history, 99) == 0.1 and accuracy_at(history, 100) == 0.6
    assert accuracy_at(history, 3000) == 0.995  # stopped at 150: it keeps its value
    with pytest.raises(ValueError, match="epoch must be an integer"):
        accuracy_at({"epoch": np.array([10]), "test_acc": np.array([0.0])}, 5)
    with pytest.raises(ValueError, match="history must hold"):
        accuracy_at({"epoch": np.array([0])}, 5)


def test_holdout_predicts_its_own_law_and_rejects_a_wrong_one():
    """Crossings drawn from c ln M / M with known noise: the law fitted on the small orders
    predicts the large ones (z about N(0, 1)), a / M does not, and the prediction's error
    agrees with the spread of predictions over repeated noisy data."""
    rng = np.random.default_rng(3)
    M = np.array([17, 23, 31, 41, 47, 53, 61, 71, 83, 97, 113, 127], dtype=float)
    se = np.full(M.size, 0.05)
    small = M <= 71
    z_true, z_wrong, off, predictions, se_pred = [], [], [], [], []
    for _ in range(200):
        p = 2.7 * np.log(M) / M * np.exp(se * rng.standard_normal(M.size))
        good = holdout(M, p, se, "c ln M / M", small)
        z_true.extend(good.z)
        wrong = holdout(M, p, se, "a / M", small)
        z_wrong.append(wrong.chi2)
        off.append(np.mean(wrong.log_error))
        power = holdout(M, p, se, "b M^-alpha", small)
        predictions.append(math.log(power.fit(127.0)))
        se_pred.append(power.fit.predict(127.0)[1][0])
        assert list(good.orders) == [83, 97, 113, 127]
    assert abs(np.mean(z_true)) < 0.1 and 0.85 < np.std(z_true) < 1.15
    assert np.median(z_wrong) > 9.49  # chi^2 on 4 held-out points above its 95% point
    assert np.median(off) > 0.2  # a / M, too steep, predicts too little data at the large orders
    assert np.median(se_pred) == pytest.approx(np.std(predictions), rel=0.25)


def test_holdout_rejects_bad_masks():
    M, p, se = [17, 23, 31, 41], [0.45, 0.37, 0.3, 0.25], [0.05] * 4
    with pytest.raises(ValueError, match="fitted must be a boolean mask"):
        holdout(M, p, se, "c ln M / M", [1, 1, 0, 0])
    with pytest.raises(ValueError, match="at least one crossing out"):
        holdout(M, p, se, "c ln M / M", np.ones(4, bool))


def synthetic_grok_epochs(p_star, k, sigma, levels, seeds, rng, horizon=3000):
    """Grokking times T = horizon (p / p_s)^-k, each seed s with its own boundary
    p_s = p_star exp(sigma eps_s); NaN where T exceeds the horizon (the run never grokked)."""
    own = p_star * np.exp(sigma * rng.standard_normal(seeds))
    p = np.tile(levels, seeds)
    s = np.repeat(np.arange(seeds), len(levels))
    T = horizon * (p / own[s]) ** -k
    return p, np.where(T <= horizon, np.round(T / 50) * 50, np.nan), s, own  # logged every 50 epochs


def test_horizon_crossing_recovers_each_seeds_boundary_and_its_scatter():
    """Each seed's boundary, from its grokking times, comes back to within the 50-epoch logging
    resolution; the standard error matches the scatter over repeated experiments, far below the
    grid's h / sqrt(12) (every seed falls on the same side of every fraction)."""
    from li2lib.measure.scaling import horizon_crossing

    levels = 0.15 * 1.25 ** np.arange(6)
    rng = np.random.default_rng(5)
    estimates, errors = [], []
    for _ in range(100):
        p, T, s, own = synthetic_grok_epochs(0.25, 4.0, 0.02, levels, 5, rng)
        found = horizon_crossing(p, T, s, 3000)
        assert found.slope == pytest.approx(4.0, rel=0.05)
        for seed, value in found.per_seed.items():
            assert abs(math.log(value / own[seed])) < 0.02, (seed, value, own[seed])
        estimates.append(math.log(found.p))
        errors.append(found.se_log)
    spread = np.std(estimates, ddof=1)
    assert np.mean(estimates) == pytest.approx(math.log(0.25), abs=0.01)
    assert 0.6 < np.median(errors) / spread < 1.5, (np.median(errors), spread)
    assert spread < 0.3 * math.log(1.25) / math.sqrt(12)
    # a shorter horizon moves the boundary up by (ln 3000 - ln T) / k
    p, T, s, _ = synthetic_grok_epochs(0.25, 4.0, 0.0, 0.15 * 1.1 ** np.arange(15), 3, rng)
    early = horizon_crossing(p, T, s, 1000)
    assert math.log(early.p / 0.25) == pytest.approx(math.log(3) / 4.0, abs=0.02)


def test_horizon_crossing_rejects_what_it_cannot_measure():
    from li2lib.measure.scaling import horizon_crossing

    p = np.repeat([0.2, 0.25, 0.3], 2)
    s = np.tile([0, 1], 3)
    with pytest.raises(ValueError, match="same length"):
        horizon_crossing(p, [1.0], s, 3000)
    with pytest.raises(ValueError, match="horizon must be a positive integer"):
        horizon_crossing(p, np.full(6, 100.0), s, 0)
    with pytest.raises(ValueError, match="needs at least 2 seeds"):  # every run grokked: no failing fraction below
        horizon_crossing(p, [900, 900, 600, 600, 400, 400], s, 3000)
    # a seed run only on one side of its boundary is left out, and named
    three = horizon_crossing(np.r_[p, 0.3], [np.nan, np.nan, 900, 950, 600, 620, 500], np.r_[s, 2], 3000)
    assert three.unbracketed == (2,) and sorted(three.per_seed) == [0, 1]
    with pytest.raises(ValueError, match="at least 2 fractions"):
        horizon_crossing(p, [np.nan, np.nan, np.nan, np.nan, 400, 400], s, 3000)


def test_group_crossings_measures_each_group_of_a_table_and_leaves_out_what_it_cannot_locate():
    """Two synthetic groups with known boundaries and a third whose runs all grokked: the first two
    come back (by final accuracy and by grokking time, each agreeing with the single-group
    function on its own rows), the third is left out, not guessed."""
    from li2lib.measure.scaling import fit_crossing, group_crossings, horizon_crossing

    rng = np.random.default_rng(3)
    levels = 0.15 * 1.25 ** np.arange(6)
    parts = []
    for name, p_star in (("Z_31", 0.3), ("Z_53", 0.2), ("Z_7", 0.01)):
        p, T, s, _ = synthetic_grok_epochs(p_star, 4.0, 0.02, levels, 4, rng)
        parts.append(dict(group=np.full(p.size, name, dtype=object), train_fraction=p, grok_epoch=T, seed=s,
                          final_test_acc=np.where(np.isfinite(T), 1.0, 0.0)))
    table = {c: np.concatenate([part[c] for part in parts]) for c in parts[0]}
    by_acc, by_time = group_crossings(table), group_crossings(table, horizon=3000)
    assert list(by_acc) == list(by_time) == ["Z_31", "Z_53"]
    for name, p_star in (("Z_31", 0.3), ("Z_53", 0.2)):
        at = table["group"] == name
        assert by_acc[name] == fit_crossing(table["train_fraction"][at], table["final_test_acc"][at])
        assert by_time[name] == horizon_crossing(table["train_fraction"][at], table["grok_epoch"][at],
                                                 table["seed"][at], 3000)
        assert abs(math.log(by_time[name].p / p_star)) < 0.05
    with pytest.raises(ValueError, match="horizon must be None or a positive integer"):
        group_crossings(table, horizon=0)
    with pytest.raises(ValueError, match=r"lacks the columns \['seed'\]"):
        group_crossings({c: v for c, v in table.items() if c != "seed"})


def test_second_pass_brackets_the_crossing_and_asks_for_a_fraction_above_when_the_slope_needs_one():
    """The bracket is the last fraction with mean accuracy below 1/2 and the first at or above it
    (means 0, 1/3, 2/3, 1 here: not the first fraction that any run passed); a fraction above is
    asked for when fewer than two fractions grokked in every run within the horizon."""
    from li2lib.measure.scaling import second_pass

    p = np.repeat([0.1, 0.2, 0.3, 0.4], 3)
    acc = np.array([0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1], dtype=float)
    T = np.where(acc > 0.5, 900.0, np.nan)
    T[-1] = 1200.0
    got = second_pass(p, acc, T, horizon=1000)
    assert got.bracket == (0.2, 0.3) and got.above  # no fraction grokked in every run by 1000
    assert second_pass(p, acc, T, horizon=1200).above  # by 1200, 0.4 alone: one fraction ...
    acc[6:9] = 1.0
    T = np.where(acc > 0.5, 900.0, np.nan)
    assert not second_pass(p, acc, T, horizon=1000).above  # ... 0.3 and 0.4 now: the slope has two
    with pytest.raises(ValueError, match="does not bracket"):
        second_pass(p, np.ones_like(acc), T, horizon=1000)
    with pytest.raises(ValueError, match="does not bracket"):
        second_pass(p, np.zeros_like(acc), T, horizon=1000)
    with pytest.raises(ValueError, match="horizon must be"):
        second_pass(p, acc, T, horizon=0)
    with pytest.raises(ValueError, match="grok_epochs must have one entry per run"):
        second_pass(p, acc, T[:-1], horizon=1000)
