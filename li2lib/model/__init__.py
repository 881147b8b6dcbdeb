"""The paper's networks on one-hot pairs (Sec. 2, Eq. 1; deeper nets of Sec. 6).

Its files, one part each, are listed in the module map of :mod:`li2lib`.
"""

from .._lazy import submodules
from .activations import ACTIVATIONS, DERIVATIVES
from .nets import HOLOMORPHIC, RESIDUALS, DeepNet, Network, TwoLayer, TwoLayerNet, check_residual, make_network
from .pairs import PairInputs, Workspace, chunk_rows, dense_preactivation, pair_preactivation, pair_readout

SUBMODULES, __getattr__, __dir__ = submodules(globals())

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
    "chunk_rows",
    "check_residual",
    "dense_preactivation",
    "make_network",
    "pair_preactivation",
    "pair_readout",
]
