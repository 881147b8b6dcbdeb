"""Networks on pair inputs: the paper's two-layer net (Eq. 1) and deeper nets (Sec. 6).

The training engine treats a network as a pure function of its parameters, stacked over R
runs on a leading axis: ``net.outputs(params, x)`` maps ``{"W": (R, 2M, K), ..., "V": (R, K, M)}``
and the inputs of R runs to outputs (R, n, M). Every network has a first layer ``W`` (2M x K,
the paper's orientation: column j is node w_j) and a readout ``V`` (K x M); deeper nets add
hidden-to-hidden layers ``W2``, ``W3``, ... (K x K). :class:`TwoLayerNet` is the same two-layer
net as an ordinary ``torch.nn.Module`` for one run, the form the chapters use to show the idea.

Two variants of the author's code (App. D, Figs. 10-11 and 17) are options of the networks:
complex weights (the outputs are the real part of sigma(X W) V) and the residual block
h <- sigma(h + h U) of ``other_layers`` beside the Sec. 6 form F_l = F_{l-1} + sigma(F_{l-1} W_l).
"""

from __future__ import annotations

import math

import torch

from .activations import ACTIVATIONS, check_activation
from .pairs import PairInputs, Workspace, pair_preactivation, pair_readout

__all__ = ["Network", "TwoLayer", "DeepNet", "make_network", "TwoLayerNet", "RESIDUALS", "HOLOMORPHIC", "check_residual"]

RESIDUALS = (False, True, "inner")
"""The hidden-to-hidden layers of :class:`DeepNet`: ``False``: F_l = sigma(F_{l-1} W_l);
``True``: F_l = F_{l-1} + sigma(F_{l-1} W_l) (Sec. 6); ``"inner"``: F_l = sigma(F_{l-1} + F_{l-1} W_l)
(the author's ``other_layers`` blocks, used for Figs. 9 and 17)."""

HOLOMORPHIC = ("square", "quadratic", "linear")
"""The activations defined for complex weights (polynomials: complex-differentiable)."""


def check_residual(residual) -> None:
    """Raise ValueError unless ``residual`` is one of ``RESIDUALS`` (False, True or "inner")."""
    if not (isinstance(residual, bool) or (isinstance(residual, str) and residual == "inner")):
        raise ValueError(f"residual must be one of {list(RESIDUALS)}, got {residual!r}")


class Network:
    """Base class: sizes, activation, output scale beta, complex weights, and the initialisation.

    Initialisation follows PyTorch's ``nn.Linear`` default used by the author's code: entries
    uniform in +-1/sqrt(fan_in), times ``init_scale_w`` (every layer but the readout) and
    ``init_scale_v`` (the readout V; ``init_scale_v=0`` is the zero-init of Sec. 3.2). Layers
    are drawn in order from one CPU generator, so a seed gives the same network on every device.

    With ``complex_weights`` the real parts are drawn exactly as above (the same numbers as the
    real network of that seed) and the imaginary parts afterwards, from the same generator and
    in the same order, uniform in +-imag_init * (each layer's real bound). ``imag_init=0`` is
    the author's code (``use_complex_weights``: the real initialisation cast to complex).
    """

    readout = "V"

    def __init__(self, order: int, hidden: int, activation: str = "square", *, output_scale: float = 1.0,
                 complex_weights: bool = False, imag_init: float = 0.0):
        check_activation(activation)
        if complex_weights and activation not in HOLOMORPHIC:
            raise ValueError(f"activation must be one of {list(HOLOMORPHIC)} with complex weights, got {activation!r}")
        self.order, self.hidden, self.activation = order, hidden, activation
        self.sigma = ACTIVATIONS[activation]
        self.output_scale = output_scale
        self.complex_weights, self.imag_init = complex_weights, imag_init

    def shapes(self) -> dict[str, tuple[int, int]]:
        """Per-run shape of each parameter, in initialisation order (readout ``V`` last)."""
        raise NotImplementedError

    @property
    def hidden_params(self) -> tuple[str, ...]:
        """The hidden-layer matrices (all but the readout): the ones Muon orthogonalises."""
        return tuple(name for name in self.shapes() if name != self.readout)

    def init(self, generator: torch.Generator, init_scale_w: float = 1.0, init_scale_v: float = 1.0) -> dict:
        """One run's parameters (float32, or complex64 with complex weights; CPU), drawn from ``generator``."""
        params, bounds = {}, {}
        for name, (fan_in, cols) in self.shapes().items():
            scale = init_scale_v if name == self.readout else init_scale_w
            bounds[name] = scale / math.sqrt(fan_in)
            params[name] = (torch.rand(fan_in, cols, generator=generator) * 2 - 1) * bounds[name]
        if self.complex_weights:
            for name, real in params.items():
                imag = torch.zeros_like(real)
                if self.imag_init:
                    imag = (torch.rand(real.shape, generator=generator) * 2 - 1) * (self.imag_init * bounds[name])
                params[name] = torch.complex(real, imag)
        return params

    def outputs(self, params: dict, x: PairInputs, workspace: Workspace | None = None) -> torch.Tensor:
        """Y_hat for R stacked runs: (R, n, M)."""
        raise NotImplementedError

    def features(self, params: dict, x: PairInputs) -> torch.Tensor:
        """The last hidden layer, (R, n, K): what the readout V reads."""
        raise NotImplementedError

    def layer_features(self, params: dict, x: PairInputs) -> list[torch.Tensor]:
        """[F_1, ..., F_{L-1}], every hidden layer, each (R, n, K); one layer for a two-layer net."""
        return [self.features(params, x)]


class TwoLayer(Network):
    """Y_hat = beta sigma(X W) V (Eq. 1), evaluated by :func:`pair_readout` (in chunks of samples
    on a CPU, all samples at once on a GPU)."""

    def shapes(self):
        return {"W": (2 * self.order, self.hidden), "V": (self.hidden, self.order)}

    def features(self, params: dict, x: PairInputs) -> torch.Tensor:
        """F = sigma(X W), (R, n, K)."""
        return self.sigma(pair_preactivation(params["W"], x.a, x.b))

    def outputs(self, params, x, workspace=None):
        out = pair_readout(params["W"], params["V"], x, self.activation, workspace=workspace)
        return out * self.output_scale if self.output_scale != 1 else out


class DeepNet(Network):
    """F_1 = sigma(X W), F_l = sigma(F_{l-1} W_l) for l = 2..L-1, Y_hat = beta F_{L-1} V (Sec. 6).

    ``layers`` counts weight matrices, readout included (2 is the paper's two-layer net).
    ``residual`` (see ``li2lib.model.RESIDUALS``): ``True`` adds each hidden-to-hidden layer's input
    back, F_l = F_{l-1} + sigma(F_{l-1} W_l), so the readout's gradient reaches F_1 directly
    (Sec. 6: G_res,1 is the sum of the G_l); ``"inner"`` is the author's block
    F_l = sigma(F_{l-1} + F_{l-1} W_l). Evaluated with plain autograd, which also makes it the
    network for complex weights (then Y_hat is the real part).
    """

    def __init__(self, order, hidden, activation="square", *, layers: int = 3, residual: bool | str = False,
                 output_scale=1.0, complex_weights: bool = False, imag_init: float = 0.0):
        super().__init__(order, hidden, activation, output_scale=output_scale, complex_weights=complex_weights,
                         imag_init=imag_init)
        if isinstance(layers, bool) or not isinstance(layers, int) or layers < 2:
            raise ValueError(f"layers must be an integer >= 2, got {layers!r}")
        check_residual(residual)
        self.layers, self.residual = layers, residual

    def shapes(self):
        shapes = {"W": (2 * self.order, self.hidden)}
        shapes.update({f"W{l}": (self.hidden, self.hidden) for l in range(2, self.layers)})
        shapes["V"] = (self.hidden, self.order)
        return shapes

    def layer_features(self, params, x) -> list[torch.Tensor]:
        """[F_1, ..., F_{L-1}], every hidden layer, each (R, n, K)."""
        F = self.sigma(pair_preactivation(params["W"], x.a, x.b))
        layers = [F]
        for l in range(2, self.layers):
            if self.residual == "inner":
                F = self.sigma(F + F @ params[f"W{l}"])
            elif self.residual:
                F = F + self.sigma(F @ params[f"W{l}"])
            else:
                F = self.sigma(F @ params[f"W{l}"])
            layers.append(F)
        return layers

    def features(self, params, x):
        """F_{L-1}, the last hidden layer, (R, n, K)."""
        return self.layer_features(params, x)[-1]

    def outputs(self, params, x, workspace=None):
        out = (self.features(params, x) @ params["V"]) * self.output_scale
        return out.real if self.complex_weights else out


def make_network(order: int, hidden: int, activation: str = "square", *, layers: int = 2,
                 residual: bool | str = False, output_scale: float = 1.0, complex_weights: bool = False,
                 imag_init: float = 0.0) -> Network:
    """The network a training config asks for: :class:`TwoLayer` for the paper's real two-layer
    net (the fast blocked pass), else :class:`DeepNet`."""
    if layers == 2 and residual is False and not complex_weights:
        return TwoLayer(order, hidden, activation, output_scale=output_scale)
    return DeepNet(order, hidden, activation, layers=layers, residual=residual, output_scale=output_scale,
                   complex_weights=complex_weights, imag_init=imag_init)


class TwoLayerNet(torch.nn.Module):
    """sigma(X W) V for one run, W: (2M, K), V: (K, M), as an ordinary ``torch.nn.Module``.

    The same network and initialisation as :class:`TwoLayer` (``init_scale_v=0`` is the
    zero-init of V of Sec. 3.2); weights are drawn on the CPU from ``generator``.
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
        net = TwoLayer(order, hidden, activation)
        self.order, self.hidden, self.activation, self.sigma = order, hidden, activation, net.sigma
        params = net.init(generator if generator is not None else torch.default_generator, init_scale_w, init_scale_v)
        self.W = torch.nn.Parameter(params["W"])
        self.V = torch.nn.Parameter(params["V"])

    def features(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """F = sigma(X W), the n x K hidden activations."""
        return self.sigma(pair_preactivation(self.W, a, b))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Y_hat = F V, the n x M outputs."""
        return self.features(a, b) @ self.V
