"""The networks: the blocked two-layer evaluation and deeper nets against dense textbook formulas."""

import numpy as np
import pytest
import torch

import li2lib
from li2lib.data import one_hot_inputs
from li2lib.model import (
    ACTIVATIONS,
    DERIVATIVES,
    DeepNet,
    PairInputs,
    TwoLayer,
    TwoLayerNet,
    Workspace,
    chunk_rows,
    pair_preactivation,
    pair_readout,
)


def stacked_inputs(R=3, M=7, n=25, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randint(0, M, (R, n), generator=g)
    b = torch.randint(0, M, (R, n), generator=g)
    X = torch.stack([torch.as_tensor(one_hot_inputs(a[r].numpy(), b[r].numpy(), M), dtype=torch.float64)
                     for r in range(R)])
    return a, b, X


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dense_backward", [False, True], ids=["index_add", "dense"])
@pytest.mark.parametrize("block", [8, 13, 40])
def test_blocked_readout_equals_dense_formula(activation, dense_backward, block):
    """sigma(X W) V and both gradients, in blocks of hidden units, against the dense one-hot
    product through autograd; the dense backward is the GPU path, forced on the CPU here."""
    R, M, K = 3, 7, 40
    a, b, X = stacked_inputs(R, M)
    torch.manual_seed(1)
    W = torch.randn(R, 2 * M, K, dtype=torch.float64, requires_grad=True)
    V = torch.randn(R, K, M, dtype=torch.float64, requires_grad=True)
    reference = ACTIVATIONS[activation](X @ W) @ V
    dout = torch.randn_like(reference)
    ref_grads = torch.autograd.grad(reference, [W, V], dout)

    x = PairInputs(a, b, M, dense_backward=dense_backward, dtype=torch.float64)
    out = pair_readout(W, V, x, activation, block=block)
    grads = torch.autograd.grad(out, [W, V], dout)
    torch.testing.assert_close(out, reference, rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, ref_grads):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_derivatives_match_autograd(activation):
    x = torch.linspace(-3, 3, 601, dtype=torch.float64).requires_grad_()
    (auto,) = torch.autograd.grad(ACTIVATIONS[activation](x).sum(), x)
    torch.testing.assert_close(DERIVATIVES[activation](x.detach()), auto)
    buf = torch.empty_like(x)
    torch.testing.assert_close(DERIVATIVES[activation](x.detach(), out=buf), auto)
    torch.testing.assert_close(ACTIVATIONS[activation](x.detach(), out=buf), ACTIVATIONS[activation](x.detach()))


def test_pair_preactivation_batched_and_dense_backward():
    a, b, X = stacked_inputs()
    W = torch.randn(3, 14, 9, dtype=torch.float64, requires_grad=True)
    H = pair_preactivation(W, a, b)
    torch.testing.assert_close(H, X @ W)
    dH = torch.randn_like(H)
    (g_index,) = torch.autograd.grad(H, W, dH)
    x = PairInputs(a, b, 7, dense_backward=True, dtype=torch.float64)
    from li2lib.model.pairs import _PairGather

    (g_dense,) = torch.autograd.grad(_PairGather.apply(W, x), W, dH)
    torch.testing.assert_close(g_index, X.transpose(1, 2) @ dH)
    torch.testing.assert_close(g_dense, g_index)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("rows", [4, 9, 64])
@pytest.mark.parametrize("M", [7, 8], ids=["width-padded", "width-multiple"])
def test_chunked_readout_equals_dense_formula_and_skips_padding(activation, rows, M, monkeypatch):
    """The CPU path (run by run, chunks of samples, all hidden units, the width M padded to a
    multiple of 8 when it is not one) against the dense one-hot product: on each run's real
    samples the outputs and both gradients agree; padding rows (beyond ``counts``) give
    outputs 0 and no gradient."""
    R, K, n = 3, 40, 25
    counts = [25, 17, 3]
    a, b, X = stacked_inputs(R, M, n)
    torch.manual_seed(2)
    W = torch.randn(R, 2 * M, K, dtype=torch.float64, requires_grad=True)
    V = torch.randn(R, K, M, dtype=torch.float64, requires_grad=True)
    real = (torch.arange(n)[None, :] < torch.tensor(counts)[:, None]).to(torch.float64)[..., None]
    reference = (ACTIVATIONS[activation](X @ W) @ V) * real
    dout = torch.randn_like(reference)
    ref_grads = torch.autograd.grad(reference, [W, V], dout)

    monkeypatch.setattr(li2lib.model.pairs, "CPU_CHUNK_ELEMENTS", rows * K)
    assert chunk_rows(K) == rows
    x = PairInputs(a, b, M, dtype=torch.float64, counts=counts)
    ws = Workspace()
    for workspace in (None, ws, ws):  # without one; with one (kept pre-activations), twice
        out = pair_readout(W, V, x, activation, workspace=workspace)
        with torch.no_grad():  # an evaluation between the forward and backward passes (as training does)
            pair_readout(W, V, PairInputs(b, a, M, dtype=torch.float64, counts=counts), activation, workspace=workspace)
        grads = torch.autograd.grad(out, [W, V], dout)
        torch.testing.assert_close(out, reference, rtol=1e-12, atol=1e-12)
        for got, want in zip(grads, ref_grads):
            torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_chunks_cover_the_real_samples_once():
    a = torch.zeros(3, 10, dtype=torch.long)
    x = PairInputs(a, a, 5, counts=[10, 4, 0])
    chunks = x.chunks(3)
    assert [(r, s.start, s.stop) for r, s, _ in chunks] == [(0, 0, 3), (0, 3, 6), (0, 6, 9), (0, 9, 10),
                                                            (1, 0, 3), (1, 3, 4)]
    assert [(f.start, f.stop) for _, _, f in chunks][-1] == (13, 14)
    with pytest.raises(ValueError, match="counts"):
        PairInputs(a, a, 5, counts=[10, 11, 0])


def test_deep_net_matches_textbook_layers():
    """F_1 = sigma(X W), F_l = F_{l-1} (+) sigma(F_{l-1} W_l), Y_hat = beta F V, by dense products."""
    M, K = 7, 12
    a, b, X = stacked_inputs(2, M)
    for residual in (False, True):
        net = DeepNet(M, K, "relu", layers=4, residual=residual, output_scale=0.5)
        assert list(net.shapes()) == ["W", "W2", "W3", "V"] and net.hidden_params == ("W", "W2", "W3")
        params = {k: torch.stack([v, v * 0.9]).double() for k, v in net.init(torch.Generator().manual_seed(0)).items()}
        F = torch.relu(X @ params["W"])
        for name in ("W2", "W3"):
            G = torch.relu(F @ params[name])
            F = F + G if residual else G
        expected = 0.5 * F @ params["V"]
        torch.testing.assert_close(net.outputs(params, PairInputs(a, b, M)), expected)


def test_deep_net_with_two_layers_equals_blocked_two_layer():
    """The same network by two routes: plain autograd (DeepNet, layers=2) and the blocked pass."""
    M, K = 9, 33
    a, b, _ = stacked_inputs(2, M, seed=3)
    x = PairInputs(a, b, M)
    two, deep = TwoLayer(M, K), DeepNet(M, K, layers=2)
    params = {k: torch.stack([v, -v]).double().requires_grad_() for k, v in two.init(torch.Generator().manual_seed(2)).items()}
    out_two, out_deep = two.outputs(params, x), deep.outputs(params, x)
    torch.testing.assert_close(out_two, out_deep)
    g_two = torch.autograd.grad(out_two.pow(2).sum(), list(params.values()))
    g_deep = torch.autograd.grad(out_deep.pow(2).sum(), list(params.values()))
    for u, v in zip(g_two, g_deep):
        torch.testing.assert_close(u, v)


def test_two_layer_net_module_shares_the_initialisation():
    net = TwoLayerNet(5, 8, generator=torch.Generator().manual_seed(4), init_scale_v=0.0)
    params = TwoLayer(5, 8).init(torch.Generator().manual_seed(4), 1.0, 0.0)
    assert torch.equal(net.W.data, params["W"]) and torch.equal(net.V.data, params["V"])
    assert torch.all(net.V == 0) and net.W.abs().max() <= 1 / np.sqrt(10)


def test_bad_inputs():
    with pytest.raises(ValueError, match="activation must be one of"):
        TwoLayer(5, 4, "tanh")
    with pytest.raises(ValueError, match="layers must be an integer >= 2, got 1"):
        DeepNet(5, 4, layers=1)
    with pytest.raises(ValueError, match=r"a and b must be \(R, n\) index tensors"):
        PairInputs(torch.zeros(3, dtype=torch.long), torch.zeros(3, dtype=torch.long), 5)


def test_a_registered_activation_trains_as_the_builtin_one(own_registry):
    """x^2 registered twice (derivative by autograd, and by hand) trains exactly as 'square'."""
    li2lib.register_activation("square_auto", lambda x: x * x)
    li2lib.register_activation("square_hand", lambda x: x * x, lambda x: 2 * x)
    settings = dict(hidden=24, epochs=25, train_fraction=0.5, device="cpu", progress=False)
    builtin = li2lib.train(7, activation="square", **settings).history
    for name in ("square_auto", "square_hand"):
        own = li2lib.train(7, activation=name, **settings).history
        for metric in ("train_loss", "test_acc", "gf_norm", "w_norm"):
            np.testing.assert_allclose(own[metric], builtin[metric], rtol=1e-6, atol=0)


@pytest.mark.parametrize("dense_backward", [False, True], ids=["index_add", "dense"])
def test_blocked_readout_with_a_registered_activation_equals_the_dense_formula(own_registry, dense_backward):
    li2lib.register_activation("cube", lambda x: x**3)
    a, b, X = stacked_inputs(2, 5)
    torch.manual_seed(2)
    W = torch.randn(2, 10, 12, dtype=torch.float64, requires_grad=True)
    V = torch.randn(2, 12, 5, dtype=torch.float64, requires_grad=True)
    reference = (X @ W) ** 3 @ V
    dout = torch.randn_like(reference)
    want = torch.autograd.grad(reference, [W, V], dout)
    out = pair_readout(W, V, PairInputs(a, b, 5, dense_backward=dense_backward, dtype=torch.float64), "cube", block=5)
    torch.testing.assert_close(out, reference, rtol=1e-12, atol=1e-12)
    for got, expected in zip(torch.autograd.grad(out, [W, V], dout), want):
        torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)


def test_registration_checks_the_activation_once(own_registry):
    before = dict(ACTIVATIONS)
    with pytest.raises(ValueError, match=r"derivative of activation 'cube' disagrees with autograd: at x = .* gives"):
        li2lib.register_activation("cube", lambda x: x**3, lambda x: 2 * x**2)  # should be 3 x^2
    with pytest.raises(ValueError, match=r"activation 'centred' must act entry by entry"):
        li2lib.register_activation("centred", lambda x: x - x.mean())
    with pytest.raises(ValueError, match=r"activation 'total' must return a tensor of its input's shape"):
        li2lib.register_activation("total", lambda x: x.sum())
    with pytest.raises(ValueError, match=r"name must not be a built-in activation"):
        li2lib.register_activation("relu", torch.relu)
    with pytest.raises(ValueError, match=r"fn of activation 'f' must be a function"):
        li2lib.register_activation("f", 3)
    assert ACTIVATIONS == before  # nothing half-registered
    with pytest.raises(ValueError, match=r"activation must be one of .*got 'cube'"):
        li2lib.train(5, activation="cube", hidden=8, epochs=2, progress=False)
    li2lib.register_activation("cube", lambda x: x**3, lambda x: 3 * x**2)
    assert li2lib.TrainConfig(activation="cube").activation == "cube"


def test_cpu_readout_paths_agree_and_restore(monkeypatch):
    """The two CPU paths of ``pair_readout`` (chunked, and the blocked one before it that the
    bench times) give one function and gradients; the choice is undone on leaving the block,
    also on an error, and an unknown path is refused before anything changes."""
    from li2lib.model.pairs import _BlockedReadout, cpu_readout

    R, M, K = 2, 9, 64
    a, b, X = stacked_inputs(R, M)
    torch.manual_seed(3)
    W = torch.randn(R, 2 * M, K, dtype=torch.float64, requires_grad=True)
    V = torch.randn(R, K, M, dtype=torch.float64, requires_grad=True)
    x = PairInputs(a, b, M, dtype=torch.float64)
    calls = []
    monkeypatch.setattr(_BlockedReadout, "apply", lambda *args, apply=_BlockedReadout.apply: calls.append(args[4]) or apply(*args))
    monkeypatch.setattr(li2lib.model.pairs, "CPU_BLOCK_ELEMENTS", 32 * R * 25)
    results = {}
    for path in ("chunked", "blocked"):
        with cpu_readout(path):
            out = pair_readout(W, V, x, "square")
        results[path] = (out, *torch.autograd.grad(out, [W, V], torch.ones_like(out)))
    assert calls == [32]  # the blocked path alone, in blocks of 32 of the 64 units
    for got, want in zip(results["blocked"], results["chunked"]):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    with pytest.raises(RuntimeError), cpu_readout("blocked"):
        raise RuntimeError("inside")
    assert li2lib.model.pairs._cpu_path == "chunked"
    with pytest.raises(ValueError, match="path must be one of .*'fused'"), cpu_readout("fused"):
        pass
    assert li2lib.model.pairs._cpu_path == "chunked"
