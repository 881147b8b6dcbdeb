"""The dataset of Sec. 2: shapes, labels, splits, centring and the critical fraction."""

import math

import numpy as np
import pytest

from li2lib.data import centered_targets, critical_fraction, full_dataset, one_hot_inputs, pairs, split_indices
from li2lib.groups import cyclic, dihedral, symmetric


@pytest.mark.parametrize("g", [cyclic(7), dihedral(4), symmetric(3)], ids=lambda g: g.name)
def test_full_dataset_encodes_every_pair(g):
    X, y = full_dataset(g)
    m = g.order
    assert X.shape == (m * m, 2 * m) and y.shape == (m * m,)
    assert (X.sum(axis=1) == 2).all()
    a = X[:, :m].argmax(1)
    b = X[:, m:].argmax(1)
    assert (y == g.table[a, b]).all()
    # every ordered pair appears exactly once, in row-major order
    assert (a * m + b == np.arange(m * m)).all()
    # every class appears M times in the full table
    assert (np.bincount(y, minlength=m) == m).all()


def test_pairs_and_one_hot_agree():
    g = cyclic(5)
    a, b, y = pairs(g)
    X = one_hot_inputs(a, b, 5)
    assert np.array_equal(X, full_dataset(g)[0])
    assert (y == (a + b) % 5).all()
    sub = np.array([3, 7, 24])
    a2, b2, y2 = pairs(g, sub)
    assert list(a2) == [0, 1, 4] and list(b2) == [3, 2, 4] and list(y2) == [3, 3, 3]


def test_split_by_fraction_and_by_count():
    tr, te = split_indices(5041, train_fraction=0.4, seed=3)
    assert len(tr) == 2016 and len(te) == 3025  # the paper's n = 2016 for Z_71 at 40%
    assert len(np.intersect1d(tr, te)) == 0
    assert np.array_equal(np.union1d(tr, te), np.arange(5041))
    tr2, te2 = split_indices(5041, train_size=2016, seed=3)
    assert np.array_equal(tr, tr2) and np.array_equal(te, te2)
    tr_all, te_none = split_indices(10, train_fraction=1.0)
    assert len(tr_all) == 10 and len(te_none) == 0


def test_split_is_seeded():
    a = split_indices(100, train_fraction=0.3, seed=1)[0]
    assert np.array_equal(a, split_indices(100, train_fraction=0.3, seed=1)[0])
    assert not np.array_equal(a, split_indices(100, train_fraction=0.3, seed=2)[0])
    # the first n of the seeded permutation, sorted (the split every stored run was trained on)
    first = np.random.default_rng(1).permutation(100)
    train, test = split_indices(100, train_fraction=0.3, seed=1)
    assert np.array_equal(train, np.sort(first[:30])) and np.array_equal(test, np.sort(first[30:]))


@pytest.mark.parametrize("bad", [0, 1.5, -0.1, float("nan"), "0.3", True])
def test_bad_fraction_raises(bad):
    with pytest.raises(ValueError, match=r"train_fraction must be in \(0, 1\]"):
        split_indices(100, train_fraction=bad)


def test_bad_split_arguments_raise():
    with pytest.raises(ValueError, match="exactly one"):
        split_indices(100)
    with pytest.raises(ValueError, match="exactly one"):
        split_indices(100, train_fraction=0.5, train_size=10)
    with pytest.raises(ValueError, match=r"train_size must be an integer in \[1, 100\]"):
        split_indices(100, train_size=101)
    with pytest.raises(ValueError, match="num_samples"):
        split_indices(0, train_fraction=0.5)


def test_centered_targets_are_sample_centred():
    g = cyclic(6)
    _, y = full_dataset(g)
    Yt = centered_targets(y, 6)
    np.testing.assert_allclose(Yt.sum(axis=0), 0, atol=1e-12)
    # on the full table this is Y - 1/M
    Y = np.eye(6)[y]
    np.testing.assert_allclose(Yt, Y - 1 / 6, atol=1e-12)
    # on a subset, P_1^perp Y = (I - 11^T/n) Y
    sub = y[:10]
    P = np.eye(10) - np.ones((10, 10)) / 10
    np.testing.assert_allclose(centered_targets(sub, 6), P @ np.eye(6)[sub], atol=1e-12)


def test_critical_fraction():
    assert critical_fraction(71) == pytest.approx(2.7482 * math.log(71) / 71)
    assert critical_fraction(71) == pytest.approx(0.165, abs=5e-4)
    assert critical_fraction(127, c=5.82) == pytest.approx(0.222, abs=5e-4)
    with pytest.raises(ValueError, match="order must be an integer >= 2"):
        critical_fraction(1)
    with pytest.raises(ValueError, match="c must be positive"):
        critical_fraction(71, c=0)
