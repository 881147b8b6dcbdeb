"""The paper's experiment written plainly: the first file to read, and what the engine is tested against.

The rest of :mod:`li2lib.training` is fast (first layer gathered instead of multiplied,
blocked evaluation, its own optimizers, many runs batched into one model); this page is
slow and obvious. Two loops, each one PyTorch model with autograd and ``torch.optim``:

- :class:`PlainLoop`: the two-layer network sigma(X W) V of the paper as ``nn.Linear``
  layers without bias on a dense one-hot X = [e_a; e_b], the centered MSE written out, the
  test set evaluated every epoch. ``li2lib.train`` must give the same numbers to rounding
  (``tests/training/test_engine.py``), and ``li2lib bench`` times the two side by side.
- :class:`AuthorLoop`: the training loop the way the author's code writes it, with the
  variants it has (deeper nets with three kinds of hidden-to-hidden layer, complex weights,
  the readout held at its ridge solution), for ``tests/training/test_variants.py``.

Both start from li2lib's initialisation for the same seed, so a difference is a difference
in the training, never in the draw.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..data import pairs, split_indices
from ..model import ACTIVATIONS
from .config import TrainConfig

__all__ = ["PlainLoop", "AuthorLoop"]


class PlainLoop:
    """The textbook implementation of the paper's experiment, as a reference for speed and
    for correctness: ``nn.Linear`` layers without bias on a dense one-hot X, autograd, a
    ``torch.optim`` optimizer, the centered MSE written out, the test set evaluated every epoch.

    ``optimizer`` is "adam", "adamw", "sgd" (momentum 0.9) or "muon_torch"
    (``torch.optim.Muon`` on the first layer, Adam on the readout). Weights start as li2lib's
    do for the same seed (same draws, ``nn.Linear``'s (out, in) layout).
    """

    def __init__(self, group, *, hidden, train_fraction=None, train_size=None, lr=1e-3, weight_decay=2e-4, seed=0,
                 optimizer="adam", activation="square", init_scale_v=1.0, dtype=torch.float32, device="cpu"):
        M = self.order = group.order
        tr, te = split_indices(M * M, train_fraction=train_fraction, train_size=train_size, seed=seed)

        def tensors(idx):
            a, b, y = (torch.as_tensor(v, device=device) for v in pairs(group, idx))
            return torch.cat([F.one_hot(a, M), F.one_hot(b, M)], 1).to(dtype), y

        (self.X, self.y), (self.X_test, self.y_test) = tensors(tr), tensors(te)
        gen = torch.Generator().manual_seed(seed)
        W = (torch.rand(2 * M, hidden, generator=gen) * 2 - 1) * (1 / np.sqrt(2 * M))
        V = (torch.rand(hidden, M, generator=gen) * 2 - 1) * (init_scale_v / np.sqrt(hidden))
        self.first = torch.nn.Linear(2 * M, hidden, bias=False).to(device, dtype)
        self.readout = torch.nn.Linear(hidden, M, bias=False).to(device, dtype)
        with torch.no_grad():
            self.first.weight.copy_(W.T)
            self.readout.weight.copy_(V.T)
        self.sigma = ACTIVATIONS[activation]
        both = [self.first.weight, self.readout.weight]
        if optimizer == "muon_torch":
            self.optimizers = [torch.optim.Muon([self.first.weight], lr=lr, weight_decay=weight_decay),
                               torch.optim.Adam([self.readout.weight], lr=lr, weight_decay=weight_decay)]
        elif optimizer == "sgd":
            self.optimizers = [torch.optim.SGD(both, lr=lr, momentum=0.9, weight_decay=weight_decay)]
        else:
            cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[optimizer]
            self.optimizers = [cls(both, lr=lr, weight_decay=weight_decay)]

    @property
    def W(self) -> torch.Tensor:
        return self.first.weight.detach().T

    @property
    def V(self) -> torch.Tensor:
        return self.readout.weight.detach().T

    def loss_and_accuracy(self, X, y):
        out = self.readout(self.sigma(self.first(X)))
        target = F.one_hot(y, self.order).to(out.dtype) - 1.0 / self.order
        loss = ((out - out.mean(1, keepdim=True)) - target).pow(2).sum(1).mean()
        return loss, (out.argmax(1) == y).to(out.dtype).mean()

    def step(self, loss=None):
        """One full-batch optimizer step (from ``loss`` if already computed)."""
        if loss is None:
            loss, _ = self.loss_and_accuracy(self.X, self.y)
        for opt in self.optimizers:
            opt.zero_grad()
        loss.backward()
        for opt in self.optimizers:
            opt.step()

    def epoch(self, step: bool = True) -> list[float]:
        """[train loss, test loss, train acc, test acc] of the current weights, then one step."""
        with torch.set_grad_enabled(step):
            loss, acc = self.loss_and_accuracy(self.X, self.y)
        with torch.no_grad():
            test_loss, test_acc = self.loss_and_accuracy(self.X_test, self.y_test)
        row = torch.stack([loss.detach(), test_loss, acc, test_acc]).tolist()
        if step:
            self.step(loss)
        return row

    def run(self, epochs: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """``epochs`` steps: the history in li2lib's layout (epochs 0..epochs, each row before
        that epoch's step) and the final W and V."""
        rows = np.array([self.epoch(step=e < epochs) for e in range(epochs + 1)])
        history = dict(zip(("train_loss", "test_loss", "train_acc", "test_acc"), rows.T))
        return history, self.W.cpu().numpy(), self.V.cpu().numpy()


class AuthorLoop:
    """One run of the author's training loop in plain PyTorch (float64), for reference.

    Dense one-hot X; F_1 = sigma(X W); per hidden-to-hidden layer the block of ``residual``;
    outputs F V (the real part with complex weights); the class-centered MSE written out as in
    the author's ``compute_loss``; ``torch.optim`` over the weights (W only when ``ridge`` is
    set: then V is recomputed before every forward as V_t^T diag(s / (s^2 + lambda)) U^T Y from
    the SVD F = U diag(s) V_t, as the author's code does)."""

    def __init__(self, group, config: TrainConfig):
        M = self.M = group.order
        c = self.config = config
        train_idx, _ = split_indices(M * M, train_fraction=c.train_fraction, train_size=c.train_size, seed=c.seed)
        a, b, y = (torch.as_tensor(v) for v in pairs(group, train_idx))
        self.X = torch.cat([torch.nn.functional.one_hot(a, M), torch.nn.functional.one_hot(b, M)], 1).double()
        self.y = y
        init = c.network(M).init(torch.Generator().manual_seed(c.seed), c.init_scale_w, c.init_scale_v)
        dtype = torch.complex128 if c.complex_weights else torch.float64
        self.params = {k: v.to(dtype).clone().requires_grad_() for k, v in init.items()}
        self.sigma = ACTIVATIONS[c.activation]
        trained = [v for k, v in self.params.items() if not (c.ridge is not None and k == "V")]
        kind = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}.get(c.optimizer)
        if kind is None:
            self.optimizer = torch.optim.SGD(trained, lr=c.lr, momentum=0.9, weight_decay=c.weight_decay)
        else:
            self.optimizer = kind(trained, lr=c.lr, weight_decay=c.weight_decay)

    def hidden(self):
        X = self.X.to(self.params["W"].dtype)
        x = self.sigma(X @ self.params["W"])
        for l in range(2, self.config.layers):
            U = self.params[f"W{l}"]
            if self.config.residual == "inner":
                x = self.sigma(x + x @ U)
            elif self.config.residual:
                x = x + self.sigma(x @ U)
            else:
                x = self.sigma(x @ U)
        return x

    def loss(self):
        out = self.hidden() @ self.params["V"] * self.config.output_scale
        if out.is_complex():
            out = out.real
        zero_mean = out - out.mean(dim=1, keepdim=True)
        picked = zero_mean.gather(1, self.y[:, None])
        return zero_mean.pow(2).sum(dim=1).mean() - 2 * picked.mean() + 1 - 1.0 / self.M

    def set_ridge(self):
        with torch.no_grad():
            F = self.hidden() * self.config.output_scale
            U, s, Vt = torch.linalg.svd(F, full_matrices=False)
            Y = torch.nn.functional.one_hot(self.y, self.M).double() - 1.0 / self.M
            V = Vt.T @ ((U.T @ Y) * (s / (s**2 + self.config.ridge))[:, None])
            self.params["V"].copy_(V)

    def run(self):
        """Train losses at epochs 0..epochs (each before that epoch's step) and the final weights."""
        losses = []
        for e in range(self.config.epochs + 1):
            if self.config.ridge is not None:
                self.set_ridge()
            loss = self.loss()
            losses.append(loss.item())
            if e < self.config.epochs:
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
        return np.array(losses), {k: v.detach().numpy() for k, v in self.params.items()}
