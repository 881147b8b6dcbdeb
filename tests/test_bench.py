"""The benchmark's FLOP counts, against the products written out shape by shape."""

import pytest

from li2lib import bench


def test_epoch_flops_count_each_product_of_an_epoch():
    order, hidden, n, n_test = 11, 7, 40, 81
    matmul = lambda rows, inner, cols: 2.0 * rows * inner * cols  # noqa: E731 - multiply-adds of (rows x inner) @ (inner x cols)
    readout = matmul(n, hidden, order)  # F V, and each of dV = F^T dY, dF = dY V^T has the same count
    ours = 3 * readout + matmul(n_test, hidden, order)
    first = matmul(n, 2 * order, hidden)  # X W forward; X^T dH backward has the same count
    plain = ours + 2 * first + matmul(n_test, 2 * order, hidden)
    assert bench.epoch_flops(order, hidden, n, n_test) == pytest.approx((ours, plain), rel=1e-12)


def test_sweep_epoch_flops_spread_the_test_pass_over_eval_every():
    order, hidden, n = 13, 5, 60
    every_epoch = bench.epoch_flops(order, hidden, n, order**2 - n)[0]
    assert bench.sweep_epoch_flops(order, hidden, n, 1) == pytest.approx(every_epoch, rel=1e-12)
    test_pass = 2.0 * (order**2 - n) * hidden * order
    assert bench.sweep_epoch_flops(order, hidden, n, 1) - bench.sweep_epoch_flops(order, hidden, n, 4) == \
        pytest.approx(test_pass * (1 - 1 / 4), rel=1e-12)


def test_fig5_estimate_scales_as_the_cube_of_the_order():
    one = bench.fig5_estimate({10: 1e-3})
    assert bench.fig5_estimate({20: 8e-3}) == pytest.approx(one, rel=1e-12)
    assert bench.fig5_estimate({10: 1e-3}, seeds=40) == pytest.approx(2 * one, rel=1e-12)
