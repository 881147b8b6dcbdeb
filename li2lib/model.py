"""The paper's two-layer network  Y_hat = sigma(X W) V  (Sec. 2, Eq. 1).

W in R^{2M x K} is the hidden layer (column j is node w_j), V in R^{K x M} the output layer,
both without biases, as in the paper and the author's code. X holds concatenated one-hots, so
row i of X W is just W[a_i] + W[M + b_i]: on a CPU the first layer is a gather (two row
look-ups) instead of a dense matmul with a 2M-wide, mostly-zero X.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["ACTIVATIONS", "TwoLayerNet", "pair_preactivation", "dense_preactivation"]


def _square(x):
    return x * x


def _quadratic(x):
    return x + x * x


def _linear(x):
    return x


ACTIVATIONS = {
    "square": _square,  # sigma(x) = x^2, the paper's choice (Theorems 2, 3, 4, 7)
    "quadratic": _quadratic,  # sigma(x) = x + x^2: the a x + b x^2 of Theorem 2 with a = b = 1
    "relu": F.relu,
    "silu": F.silu,
    "linear": _linear,  # learns nothing on group data: the energy is identically 0 (Sec. 4.1)
}


class _PairGather(torch.autograd.Function):
    """H = X W for one-hot pair inputs: H[i] = W[a_i] + W[b_i] (b already shifted by M).

    Autograd's own backward for indexing is slow on CPU; this one accumulates the gradient
    rows with two ``index_add_`` calls, which computes X^T dH without forming X.
    """

    @staticmethod
    def forward(ctx, W, a, b):
        ctx.save_for_backward(a, b)
        ctx.rows = W.shape[0]
        return torch.index_select(W, 0, a).add_(torch.index_select(W, 0, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        gW = grad.new_zeros(ctx.rows, grad.shape[1])
        gW.index_add_(0, a, grad).index_add_(0, b, grad)
        return gW, None, None


def pair_preactivation(W: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """X W for the inputs x_i = [e_{a_i}; e_{b_i}], with W of shape (2M, K).

    On a CPU this is the gather above. On a GPU it is the dense one-hot product, which is
    fast there and, unlike ``index_add_`` with atomics, deterministic.
    """
    M = W.shape[0] // 2
    if W.device.type == "cpu":
        return _PairGather.apply(W, a, b + M)
    X = torch.cat([F.one_hot(a, M), F.one_hot(b, M)], dim=1).to(W.dtype)
    return X @ W


def dense_preactivation(W: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """X W with an explicit one-hot X: the textbook form, used as a reference in tests."""
    return X @ W


class TwoLayerNet(torch.nn.Module):
    """sigma(X W) V with W: (2M, K), V: (K, M), in the paper's orientation.

    Initialisation follows PyTorch's ``nn.Linear`` default used by the author's code, entries
    uniform in +-1/sqrt(fan_in), times ``init_scale_w`` and ``init_scale_v``
    (``init_scale_v=0`` is the zero-init of V of Sec. 3.2). Weights are drawn on the CPU from
    ``generator`` so the same seed gives the same network on every device.
    """

    def __init__(
        self,
        order: int,
        hidden: int,
        activation: str = "square",
        *,
        init_scale_w: float = 1.0,
        init_scale_v: float = 1.0,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        self.order, self.hidden, self.activation = order, hidden, activation
        self.sigma = ACTIVATIONS[activation]

        def uniform(rows, cols, fan_in, scale):
            bound = scale / math.sqrt(fan_in)
            return (torch.rand(rows, cols, generator=generator) * 2 - 1) * bound

        self.W = torch.nn.Parameter(uniform(2 * order, hidden, 2 * order, init_scale_w))
        self.V = torch.nn.Parameter(uniform(hidden, order, hidden, init_scale_v))

    def features(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """F = sigma(X W), the n x K hidden activations."""
        return self.sigma(pair_preactivation(self.W, a, b))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Y_hat = F V, the n x M outputs."""
        return self.features(a, b) @ self.V
