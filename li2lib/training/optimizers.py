"""Optimizers for parameters stacked over R runs, each run with its own lr and weight decay.

Every entry of :data:`OPTIMIZERS` updates tensors of shape (R, rows, cols) in place, with the
learning rate eta_r and weight decay of run r applied to slice r; runs that have left the
batch (``active`` False) are not touched. Each entry has options of its own
(``optimizer_options=...``), checked by ``check_options`` before training.

- ``adam``: Adam with coupled L2 (weight_decay * p added to the gradient), as in the paper's
  experiments and ``torch.optim.Adam``.
- ``adamw``: Adam with decoupled weight decay, as ``torch.optim.AdamW``.
- ``sgd``: SGD with momentum (0.9 by default) and coupled L2, as ``torch.optim.SGD``.
- ``muon``: the author's Muon (Sec. 5.3): on the hidden-layer matrices an EMA of the gradient,
  orthogonalised by five Newton-Schulz steps with a per-step coefficient schedule, in float32,
  decoupled weight decay; the readout V gets Adam with coupled L2.
- ``muon_torch``: the algorithm of ``torch.optim.Muon`` (Nesterov momentum, fixed quintic
  coefficients in bfloat16, learning rate scaled by the matrix shape) on the hidden matrices;
  Adam with coupled L2 on V. ``torch.optim.Muon`` reads a matrix as an ``nn.Linear`` weight
  (out x in); li2lib stores W as (2M, K) = (in x out), so the shape-based scaling is computed
  from the transposed shape (K, 2M), the one ``torch.optim.Muon`` sees on the author's model.
"""

from __future__ import annotations

import math

import torch

__all__ = ["OPTIMIZERS", "Optimizer", "Adam", "AdamW", "SGD", "Muon", "TorchMuon", "newton_schulz"]


def _is_real(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _unit_interval(name, value):
    if not _is_real(value) or not 0 <= value < 1:
        raise ValueError(f"optimizer option {name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _positive(name, value):
    if not _is_real(value) or not value > 0:
        raise ValueError(f"optimizer option {name} must be a number > 0, got {value!r}")
    return float(value)


def _betas(name, value):
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"optimizer option {name} must be a pair (beta1, beta2), got {value!r}")
    return [_unit_interval(f"{name}[{i}]", v) for i, v in enumerate(value)]


def _flag(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"optimizer option {name} must be True or False, got {value!r}")
    return value


def _triples(name, value):
    if not isinstance(value, (list, tuple)) or not value or any(
        not isinstance(t, (list, tuple)) or len(t) != 3 or not all(_is_real(c) for c in t) for t in value
    ):
        raise ValueError(f"optimizer option {name} must be a non-empty list of (a, b, c) triples, got {value!r}")
    return [[float(c) for c in t] for t in value]


class Optimizer:
    """Base class. Subclasses list their options in ``OPTIONS`` (name -> (default, check))
    and compute a parameter's step in :meth:`delta`."""

    OPTIONS: dict = {}

    @classmethod
    def check_options(cls, options: dict) -> dict:
        """``options`` completed with defaults, each checked; ValueError naming a bad one."""
        unknown = sorted(set(options) - set(cls.OPTIONS))
        if unknown:
            raise ValueError(f"unknown optimizer option(s) {unknown} for {cls.__name__}; its options: {sorted(cls.OPTIONS)}")
        return {k: check(k, options.get(k, default)) for k, (default, check) in cls.OPTIONS.items()}

    def __init__(self, params: dict, lr: torch.Tensor, weight_decay: torch.Tensor, hidden=(), **options):
        self.params = params
        self.lr, self.weight_decay = lr, weight_decay
        self.hidden = tuple(hidden)
        self.options = self.check_options(options)
        self.state: dict[str, dict[str, torch.Tensor]] = {name: {} for name in params}
        self.steps = 0

    @torch.no_grad()
    def step(self, grads: dict, active: torch.Tensor) -> None:
        """One update of each parameter named in ``grads``, for the runs where ``active``
        (parameters without a gradient, such as a readout held at its ridge solution, are
        left alone).

        A complex parameter is updated as the pair of real tensors (real part, imaginary part),
        as ``torch.optim`` does (``torch.view_as_real``): Adam's second moment is kept per real
        component. The gradients are used as scratch space (they are consumed by the step)."""
        self.steps += 1
        for name, g in grads.items():
            p = self.params[name]
            if p.is_complex():
                p, g = torch.view_as_real(p), torch.view_as_real(g)
            shape = (-1,) + (1,) * (p.dim() - 1)
            lr, wd = self.lr.view(shape), self.weight_decay.view(shape)
            p.sub_(self.delta(name, p, g, lr, wd).masked_fill_(~active.view(shape), 0.0))

    def delta(self, name: str, p, g, lr, wd) -> torch.Tensor:
        """The step for parameter ``name``: its new value is p - delta. May overwrite ``g``."""
        raise NotImplementedError

    def select(self, keep: torch.Tensor, params: dict) -> None:
        """Keep only the runs ``keep`` (indices into the run axis); ``params`` are their tensors."""
        self.params = params
        self.lr, self.weight_decay = self.lr[keep], self.weight_decay[keep]
        for state in self.state.values():
            for key, value in state.items():
                state[key] = value[keep]

    def _buffer(self, name: str, key: str, like: torch.Tensor) -> torch.Tensor:
        state = self.state[name]
        if key not in state:
            state[key] = torch.zeros_like(like)
        return state[key]

    def _adam(self, name, p, g, lr, wd, *, decoupled: bool, betas, eps):
        """Adam's step for p (Kingma & Ba, with torch.optim.Adam's bias correction)."""
        beta1, beta2 = betas
        if not decoupled:
            g.addcmul_(p, wd)
        m = self._buffer(name, "m", p).lerp_(g, 1 - beta1)
        v = self._buffer(name, "v", p).mul_(beta2).addcmul_(g, g, value=1 - beta2)
        denom = torch.sqrt(v, out=g).div_(math.sqrt(1 - beta2**self.steps)).add_(eps)
        step = torch.div(m, denom, out=denom).mul_(lr / (1 - beta1**self.steps))
        return step.addcmul_(p, lr * wd) if decoupled else step


class Adam(Optimizer):
    """Adam with coupled L2: g <- g + lambda p (``torch.optim.Adam``; the paper's optimizer)."""

    OPTIONS = {"betas": ((0.9, 0.999), _betas), "eps": (1e-8, _positive)}

    def delta(self, name, p, g, lr, wd):
        return self._adam(name, p, g, lr, wd, decoupled=False, **self.options)


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p (1 - eta lambda) before the step (``torch.optim.AdamW``)."""

    def delta(self, name, p, g, lr, wd):
        return self._adam(name, p, g, lr, wd, decoupled=True, **self.options)


class SGD(Optimizer):
    """SGD with heavy-ball momentum and coupled L2 (``torch.optim.SGD``, dampening 0)."""

    OPTIONS = {"momentum": (0.9, _unit_interval), "nesterov": (False, _flag)}

    def delta(self, name, p, g, lr, wd):
        g.addcmul_(p, wd)
        mu = self.options["momentum"]
        if mu:
            state = self.state[name]
            buf = state["buf"] = g.clone() if "buf" not in state else state["buf"].mul_(mu).add_(g)
            g = g.add_(buf, alpha=mu) if self.options["nesterov"] else buf
        return g * lr


AUTHOR_NS_COEFFICIENTS = (
    (4.01, -9.22, 5.80),
    (3.49, -6.38, 3.23),
    (3.34, -6.21, 3.20),
    (3.64, -7.48, 4.43),
    (3.46, -5.35, 2.85),
)
"""The per-step (a, b, c) of the author's Newton-Schulz iteration (``muon_opt.py``)."""


def newton_schulz(G: torch.Tensor, coefficients, *, eps: float, clamp: bool = False) -> torch.Tensor:
    """An approximately orthogonal matrix U V^T from G = U S V^T, for G of shape (R, m, n).

    Quintic Newton-Schulz: X <- a X + (b A + c A^2) X with A = X X^T, one (a, b, c) per step,
    starting from G divided by its Frobenius norm (plus ``eps``, or clamped below at ``eps``
    when ``clamp``), on the smaller Gram matrix. Computed in G's dtype.
    """
    transpose = G.shape[-2] > G.shape[-1]
    X = G.transpose(-2, -1) if transpose else G
    norm = X.norm(dim=(-2, -1), keepdim=True)
    X = X / (norm.clamp(min=eps) if clamp else norm + eps)
    for a, b, c in coefficients:
        A = X @ X.transpose(-2, -1)
        B = torch.baddbmm(A, A, A, beta=b, alpha=c)
        X = torch.baddbmm(X, B, X, beta=a)
    return X.transpose(-2, -1) if transpose else X


class _MuonFamily(Optimizer):
    """A Muon variant: an orthogonalised step (:meth:`hidden_delta`) on the hidden matrices, Adam
    with coupled L2 (options ``betas``, ``eps``) on the readout."""

    ADAM_OPTIONS = {"betas": ((0.9, 0.999), _betas), "eps": (1e-8, _positive)}

    def delta(self, name, p, g, lr, wd):
        if name not in self.hidden:
            o = self.options
            return self._adam(name, p, g, lr, wd, decoupled=False, betas=o["betas"], eps=o["eps"])
        return self.hidden_delta(name, p, g, lr, wd)


class Muon(_MuonFamily):
    """The author's Muon (Sec. 5.3) on the hidden matrices; Adam with coupled L2 on the rest.

    Momentum m <- mu m + (1 - mu) g (an EMA; mu = 0.99 in the author's runs); the direction is
    m, or nu g + (1 - nu) m with ``nesterov``; it is orthogonalised by Newton-Schulz with the
    per-step ``coefficients`` in float32; then p <- p (1 - eta lambda) - eta ortho(direction).
    """

    OPTIONS = {
        "momentum": (0.99, _unit_interval),
        "nesterov": (False, _flag),
        "nesterov_weight": (0.9, _unit_interval),
        "coefficients": (AUTHOR_NS_COEFFICIENTS, _triples),
        **_MuonFamily.ADAM_OPTIONS,
    }

    def hidden_delta(self, name, p, g, lr, wd):
        o = self.options
        m = self._buffer(name, "m", p).lerp_(g, 1 - o["momentum"])
        direction = torch.lerp(m, g, o["nesterov_weight"]) if o["nesterov"] else m
        ortho = newton_schulz(direction.float(), o["coefficients"], eps=1e-7).to(p.dtype)
        return (ortho * lr).addcmul_(p, lr * wd)


class TorchMuon(_MuonFamily):
    """``torch.optim.Muon``'s algorithm on the hidden matrices, batched; Adam (coupled L2) on the rest.

    B <- mu B + g (as a lerp: B <- B + (1 - mu)(g - B)); direction g + mu (B - g) with
    Nesterov, else B; orthogonalised in bfloat16 with fixed (a, b, c); then
    p <- p (1 - eta lambda) - eta' ortho, eta' = eta sqrt(max(1, out/in)) ("original") or
    0.2 eta sqrt(max(out, in)) ("match_rms_adamw"), with (out, in) = (K, 2M) for W.
    """

    OPTIONS = {
        "momentum": (0.95, _unit_interval),
        "nesterov": (True, _flag),
        "coefficients": ((3.4445, -4.7750, 2.0315), lambda n, v: _triples(n, [v])[0]),
        "ns_steps": (5, lambda n, v: v if isinstance(v, int) and 1 <= v < 100 else _bad_steps(n, v)),
        "adjust_lr": ("original", lambda n, v: v if v in ("original", "match_rms_adamw") else _bad_adjust(n, v)),
        **_MuonFamily.ADAM_OPTIONS,
    }

    def hidden_delta(self, name, p, g, lr, wd):
        o = self.options
        buf = self._buffer(name, "buf", p).lerp_(g, 1 - o["momentum"])
        direction = g.lerp(buf, o["momentum"]) if o["nesterov"] else buf
        steps = [o["coefficients"]] * o["ns_steps"]
        ortho = newton_schulz(direction.bfloat16(), steps, eps=1e-7, clamp=True)
        fan_out, fan_in = p.shape[-1], p.shape[-2]  # the nn.Linear orientation of a (in, out) matrix
        if o["adjust_lr"] == "original":
            scale = math.sqrt(max(1.0, fan_out / fan_in))
        else:
            scale = 0.2 * math.sqrt(max(fan_out, fan_in))
        return (ortho.to(p.dtype) * (lr * scale)).addcmul_(p, lr * wd)


def _bad_steps(name, value):
    raise ValueError(f"optimizer option {name} must be an integer in [1, 100), got {value!r}")


def _bad_adjust(name, value):
    raise ValueError(f"optimizer option {name} must be 'original' or 'match_rms_adamw', got {value!r}")


OPTIMIZERS = {"adam": Adam, "adamw": AdamW, "sgd": SGD, "muon": Muon, "muon_torch": TorchMuon}
"""name -> optimizer class (see the module docstring for what each one does)."""
