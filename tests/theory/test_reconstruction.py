"""Theorem 3's constructions rebuild the centred targets of Z_M exactly; too few nodes do not."""

import numpy as np

from li2lib.data import centered_targets, full_dataset
from li2lib.groups import cyclic
from li2lib.theory.reconstruction import complex_pair_nodes, fourier_nodes, memorization_nodes, readout_residual


def test_theorem3_constructions():
    M = 11
    X, y = full_dataset(cyclic(M))
    Yt = centered_targets(y, M)
    # complex +- pairs: 2(M-1) nodes reconstruct exactly
    W = complex_pair_nodes(M)
    assert W.shape == (2 * M, 2 * (M - 1))
    assert readout_residual((X @ W) ** 2, Yt) < 1e-10
    # ... and the pair's difference is 4 u(a + b)
    k, a, b = 3, np.arange(M * M) // M, np.arange(M * M) % M
    F = (X @ W[:, 2 * (k - 1) : 2 * k]) ** 2
    np.testing.assert_allclose(F[:, 0] - F[:, 1], 4 * np.exp(2j * np.pi * k * (a + b) / M), atol=1e-12)
    # generic real single-frequency nodes: 8 per frequency suffice, 4 do not
    rng = np.random.default_rng(0)
    def real(r):
        ks = np.repeat(np.arange(1, M // 2 + 1), r)
        return fourier_nodes(M, ks, rng.uniform(0, 2 * np.pi, len(ks)), rng.uniform(0, 2 * np.pi, len(ks)))
    assert readout_residual((X @ real(8)) ** 2, Yt) < 1e-10
    assert readout_residual((X @ real(4)) ** 2, Yt) > 0.3
    np.testing.assert_allclose(np.linalg.norm(real(2), axis=0), 1)
    # memorisation needs every pair
    assert readout_residual((X @ memorization_nodes(M, a, b)) ** 2, Yt) < 1e-10
    assert readout_residual((X @ memorization_nodes(M, a[:-5], b[:-5])) ** 2, Yt) > 1e-3
