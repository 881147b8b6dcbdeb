"""The activations sigma of the hidden layer, their derivatives, and your own.

Each function takes an optional ``out`` tensor so the training engine can evaluate it into a
reused buffer; called as ``sigma(x)`` it is an ordinary differentiable torch expression.

:func:`register_activation` adds one of your own under a name, usable wherever an activation
is named (``li2lib.train(..., activation="cube")``, sweeps, the energy of Theorem 1)::

    li2lib.register_activation("cube", lambda x: x**3)                  # sigma' from autograd
    li2lib.register_activation("cube", lambda x: x**3, lambda x: 3 * x**2)  # checked once
"""

from __future__ import annotations

import torch

__all__ = ["ACTIVATIONS", "DERIVATIVES", "check_activation", "register_activation", "registered_activations"]


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

def check_activation(activation) -> None:
    """Raise ValueError unless ``activation`` names an activation (built in or registered)."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")


BUILT_IN = tuple(ACTIVATIONS)
"""The activations li2lib defines; :func:`register_activation` cannot replace them."""

_REGISTERED: dict[str, tuple] = {}
"""name -> (sigma, sigma' or None) as the user gave them (what a sweep sends to its workers)."""


def _with_out(fn):
    def sigma(x, out=None):
        y = fn(x)
        return out.copy_(y) if out is not None else y

    return sigma


def _autograd_derivative(fn):
    def derivative(x, out=None):
        with torch.enable_grad():
            leaf = x.detach().requires_grad_()
            (grad,) = torch.autograd.grad(fn(leaf).sum(), leaf)
        return out.copy_(grad) if out is not None else grad

    return derivative


def _probe_points() -> torch.Tensor:
    """Points where a registered activation is checked: a spread of magnitudes, both signs, no 0
    (where ReLU-like functions have no derivative)."""
    x = torch.randn(64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return torch.cat([x, 3 * x, x / 10]).view(12, 16)


def register_activation(name: str, fn, derivative=None) -> None:
    """Make ``fn`` an activation named ``name``, usable wherever li2lib takes one.

    ``fn(x)`` maps a tensor to a tensor of the same shape entry by entry (sigma applied to
    each pre-activation) with torch operations. ``derivative(x)``, sigma' entry by entry, is
    optional: without it autograd supplies it (a little slower in training); with it, it is
    compared once, now, with autograd's at a spread of points, and a wrong one raises
    ValueError naming the activation. Registering a name again replaces your earlier function;
    the built-in names (``BUILT_IN``) cannot be replaced. Complex weights accept only the
    built-in polynomial activations.

    Sweeps send the registered activations to their workers (process pools, dask) with each
    task; for a ``ProcessPoolExecutor`` the functions must be picklable (defined at the top
    level of a module), dask also takes lambdas and functions defined in a notebook.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string, got {name!r}")
    if name in BUILT_IN:
        raise ValueError(f"name must not be a built-in activation ({list(BUILT_IN)}), got {name!r}")
    for what, f in (("fn", fn), ("derivative", derivative)):
        if f is not None and not callable(f):
            raise ValueError(f"{what} of activation {name!r} must be a function of a tensor, got {f!r}")
    x = _probe_points()
    try:
        y = fn(x)
    except Exception as err:
        raise ValueError(f"activation {name!r} failed on a float64 tensor: {err!r}") from err
    if not isinstance(y, torch.Tensor) or y.shape != x.shape:
        raise ValueError(f"activation {name!r} must return a tensor of its input's shape {tuple(x.shape)}, got "
                         f"{tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__}")
    # change every other entry: the others' values must not move
    changed = x.clone()
    changed.view(-1)[::2] *= 1.7
    if not torch.allclose(fn(changed).reshape(-1)[1::2], y.reshape(-1)[1::2], rtol=1e-12, atol=1e-12, equal_nan=True):
        raise ValueError(f"activation {name!r} must act entry by entry (sigma of each pre-activation alone)")
    auto = _autograd_derivative(fn)
    try:
        expected = auto(x)
    except RuntimeError as err:
        raise ValueError(f"activation {name!r} is not differentiable by autograd: {err}") from err
    if derivative is not None:
        given = derivative(x)
        if not isinstance(given, torch.Tensor) or given.shape != x.shape:
            raise ValueError(f"derivative of activation {name!r} must return a tensor of its input's shape")
        wrong = ~torch.isclose(given.to(expected.dtype), expected, rtol=1e-6, atol=1e-9)
        if wrong.any():
            i = int(wrong.flatten().nonzero()[0])
            raise ValueError(
                f"derivative of activation {name!r} disagrees with autograd: at x = {float(x.flatten()[i]):.4g} it "
                f"gives {float(given.flatten()[i]):.6g}, autograd {float(expected.flatten()[i]):.6g} "
                f"({int(wrong.sum())} of {x.numel()} points differ)")
    ACTIVATIONS[name] = _with_out(fn)
    DERIVATIVES[name] = _with_out(derivative) if derivative is not None else auto
    _REGISTERED[name] = (fn, derivative)


def registered_activations() -> dict[str, tuple]:
    """The activations registered in this process: name -> (fn, derivative or None)."""
    return dict(_REGISTERED)
