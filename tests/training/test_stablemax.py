"""StableMax cross-entropy (Prieto et al. 2025): its formula, its gradient by hand, and that it
does not round to a zero loss where float32 softmax cross-entropy does."""

import numpy as np
import pytest
import torch

import li2lib
from li2lib.training import LOSSES, SAMPLE_LOSSES, TrainConfig
from li2lib.training.losses import cross_entropy_per_sample, stablemax, stablemax_cross_entropy_per_sample


def s_by_hand(x):
    """s(x) = x + 1 for x >= 0, 1 / (1 - x) for x < 0, entry by entry in Python floats."""
    return np.array([[v + 1 if v >= 0 else 1 / (1 - v) for v in row] for row in x])


def test_stablemax_is_s_normalised():
    x = np.array([[2.0, -1.0, 0.0, -3.0], [0.5, 0.5, -0.5, 10.0]])
    s = s_by_hand(x)
    np.testing.assert_allclose(stablemax(torch.tensor(x)).numpy(), s / s.sum(1, keepdims=True), rtol=1e-15)
    # the first row by hand: s = (3, 1/2, 1, 1/4), sum 4.75
    np.testing.assert_allclose(stablemax(torch.tensor(x))[0].numpy(), np.array([3, 0.5, 1, 0.25]) / 4.75, rtol=1e-15)


def test_stablemax_loss_is_minus_log_probability():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 6, 11, generator=gen, dtype=torch.float64) * 4
    y = torch.randint(0, 11, (3, 6), generator=gen)
    loss = stablemax_cross_entropy_per_sample(x, y)
    p = stablemax(x).gather(-1, y[..., None])[..., 0]
    torch.testing.assert_close(loss, -p.log(), rtol=1e-12, atol=1e-14)
    assert loss.shape == y.shape and (loss > 0).all()


def test_stablemax_gradient_matches_the_closed_form():
    """d/dx_c [log sum s - log s(x_y)] = s'(x_c) / sum s - [c = y] s'(x_y) / s(x_y), s'(x) = 1 for
    x >= 0 and 1 / (1 - x)^2 below: autograd against this, on both branches and at 0."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(40, 9, generator=gen, dtype=torch.float64) * 3
    x[0, :3] = 0.0  # the joint of the two branches
    y = torch.randint(0, 9, (40,), generator=gen)
    x.requires_grad_(True)
    (auto,) = torch.autograd.grad(stablemax_cross_entropy_per_sample(x, y).sum(), x)
    xs = x.detach().numpy()
    s = s_by_hand(xs)
    ds = np.where(xs >= 0, 1.0, 1 / (1 - xs) ** 2)
    closed = ds / s.sum(1, keepdims=True)
    rows = np.arange(len(y))
    closed[rows, y.numpy()] -= ds[rows, y.numpy()] / s[rows, y.numpy()]
    np.testing.assert_allclose(auto.numpy(), closed, rtol=1e-12, atol=1e-15)
    assert torch.autograd.gradcheck(lambda z: stablemax_cross_entropy_per_sample(z, y), (x,))


def test_no_nan_gradient_from_the_unused_branch():
    """s's branch 1/(1 - x) is infinite at x = 1, where the other branch is used: no NaN leaks in."""
    x = torch.tensor([[1.0, -1.0, 3.0]], requires_grad=True)
    (g,) = torch.autograd.grad(stablemax_cross_entropy_per_sample(x, torch.tensor([2])).sum(), x)
    assert torch.isfinite(g).all()


def test_float32_softmax_rounds_to_zero_loss_where_stablemax_does_not():
    """Softmax collapse: at a margin of 20 the float32 softmax cross-entropy of the right class is
    exactly 0 (its gradient on that class too); StableMax's is log(1 + (M-1)/(11 * 11))."""
    M = 23
    x = torch.zeros(1, M, dtype=torch.float32)
    x[0, 0], x[0, 1:] = 10.0, -10.0
    y = torch.tensor([0])
    x.requires_grad_(True)
    softmax_loss = cross_entropy_per_sample(x, y)
    (grad,) = torch.autograd.grad(softmax_loss.sum(), x)
    assert softmax_loss.item() == 0.0 and grad[0, 0].item() == 0.0 and (grad[0, 1:] > 0).all()
    stable = stablemax_cross_entropy_per_sample(x, y).item()
    np.testing.assert_allclose(stable, np.log1p((M - 1) / (11 * 11)), rtol=1e-5)


def test_stablemax_is_a_built_in_training_loss():
    assert "stablemax_cross_entropy" in SAMPLE_LOSSES and "stablemax_cross_entropy" in LOSSES
    assert TrainConfig(loss="stablemax_cross_entropy").loss == "stablemax_cross_entropy"
    with pytest.raises(ValueError, match="built-in"):
        li2lib.register_loss("stablemax_cross_entropy", stablemax_cross_entropy_per_sample)
    res = li2lib.train(7, loss="stablemax_cross_entropy", hidden=64, train_fraction=0.5, epochs=30, lr=1e-2,
                       progress=False, device="cpu")
    h = res.history
    assert np.isfinite(h["train_loss"]).all() and h["train_loss"][-1] < 0.5 * h["train_loss"][0]
    # the logged loss is the mean StableMax loss of the final weights on the training pairs
    from li2lib.data import pairs
    a, b, label = pairs(res.group, res.train_idx)
    out = (torch.tensor(res.W)[a] + torch.tensor(res.W)[7 + b]) ** 2 @ torch.tensor(res.V)
    np.testing.assert_allclose(h["train_loss"][-1], stablemax_cross_entropy_per_sample(out, torch.tensor(label)).mean().item(),
                               rtol=1e-4)
