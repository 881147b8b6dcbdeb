"""The group-arithmetic dataset of the paper (Sec. 2) and its train/test split.

For a group H of order M, sample i is a pair (h1, h2) with input
x_i = [e_{h1}; e_{h2}] in R^{2M} (two concatenated one-hots) and target y_i = e_{h1 h2}.
The full table has n = M^2 samples; pair (a, b) is row ``a * M + b``.
"""

from __future__ import annotations

import math

import numpy as np

from .groups import Group
from .seeding import offset_seed

__all__ = [
    "pairs",
    "one_hot_inputs",
    "full_dataset",
    "split_indices",
    "train_count",
    "centered_targets",
    "critical_fraction",
]

CRITICAL_RATIO_MULTIPLIER = 2.7482
"""The constant c of p_c = c ln M / M in the author's code (not stated in the paper's text)."""


def pairs(group: Group, idx=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ordered pairs as index arrays ``(a, b, y)`` with y = a*b: all M^2 of them, row i being
    (i // M, i % M), or only the rows ``idx`` (e.g. a training split from :func:`split_indices`)."""
    m = group.order
    rows = np.arange(m * m, dtype=np.int64) if idx is None else np.asarray(idx, dtype=np.int64)
    a, b = np.divmod(rows, m)
    return a, b, group.table[a, b]


def one_hot_inputs(a: np.ndarray, b: np.ndarray, order: int) -> np.ndarray:
    """The paper's X: row i is [e_{a_i}; e_{b_i}] in R^{2M} (float32)."""
    a, b = np.asarray(a), np.asarray(b)
    X = np.zeros((len(a), 2 * order), dtype=np.float32)
    rows = np.arange(len(a))
    X[rows, a] = 1.0
    X[rows, order + b] = 1.0
    return X


def full_dataset(group: Group) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` for the whole Cayley table: X in R^{M^2 x 2M}, y the M^2 product indices."""
    a, b, y = pairs(group)
    return one_hot_inputs(a, b, group.order), y


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 < value <= 1:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return float(value)


def train_count(num_samples: int, *, train_fraction: float | None = None, train_size: int | None = None) -> int:
    """n, the size of the training set :func:`split_indices` draws: ``train_size``, or
    floor(fraction * num_samples) and at least 1 (the paper's Fig. 3: 40% of 71^2 = 5041 pairs,
    n = 2016). Give exactly one of the two."""
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
        raise ValueError(f"num_samples must be an integer >= 1, got {num_samples!r}")
    if (train_fraction is None) == (train_size is None):
        raise ValueError(
            f"give exactly one of train_fraction and train_size, got train_fraction={train_fraction!r}, "
            f"train_size={train_size!r}"
        )
    if train_fraction is not None:
        return max(1, math.floor(_check_fraction(train_fraction, "train_fraction") * num_samples + 1e-9))
    if isinstance(train_size, bool) or not isinstance(train_size, (int, np.integer)) or not 1 <= train_size <= num_samples:
        raise ValueError(f"train_size must be an integer in [1, {num_samples}], got {train_size!r}")
    return int(train_size)


def split_indices(
    num_samples: int,
    *,
    train_fraction: float | None = None,
    train_size: int | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random train/test split of ``range(num_samples)``, by fraction or by count.

    Give exactly one of ``train_fraction`` or ``train_size`` (see :func:`train_count`).
    Returns sorted ``(train_idx, test_idx)``; they are disjoint and together cover every sample.
    The seed used is ``seed + LI2_SEED_OFFSET`` (:mod:`li2lib.seeding`), as in training.
    """
    n_train = train_count(num_samples, train_fraction=train_fraction, train_size=train_size)
    return seeded_split(num_samples, n_train, offset_seed(seed))


def seeded_split(num_samples: int, n_train: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The split of :func:`split_indices` for a seed used as it is (any offset already added):
    the first ``n_train`` entries of a seeded permutation, and the rest, each sorted."""
    train = np.zeros(num_samples, dtype=bool)
    train[np.random.default_rng(seed).permutation(num_samples)[:n_train]] = True
    return np.flatnonzero(train), np.flatnonzero(~train)


def centered_targets(y: np.ndarray, order: int) -> np.ndarray:
    """Y~ = P_1^perp Y: the one-hot targets with each column's mean over samples removed (Eq. 1).

    ``P_1^perp = I - 1 1^T / n`` acts along the sample dimension. On the full table every class
    occurs M times, so Y~ = Y - 1/M.
    """
    Y = np.zeros((len(y), order))
    Y[np.arange(len(y)), np.asarray(y)] = 1.0
    return Y - Y.mean(axis=0, keepdims=True)


def critical_fraction(order: int, c: float = CRITICAL_RATIO_MULTIPLIER) -> float:
    """The critical training fraction p_c = c ln M / M of the scaling law (Theorem 4) for a
    group of order M (``order``).

    The theorem gives n ~ M log M samples up to a constant; c = 2.7482 is the value in the
    author's code (an earlier commit used 5.82). For M = 71 this is p_c ~ 0.165.
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 2:
        raise ValueError(f"order must be an integer >= 2, got {order!r}")
    if not c > 0:
        raise ValueError(f"c must be positive, got {c!r}")
    return c * math.log(order) / order
