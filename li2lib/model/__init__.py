"""The paper's networks on one-hot pairs (Sec. 2, Eq. 1; deeper nets of Sec. 6).

- ``activations``: sigma and its derivative (x^2, x + x^2, ReLU, SiLU, linear).
- ``pairs``: the first layer X W as a row gather, for one run or R runs stacked, and the
  blocked evaluation of sigma(X W) V the training engine uses.
- ``nets``: :class:`TwoLayer` and :class:`DeepNet` as functions of stacked parameters (what
  the engine trains; real or complex weights, three kinds of hidden-to-hidden layers), and
  :class:`TwoLayerNet`, the two-layer net as a ``torch.nn.Module``.
"""

from .activations import ACTIVATIONS, DERIVATIVES
from .nets import HOLOMORPHIC, RESIDUALS, DeepNet, Network, TwoLayer, TwoLayerNet, check_residual, make_network
from .pairs import PairInputs, Workspace, block_size, dense_preactivation, pair_preactivation, pair_readout

__all__ = [
    "ACTIVATIONS",
    "DERIVATIVES",
    "DeepNet",
    "HOLOMORPHIC",
    "RESIDUALS",
    "Network",
    "PairInputs",
    "TwoLayer",
    "TwoLayerNet",
    "Workspace",
    "block_size",
    "check_residual",
    "dense_preactivation",
    "make_network",
    "pair_preactivation",
    "pair_readout",
]
