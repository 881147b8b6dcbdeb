"""The activations sigma of the hidden layer, and their derivatives.

Each function takes an optional ``out`` tensor so the training engine can evaluate it into a
reused buffer; called as ``sigma(x)`` it is an ordinary differentiable torch expression.
"""

from __future__ import annotations

import torch

__all__ = ["ACTIVATIONS", "DERIVATIVES"]


def square(x, out=None):
    """sigma(x) = x^2, the paper's choice (Theorems 2, 3, 4, 7)."""
    return torch.mul(x, x, out=out)


def quadratic(x, out=None):
    """sigma(x) = x + x^2: the a x + b x^2 of Theorem 2 with a = b = 1."""
    return torch.addcmul(x, x, x, out=out)


def relu(x, out=None):
    return torch.clamp_min(x, 0.0, out=out)


def silu(x, out=None):
    """sigma(x) = x s(x) with s the logistic function."""
    return torch.sigmoid(x, out=out).mul_(x) if out is not None else torch.sigmoid(x) * x


def linear(x, out=None):
    """sigma(x) = x: learns nothing on group data, the energy is identically 0 (Sec. 4.1)."""
    return out.copy_(x) if out is not None else x


def _square_grad(x, out=None):
    return torch.mul(x, 2.0, out=out)


def _quadratic_grad(x, out=None):
    return torch.mul(x, 2.0, out=out).add_(1.0)


def _relu_grad(x, out=None):
    return torch.gt(x, 0.0, out=out) if out is not None else (x > 0).to(x.dtype)


def _silu_grad(x, out=None):
    # d/dx x s(x) = s(x) (1 + x (1 - s(x)))
    s = torch.sigmoid(x)
    return torch.mul(s, (1.0 - s).mul_(x).add_(1.0), out=out)


def _linear_grad(x, out=None):
    return out.fill_(1.0) if out is not None else torch.ones_like(x)


ACTIVATIONS = {"square": square, "quadratic": quadratic, "relu": relu, "silu": silu, "linear": linear}
"""name -> sigma, a function of a tensor (with an optional ``out`` buffer)."""

DERIVATIVES = {
    "square": _square_grad,
    "quadratic": _quadratic_grad,
    "relu": _relu_grad,
    "silu": _silu_grad,
    "linear": _linear_grad,
}
"""name -> sigma', used by the blocked first layer's hand-written backward pass."""
