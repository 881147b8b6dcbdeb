"""The first layer on one-hot pairs, for one run or R runs stacked on a leading axis.

Row i of X holds two ones, at a_i and at M + b_i, so row i of X W is W[a_i] + W[M + b_i]:
the product is a gather of two rows, and its backward pass X^T dH adds rows of dH back into
two rows of the gradient. Both are written here once, for W of shape (2M, K) or (R, 2M, K).

On a CPU the backward pass uses ``index_add_``. On a GPU it is the dense product X^T dH with
an explicit one-hot X, which is fast there and, unlike ``index_add_`` with atomics,
deterministic.

:func:`pair_readout` evaluates the whole two-layer net sigma(X W) V this way, in blocks of
hidden units with hand-written backward pass. On a CPU the (n x K) hidden activations of a
paper-size model do not fit in cache; a block of them does, and reusing the block buffers from
one step to the next avoids the page faults of allocating fresh megabytes every step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .activations import ACTIVATIONS, DERIVATIVES, check_activation

__all__ = ["PairInputs", "Workspace", "pair_preactivation", "dense_preactivation", "pair_readout", "block_size",
           "dense_backward"]

CPU_BLOCK_ELEMENTS = 2**18
"""On a CPU, hidden units per block are chosen so a block of activations (runs x samples x
units) holds about this many numbers (1 MB in float32: it stays in the L2/L3 cache)."""


def dense_backward(device: torch.device) -> bool:
    """Whether the first layer's backward pass on ``device`` is the dense product X^T dH (on a
    GPU: fast and deterministic) rather than ``index_add_`` (on a CPU): the one place this rule
    is written."""
    return torch.device(device).type != "cpu"


class PairInputs:
    """The inputs x_i = [e_{a_i}; e_{b_i}] of R runs with n samples each.

    ``a`` and ``b`` are (R, n) element indices. They are kept as flat row indices into
    ``W.reshape(R * 2M, K)`` (run r's rows start at r * 2M), plus the one-hot X of shape
    (R, n, 2M) in ``dtype`` when ``dense_backward`` is set (the GPU path).
    """

    def __init__(self, a: torch.Tensor, b: torch.Tensor, order: int, *, dense_backward: bool = False,
                 dtype: torch.dtype = torch.float32):
        if a.shape != b.shape or a.dim() != 2:
            raise ValueError(f"a and b must be (R, n) index tensors of one shape, got {tuple(a.shape)} and {tuple(b.shape)}")
        self.runs, self.n = a.shape
        self.order, self.a, self.b = order, a, b
        offset = torch.arange(self.runs, device=a.device)[:, None] * (2 * order)
        self.rows_a = (a + offset).reshape(-1)
        self.rows_b = (b + order + offset).reshape(-1)
        self.onehot = None
        if dense_backward:
            self.onehot = torch.cat([F.one_hot(a, order), F.one_hot(b, order)], dim=2).to(dtype)

    def __len__(self) -> int:
        return self.n


class Workspace:
    """Scratch tensors kept from one call to the next, one per (name, shape, dtype, device)."""

    def __init__(self):
        self._buffers: dict = {}

    def __call__(self, name: str, shape, like: torch.Tensor) -> torch.Tensor:
        key = (name, tuple(shape), like.dtype, like.device)
        buf = self._buffers.get(key)
        if buf is None:
            buf = self._buffers[key] = torch.empty(key[1], dtype=like.dtype, device=like.device)
        return buf


def _gather(Wf: torch.Tensor, x: PairInputs, out: torch.Tensor, scratch: torch.Tensor) -> torch.Tensor:
    """out = X W for the flat rows of ``Wf`` (R*2M, k): two row look-ups and a sum."""
    torch.index_select(Wf, 0, x.rows_a, out=out)
    return out.add_(torch.index_select(Wf, 0, x.rows_b, out=scratch))


def _scatter(dH: torch.Tensor, x: PairInputs, out: torch.Tensor) -> torch.Tensor:
    """out = X^T dH, with dH of shape (R*n, k) and out of shape (R*2M, k)."""
    if x.onehot is None:
        return out.zero_().index_add_(0, x.rows_a, dH).index_add_(0, x.rows_b, dH)
    k = dH.shape[1]
    onehot_t = x.onehot.transpose(1, 2).to(dH.dtype)
    torch.bmm(onehot_t, dH.view(x.runs, x.n, k), out=out.view(x.runs, 2 * x.order, k))
    return out


class _PairGather(torch.autograd.Function):
    """H = X W for stacked W (R, 2M, K): the differentiable gather (used by deeper nets)."""

    @staticmethod
    def forward(ctx, W, x: PairInputs):
        ctx.x = x
        R, two_m, K = W.shape
        Wf = W.reshape(R * two_m, K)
        H = W.new_empty(R * x.n, K)
        return _gather(Wf, x, H, torch.empty_like(H)).view(R, x.n, K)

    @staticmethod
    def backward(ctx, dH):
        x = ctx.x
        K = dH.shape[2]
        gW = dH.new_empty(x.runs * 2 * x.order, K)
        _scatter(dH.reshape(-1, K).contiguous(), x, gW)
        return gW.view(x.runs, 2 * x.order, K), None


def pair_preactivation(W: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """X W for the inputs x_i = [e_{a_i}; e_{b_i}], with W of shape (2M, K) and a, b of shape
    (n,), or with a leading run axis: W (R, 2M, K), a and b (R, n). Differentiable in W."""
    single = W.dim() == 2
    if single:
        W, a, b = W[None], a[None], b[None]
    x = PairInputs(a, b, W.shape[1] // 2, dense_backward=dense_backward(W.device), dtype=W.dtype)
    H = _PairGather.apply(W, x)
    return H[0] if single else H


def dense_preactivation(W: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """X W with an explicit one-hot X: the textbook form, used as a reference in tests."""
    return X @ W


def block_size(hidden: int, rows: int, device: torch.device) -> int:
    """Hidden units per block of :func:`li2lib.model.pair_readout` for ``rows`` = R * n samples: all of them
    on a GPU, about ``CPU_BLOCK_ELEMENTS / rows`` (at least 32, a multiple of 16) on a CPU."""
    if device.type != "cpu":
        return hidden
    k = max(32, (CPU_BLOCK_ELEMENTS // max(rows, 1)) // 16 * 16)
    return min(hidden, k)


class _BlockedReadout(torch.autograd.Function):
    """Y_hat = sigma(X W) V for stacked runs, in blocks of hidden units (see module docstring)."""

    @staticmethod
    def forward(ctx, W, V, x: PairInputs, activation: str, block: int, ws: Workspace):
        R, two_m, K = W.shape
        sigma = ACTIVATIONS[activation]
        Wf = W.reshape(R * two_m, K)
        out = W.new_zeros(R, x.n, V.shape[2])
        for s in range(0, K, block):
            k = min(K, s + block) - s
            H = _preact(Wf, s, k, x, ws, "fwd")
            Fb = sigma(H, out=ws("fwd F", H.shape, H))
            out.baddbmm_(Fb.view(R, x.n, k), V[:, s : s + k])
        ctx.save_for_backward(W, V)
        ctx.x, ctx.activation, ctx.block, ctx.ws = x, activation, block, ws
        return out

    @staticmethod
    def backward(ctx, dout):
        W, V = ctx.saved_tensors
        x, block, ws = ctx.x, ctx.block, ctx.ws
        sigma, dsigma = ACTIVATIONS[ctx.activation], DERIVATIVES[ctx.activation]
        R, two_m, K = W.shape
        M = V.shape[2]
        need_w, need_v = ctx.needs_input_grad[:2]
        dout = dout.contiguous()
        Wf = W.reshape(R * two_m, K)
        gW = W.new_empty(R * two_m, K) if need_w else None
        gV = V.new_empty(R, K, M) if need_v else None
        for s in range(0, K, block):
            k = min(K, s + block) - s
            H = _preact(Wf, s, k, x, ws, "bwd")
            Fb = sigma(H, out=ws("bwd F", H.shape, H)).view(R, x.n, k)
            if need_v:
                dV = torch.bmm(Fb.transpose(1, 2), dout, out=ws("bwd dV", (R, k, M), W))
                gV[:, s : s + k] = dV
            if need_w:
                dF = torch.bmm(dout, V[:, s : s + k].transpose(1, 2), out=ws("bwd dF", (R, x.n, k), W))
                dH = dF.view(R * x.n, k).mul_(dsigma(H, out=Fb.view(R * x.n, k)))
                gW[:, s : s + k] = _scatter(dH, x, ws("bwd dW", (R * two_m, k), W))
        return (gW.view(R, two_m, K) if need_w else None), gV, None, None, None, None


def _preact(Wf: torch.Tensor, start: int, k: int, x: PairInputs, ws: Workspace, tag: str) -> torch.Tensor:
    """The block X W[:, start:start+k] of pre-activations, (R*n, k), in a workspace buffer."""
    Wb = Wf if k == Wf.shape[1] else ws(f"{tag} W", (Wf.shape[0], k), Wf).copy_(Wf[:, start : start + k])
    shape = (x.runs * x.n, k)
    return _gather(Wb, x, ws(f"{tag} H", shape, Wf), ws(f"{tag} H2", shape, Wf))


def pair_readout(
    W: torch.Tensor,
    V: torch.Tensor,
    x: PairInputs,
    activation: str = "square",
    *,
    block: int | None = None,
    workspace: Workspace | None = None,
) -> torch.Tensor:
    """Y_hat = sigma(X W) V (Eq. 1) for R stacked runs: W (R, 2M, K), V (R, K, M) -> (R, n, M).

    Differentiable in W and V. ``block`` hidden units are processed at a time (default:
    :func:`li2lib.model.pairs.block_size`); pass the same ``workspace`` on every call to reuse its buffers.
    """
    check_activation(activation)
    block = block or block_size(W.shape[2], x.runs * x.n, W.device)
    return _BlockedReadout.apply(W, V, x, activation, block, workspace or Workspace())
