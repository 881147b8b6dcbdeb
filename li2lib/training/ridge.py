"""The readout held at its ridge solution every step (the author's ``set_weight_reg``, Figs. 12-13).

For the hidden features F (n x K) of a run's training pairs, as computed (not centered), and
the class-centered one-hot targets Y = onehot - 1/M (n x M), the readout that minimises
||Y - beta F V||_F^2 + eta ||V||_F^2 is

    V = beta (beta^2 F^T F + eta I_K)^-1 F^T Y            (primal, a K x K system)
      = beta F^T (beta^2 F F^T + eta I_n)^-1 Y            (dual, an n x n system),

equal by the push-through identity (F^T F + c I)^-1 F^T = F^T (F F^T + c I)^-1. This is
Prop. 1's V_ridge with the author's conventions (uncentered F, targets centered over classes).
:func:`ridge_readout` solves whichever system is smaller, for R runs at once, in float64 by a
Cholesky factorisation (the matrix is symmetric positive definite for eta > 0), without
any synchronisation with the host.
"""

from __future__ import annotations

import torch

__all__ = ["ridge_readout"]


def ridge_readout(F: torch.Tensor, Y: torch.Tensor, eta: float, beta: float = 1.0) -> torch.Tensor:
    """V = argmin ||Y - beta F V||^2 + eta ||V||^2 for stacked runs: F (R, n, K), Y (R, n, M) -> (R, K, M).

    Rows of F and Y that are zero (padding) do not change the solution. Computed in float64
    in the primal form when K <= n, else in the dual form; returned in F's dtype.
    """
    if F.dim() != 3 or Y.dim() != 3 or F.shape[:2] != Y.shape[:2]:
        raise ValueError(f"F (R, n, K) and Y (R, n, M) must agree in R and n, got {tuple(F.shape)} and {tuple(Y.shape)}")
    if not eta > 0:
        raise ValueError(f"eta must be > 0, got {eta!r}")
    Fd, Yd = F.double() * beta, Y.double()
    n, K = F.shape[1], F.shape[2]
    if K <= n:
        A = Fd.transpose(1, 2) @ Fd
        A.diagonal(dim1=1, dim2=2).add_(eta)
        L, _ = torch.linalg.cholesky_ex(A)
        V = torch.cholesky_solve(Fd.transpose(1, 2) @ Yd, L)
    else:
        A = Fd @ Fd.transpose(1, 2)
        A.diagonal(dim1=1, dim2=2).add_(eta)
        L, _ = torch.linalg.cholesky_ex(A)
        V = Fd.transpose(1, 2) @ torch.cholesky_solve(Yd, L)
    return V.to(F.dtype)
