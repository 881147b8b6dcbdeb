"""The first layer on one-hot pairs, for one run or R runs stacked on a leading axis.

Row i of X holds two ones, at a_i and at M + b_i, so row i of X W is W[a_i] + W[M + b_i]:
the product is a gather of two rows, and its backward pass X^T dH adds rows of dH back into
two rows of the gradient. Both are written here once, for W of shape (2M, K) or (R, 2M, K).

On a CPU the backward pass uses ``index_add_``. On a GPU it is the dense product X^T dH with
an explicit one-hot X, which is fast there and, unlike ``index_add_`` with atomics,
deterministic.

:func:`pair_readout` evaluates the whole two-layer net sigma(X W) V this way, with a
hand-written backward pass that recomputes sigma from the pre-activations X W (kept from the
forward pass on the CPU path during training, recomputed by the gather otherwise). On a GPU it takes all hidden units at once (or blocks of ``block`` units when asked). On a CPU
the (n x K) hidden activations of a paper-size model do not fit in cache, so it goes run by
run in chunks of ``CPU_CHUNK_ELEMENTS / K`` samples with all K units: every matmul then has a
long inner dimension (K forward, the chunk for dV, M for dF), and the padding rows of a run
with fewer samples than the batch's longest (weight 0 in every mean) are skipped; their
outputs are 0. Each chunk's gather is one ``embedding_bag`` (a sum of two rows per sample).
Reusing the chunk and gradient buffers from one step to the next avoids the page faults of
allocating fresh megabytes every step. The readout's width M is padded with zero columns to a
multiple of :data:`CPU_WIDTH_MULTIPLE` for the two products with an M-wide side (F V and
dY^T F): the CPU's matrix kernels run 20-50% faster at M = 72 than at M = 71 (1.4% more
arithmetic). ``li2lib bench`` times this path against the one before it (:func:`cpu_readout`).
"""

from __future__ import annotations

from contextlib import contextmanager

import torch
import torch.nn.functional as F

from .activations import ACTIVATIONS, DERIVATIVES, check_activation

__all__ = ["PairInputs", "Workspace", "pair_preactivation", "dense_preactivation", "pair_readout", "chunk_rows",
           "dense_backward", "cpu_readout", "CPU_PATHS"]

CPU_CHUNK_ELEMENTS = 2**19
"""On a CPU, samples per chunk are chosen so a chunk of activations (samples x K) holds about
this many numbers (2 MB in float32: it stays in the L2/L3 cache)."""

CPU_WIDTH_MULTIPLE = 8
"""On a CPU the readout's output width M is padded to a multiple of this many columns."""

CPU_BLOCK_ELEMENTS = 2**18
"""The ``"blocked"`` CPU path (:func:`cpu_readout`) takes hidden units in blocks of about this
many activations (runs x samples x units; 1 MB in float32)."""

CPU_PATHS = ("chunked", "blocked")
"""The CPU paths of :func:`pair_readout` without ``block``; see :func:`cpu_readout`."""

_cpu_path = "chunked"


@contextmanager
def cpu_readout(path: str):
    """Within the ``with`` block, :func:`~li2lib.model.pair_readout` without ``block`` takes the CPU path
    ``path``: ``"chunked"`` (the default: run by run, chunks of samples with all hidden units,
    padded width) or ``"blocked"`` (all runs' samples at once, in blocks of about
    ``CPU_BLOCK_ELEMENTS / (R n)`` hidden units, at least 32: the engine's CPU path before
    the chunked one, kept so that ``li2lib bench`` can time both in one run). Both compute the
    same function and gradients."""
    global _cpu_path
    if path not in CPU_PATHS:
        raise ValueError(f"path must be one of {CPU_PATHS}, got {path!r}")
    before, _cpu_path = _cpu_path, path
    try:
        yield
    finally:
        _cpu_path = before


def dense_backward(device: torch.device) -> bool:
    """Whether the first layer's backward pass on ``device`` is the dense product X^T dH (on a
    GPU: fast and deterministic) rather than ``index_add_`` (on a CPU): the one place this rule
    is written."""
    return torch.device(device).type != "cpu"


class PairInputs:
    """The inputs x_i = [e_{a_i}; e_{b_i}] of R runs with n samples each.

    ``a`` and ``b`` are (R, n) element indices. They are kept as flat row indices into
    ``W.reshape(R * 2M, K)`` (run r's rows start at r * 2M), plus the one-hot X of shape
    (R, n, 2M) in ``dtype`` when ``dense_backward`` is set (the GPU path). ``counts[r]``
    (default n) is how many of run r's samples are real: the rest, at the end, are padding.
    """

    def __init__(self, a: torch.Tensor, b: torch.Tensor, order: int, *, dense_backward: bool = False,
                 dtype: torch.dtype = torch.float32, counts=None):
        if a.shape != b.shape or a.dim() != 2:
            raise ValueError(f"a and b must be (R, n) index tensors of one shape, got {tuple(a.shape)} and {tuple(b.shape)}")
        self.runs, self.n = a.shape
        self.order, self.a, self.b = order, a, b
        self.counts = [self.n] * self.runs if counts is None else [int(c) for c in counts]
        if len(self.counts) != self.runs or not all(0 <= c <= self.n for c in self.counts):
            raise ValueError(f"counts must hold one number in [0, {self.n}] per run ({self.runs}), got {counts!r}")
        offset = torch.arange(self.runs, device=a.device)[:, None] * (2 * order)
        self.rows_a = (a + offset).reshape(-1)
        self.rows_b = (b + order + offset).reshape(-1)
        self.rows_ab = torch.stack([self.rows_a, self.rows_b], dim=1)  # one (a, b) bag per sample
        self.onehot = None
        if dense_backward:
            self.onehot = torch.cat([F.one_hot(a, order), F.one_hot(b, order)], dim=2).to(dtype)

    def __len__(self) -> int:
        return self.n

    def chunks(self, rows: int) -> list[tuple[int, slice, slice]]:
        """(run r, its samples s, their flat rows in ``rows_a``) for chunks of at most ``rows``
        real samples of one run each; padding is left out."""
        return [(r, slice(s, min(s + rows, c)), slice(r * self.n + s, r * self.n + min(s + rows, c)))
                for r, c in enumerate(self.counts) for s in range(0, c, rows)]


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


def _gather(Wf: torch.Tensor, rows_a: torch.Tensor, rows_b: torch.Tensor, out: torch.Tensor,
            scratch: torch.Tensor) -> torch.Tensor:
    """out = X W for the flat rows of ``Wf`` (R*2M, k): the rows ``rows_a`` plus the rows ``rows_b``."""
    torch.index_select(Wf, 0, rows_a, out=out)
    return out.add_(torch.index_select(Wf, 0, rows_b, out=scratch))


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
        return _gather(Wf, x.rows_a, x.rows_b, H, torch.empty_like(H)).view(R, x.n, K)

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


class _ChunkedReadout(torch.autograd.Function):
    """Y_hat = sigma(X W) V for stacked runs on a CPU, run by run in chunks of samples with all
    hidden units (see module docstring); padding rows are skipped and left at 0. With ``keep``
    the pre-activations are kept for the backward pass, which then skips the gather; the
    gradients are returned in workspace buffers (overwritten by the next backward)."""

    @staticmethod
    def forward(ctx, W, V, x: PairInputs, activation: str, rows: int, ws: Workspace, keep: bool):
        R, two_m, K = W.shape
        M = V.shape[2]
        sigma = ACTIVATIONS[activation]
        Wf = W.reshape(R * two_m, K)
        Vp = _padded(V, ws, "V padded")
        out = W.new_zeros(R, x.n, M)
        kept = [] if keep else None
        for r, samples, flat in x.chunks(rows):
            H = _chunk_preact(Wf, x, flat)
            F = sigma(H, out=ws("F", (rows, K), W)[: len(H)])
            if Vp is V:
                torch.mm(F, V[r], out=out[r, samples])
            else:
                out[r, samples] = torch.mm(F, Vp[r], out=ws("Y", (rows, Vp.shape[2]), W)[: len(H)])[:, :M]
            if keep:
                kept.append(H)
        ctx.save_for_backward(W, V)
        ctx.x, ctx.activation, ctx.rows, ctx.ws, ctx.kept = x, activation, rows, ws, kept
        return out

    @staticmethod
    def backward(ctx, dout):
        W, V = ctx.saved_tensors
        x, rows, ws, kept = ctx.x, ctx.rows, ctx.ws, ctx.kept
        sigma, dsigma = ACTIVATIONS[ctx.activation], DERIVATIVES[ctx.activation]
        R, two_m, K = W.shape
        M = V.shape[2]
        need_w, need_v = ctx.needs_input_grad[:2]
        dout = dout.contiguous()
        dout_p = _padded(dout, ws, "dY padded") if need_v else None
        Wf = W.reshape(R * two_m, K)
        gW = ws("grad W", (R * two_m, K), W).zero_() if need_w else None
        gVt = ws("grad V^T", (R, _padded_width(M), K), V).zero_() if need_v else None  # dY^T F: the faster layout
        for i, (r, samples, flat) in enumerate(x.chunks(rows)):
            H = kept[i] if kept is not None else _chunk_preact(Wf, x, flat)
            F = ws("F", (rows, K), W)[: len(H)]
            d = dout[r, samples]
            if need_v:
                gVt[r].addmm_(dout_p[r, samples].T, sigma(H, out=F))
            if need_w:
                dH = torch.mm(d, V[r].T, out=ws("dH", (rows, K), W)[: len(H)]).mul_(dsigma(H, out=F))
                gW.index_add_(0, x.rows_a[flat], dH).index_add_(0, x.rows_b[flat], dH)
        gV = gVt[:, :M].transpose(1, 2) if need_v else None
        return (gW.view(R, two_m, K) if need_w else None), gV, None, None, None, None, None


def _chunk_preact(Wf: torch.Tensor, x: PairInputs, flat: slice) -> torch.Tensor:
    """The pre-activations X W of the samples at flat rows ``flat``, (samples, K): each row the
    sum of two rows of ``Wf``, in one pass (``embedding_bag``)."""
    return torch.nn.functional.embedding_bag(x.rows_ab[flat], Wf, mode="sum")


def _padded_width(width: int) -> int:
    return -(-width // CPU_WIDTH_MULTIPLE) * CPU_WIDTH_MULTIPLE


def _padded(t: torch.Tensor, ws: Workspace, name: str) -> torch.Tensor:
    """``t`` with zero columns appended to its last dimension M up to a multiple of
    :data:`CPU_WIDTH_MULTIPLE` (the workspace buffer ``name``), or ``t`` itself when M is one."""
    M, width = t.shape[-1], _padded_width(t.shape[-1])
    if width == M:
        return t
    padded = ws(name, (*t.shape[:-1], width), t)
    padded[..., M:] = 0
    padded[..., :M] = t.detach()
    return padded


def _block_units(hidden: int, samples: int) -> int:
    """Hidden units per block of the ``"blocked"`` CPU path for ``samples`` = R n rows."""
    return min(hidden, max(32, (CPU_BLOCK_ELEMENTS // max(samples, 1)) // 16 * 16))


def chunk_rows(hidden: int) -> int:
    """Samples per chunk of the CPU path of :func:`~li2lib.model.pair_readout`: about ``CPU_CHUNK_ELEMENTS / K`` (at least 1)."""
    return max(1, CPU_CHUNK_ELEMENTS // hidden)


def _preact(Wf: torch.Tensor, start: int, k: int, x: PairInputs, ws: Workspace, tag: str) -> torch.Tensor:
    """The block X W[:, start:start+k] of pre-activations, (R*n, k), in a workspace buffer."""
    Wb = Wf if k == Wf.shape[1] else ws(f"{tag} W", (Wf.shape[0], k), Wf).copy_(Wf[:, start : start + k])
    shape = (x.runs * x.n, k)
    return _gather(Wb, x.rows_a, x.rows_b, ws(f"{tag} H", shape, Wf), ws(f"{tag} H2", shape, Wf))


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

    Differentiable in W and V. On a CPU, without ``block``: run by run in chunks of
    :func:`~li2lib.model.pairs.chunk_rows` samples, padding rows (beyond ``x.counts``) skipped with outputs 0.
    Otherwise all samples at once, ``block`` hidden units at a time (default: all of them).
    Pass the same ``workspace`` on every call to reuse its buffers; on the CPU path with a
    ``workspace`` and gradients enabled, the pre-activations are kept for the backward pass
    of this call, and the gradients it returns live in the workspace until the next backward
    pass (so use them before backpropagating another call, as training does).
    """
    check_activation(activation)
    if block is None and W.device.type == "cpu" and x.onehot is None:
        if _cpu_path == "chunked":
            keep = workspace is not None and torch.is_grad_enabled() and (W.requires_grad or V.requires_grad)
            return _ChunkedReadout.apply(W, V, x, activation, chunk_rows(W.shape[2]), workspace or Workspace(), keep)
        block = _block_units(W.shape[2], x.runs * x.n)
    return _BlockedReadout.apply(W, V, x, activation, block or W.shape[2], workspace or Workspace())
