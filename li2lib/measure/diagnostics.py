"""Paper Fig. 3's own diagnostics: how far each weight matrix moves between evaluations, and how
diagonal the hidden layer's Gram matrices stay (paper Lemma 1, the picture behind Stage II).

Notation: F = sigma(X W) (n x K) is the hidden layer on the n training pairs, F~ = P_1^perp F
the same centered over samples (P_1^perp = I - 1 1^T / n). Paper Lemma 1 says that for large K,
F~^T F~ ~ c I and F~ F~^T ~ c' P_1^perp; paper Fig. 3 reports that over training F~^T F~ and
P_1^perp F F^T stay diagonal "with up to 8% error", and that the cosine distance between
consecutive weights shows two stages, a large update on V first, then on W.

- :func:`cosine_distance`: 1 - cos(a, b) of two weight matrices, per run;
- :func:`feature_grams`: F~^T F~ and P_1^perp F F^T (principal blocks on subsets of nodes and
  samples, to keep the cost down);
- :func:`off_diagonal_ratio` and :func:`distance_from_ideal`: how far a Gram matrix is from
  diagonal, the two numbers the author's code logs;
- :func:`fig3_metrics`: all of them as ``metrics=`` for :func:`li2lib.train` and
  :func:`li2lib.train_many`, recorded at every evaluated epoch.
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["cosine_distance", "feature_grams", "off_diagonal_ratio", "distance_from_ideal", "gram_diagonality",
           "UpdateCosine", "fig3_metrics"]


def _tensor(x) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))


def cosine_distance(a, b) -> torch.Tensor:
    """1 - <a, b> / (||a|| ||b||), the entries of each matrix read as one vector.

    ``a`` and ``b`` are one weight matrix each (rows, cols), giving a number, or R runs stacked
    (R, rows, cols), giving one number per run. 0 when b is a positive multiple of a, 1 when
    they are orthogonal, 2 when b = -a. For complex weights <a, b> = Re sum conj(a) b, the real
    inner product of the entries read as pairs of reals.
    """
    a, b = _tensor(a), _tensor(b)
    if a.shape != b.shape or a.dim() not in (2, 3):
        raise ValueError(f"a and b must have one shape, (rows, cols) or (R, rows, cols), got {tuple(a.shape)} "
                         f"and {tuple(b.shape)}")
    dims = (-2, -1)
    inner = (a.conj() * b).real.sum(dim=dims)
    return 1 - inner / (a.norm(dim=dims) * b.norm(dim=dims))


def feature_grams(F, nodes=None, samples=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(F~^T F~, P_1^perp F F^T, F F^T) of the hidden layer F (n x K) of one run, real.

    F~ = P_1^perp F is F centered over all n samples. ``nodes`` (indices into K) keeps only
    the principal block of F~^T F~ on those nodes, and ``samples`` (indices into n) only the
    blocks of P_1^perp F F^T and F F^T on those samples (rows and columns); the centering always
    uses all n samples. A block on a random subset has the same expected mean absolute entry on and
    off the diagonal as the whole matrix, at a fraction of the cost (n len(nodes)^2 and
    K len(samples)^2 multiply-adds instead of n K^2 and n^2 K). F F^T comes from P_1^perp F F^T at no extra
    product: (F F^T)_ik = (P_1^perp F F^T)_ik + (F mu)_k, mu the mean row of F.
    """
    F = _tensor(F)
    if F.dim() != 2 or F.is_complex():
        raise ValueError(f"F must be a real matrix (n, K), got shape {tuple(F.shape)} and dtype {F.dtype}")
    mu = F.mean(dim=0)
    centered = F - mu
    block = centered if nodes is None else centered[:, _tensor(nodes)]
    rows = slice(None) if samples is None else _tensor(samples)
    pfft = centered[rows] @ F[rows].T
    return block.T @ block, pfft, pfft + (F[rows] @ mu)[None, :]


def _square(G) -> torch.Tensor:
    G = _tensor(G)
    if G.dim() < 2 or G.shape[-1] != G.shape[-2] or G.shape[-1] < 2:
        raise ValueError(f"G must be square, (..., N, N) with N >= 2, got shape {tuple(G.shape)}")
    return G


def off_diagonal_ratio(G) -> torch.Tensor:
    """mean_{i != j} abs(G_ij) / mean_i abs(G_ii) of a square matrix G (N x N, or stacked (..., N, N)).

    The author's ``off_diag_avg / diag_avg``: 0 for a diagonal matrix, abs(o) / abs(d) for
    G = d I + o (1 1^T - I).
    """
    G = _square(G).abs()
    N = G.shape[-1]
    diag = G.diagonal(dim1=-2, dim2=-1).sum(-1)
    return (G.sum(dim=(-2, -1)) - diag) / (N * (N - 1)) / (diag / N)


def distance_from_ideal(G) -> torch.Tensor:
    """||G - G^||_F / ||G||_F with G^ = (d - o) I + o 1 1^T, d and o the mean diagonal and mean
    off-diagonal entry of G (N x N, or stacked): how far G is from "identity plus a constant".

    The author's ``FF^t_dist_from_ideal``, logged for G = F F^T. 0 exactly when every diagonal
    entry is equal and every off-diagonal entry is equal.
    """
    G = _square(G)
    N = G.shape[-1]
    total, diag = G.sum(dim=(-2, -1)), G.diagonal(dim1=-2, dim2=-1).sum(-1)
    d, o = diag / N, (total - diag) / (N * (N - 1))
    eye = torch.eye(N, dtype=G.dtype, device=G.device)
    ideal = (d - o)[..., None, None] * eye + o[..., None, None]
    return (G - ideal).norm(dim=(-2, -1)) / G.norm(dim=(-2, -1))


def gram_diagonality(F, nodes=None, samples=None) -> dict[str, torch.Tensor]:
    """The three Gram numbers of paper Fig. 3 for one run's hidden layer F (n x K):

    - ``ftf_offdiag``: :func:`off_diagonal_ratio` of F~^T F~ (Lemma 1: ~ 0);
    - ``pfft_offdiag``: :func:`off_diagonal_ratio` of P_1^perp F F^T (Lemma 1: F~ F~^T ~ c' P_1^perp);
    - ``fft_ideal``: :func:`distance_from_ideal` of F F^T (the author's ``FF^t_dist_from_ideal``).

    ``nodes`` and ``samples`` as in :func:`feature_grams`.
    """
    ftf, pfft, fft = feature_grams(F, nodes, samples)
    return {"ftf_offdiag": off_diagonal_ratio(ftf), "pfft_offdiag": off_diagonal_ratio(pfft),
            "fft_ideal": distance_from_ideal(fft)}


class UpdateCosine:
    """A metric (see :mod:`li2lib.training.metrics`): :func:`cosine_distance` between weight
    ``name`` now and at the previous evaluated epoch, one number per run (Fig. 3's "cosine
    distance between consecutive weights", over ``eval_every`` steps).

    It keeps the previous weights between calls. At the first evaluated epoch, and whenever the
    batch changes under it (a run left the batch, or a new batch starts at epoch 0), there is
    no previous value it can match to a run, and it gives NaN.
    """

    def __init__(self, name: str):
        self.name = name
        self.previous: torch.Tensor | None = None
        self.epoch = -1

    def __call__(self, state) -> torch.Tensor:
        if self.name not in state.params:
            raise ValueError(f"UpdateCosine: the network has no weight {self.name!r}; it has {sorted(state.params)}")
        now = state.params[self.name].detach()
        before, epoch = self.previous, self.epoch
        self.previous, self.epoch = now.clone(), state.epoch
        if before is None or before.shape != now.shape or state.epoch <= epoch:
            return torch.full(now.shape[:1], math.nan, dtype=now.real.dtype, device=now.device)
        return cosine_distance(before, now)


def _subset(size: int, keep: int | None, generator: torch.Generator) -> torch.Tensor | None:
    if keep is None or keep >= size:
        return None
    return torch.randperm(size, generator=generator)[:keep].sort().values


def fig3_metrics(weights=("W", "V"), nodes: int | None = 512, samples: int | None = 512, gram_every: int = 1,
                 seed: int = 0) -> dict:
    """Paper Fig. 3's diagnostics as ``metrics=`` for :func:`li2lib.train` / :func:`li2lib.train_many`.

    Returns a dict name -> metric, each logged in the history at every evaluated epoch:

    - ``<w>_update_cos`` for each name in ``weights`` (lower case: ``w_update_cos``,
      ``v_update_cos``): :class:`UpdateCosine`, the cosine distance since the previous
      evaluated epoch (NaN at the first);
    - ``ftf_offdiag``, ``pfft_offdiag``, ``fft_ideal``: :func:`gram_diagonality` of the last
      hidden layer on each run's training pairs, on blocks of ``nodes`` random nodes and
      ``samples`` random training pairs (None: all of them; the full matrices cost about a
      second per run and evaluation at K = n = 2048 on one CPU core, 512 of each about 1/20 of
      that). The subsets are drawn once for each position r in the batch, from a generator
      seeded with ``seed + r``, and kept, so that every epoch of a run is measured on the same
      block (a blocks' relative error, against the full matrices, was under 3% at 512 in the
      paper Fig. 3 setting). They are computed only at evaluated
      epochs that are multiples of ``gram_every``, NaN at the others.

    Use a fresh dict for each training call (the update cosine keeps state between calls).
    """
    for name, value in (("nodes", nodes), ("samples", samples)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 2):
            raise ValueError(f"{name} must be an integer >= 2 or None, got {value!r}")
    if isinstance(gram_every, bool) or not isinstance(gram_every, int) or gram_every < 1:
        raise ValueError(f"gram_every must be an integer >= 1, got {gram_every!r}")
    if isinstance(weights, str) or not all(isinstance(w, str) for w in weights) or not weights:
        raise ValueError(f"weights must be a non-empty tuple of weight names, got {weights!r}")
    blocks: dict = {}
    cache: dict = {}

    def grams(state) -> dict[str, torch.Tensor]:
        """All three Gram numbers of every run, computed once per evaluated epoch (the three
        metrics are called with the same state)."""
        if cache.get("state") is state:
            return cache["values"]
        runs = state.train.count.shape[0]
        if state.epoch % gram_every:
            nan = torch.full((runs,), math.nan, dtype=state.train.weight.dtype, device=state.train.weight.device)
            cache.update(state=state, values=dict.fromkeys(("ftf_offdiag", "pfft_offdiag", "fft_ideal"), nan))
            return cache["values"]
        F = state.network.features(state.params, state.train.inputs).detach()
        if F.is_complex():
            raise ValueError("fig3_metrics: the Gram diagnostics need real features, got complex weights")
        counts = state.train.count.tolist()
        rows = []
        for r, n in enumerate(counts):
            key = (F.shape[-1], n, r, len(counts))
            if key not in blocks:
                generator = torch.Generator().manual_seed(seed + r)
                blocks[key] = (_subset(F.shape[-1], nodes, generator), _subset(n, samples, generator))
            rows.append(gram_diagonality(F[r, :n], *blocks[key]))
        values = {k: torch.stack([row[k] for row in rows]) for k in rows[0]}
        cache.update(state=state, values=values)
        return values

    metrics = {f"{w.lower()}_update_cos": UpdateCosine(w) for w in weights}
    for key in ("ftf_offdiag", "pfft_offdiag", "fft_ideal"):
        metrics[key] = lambda state, key=key: grams(state)[key]
    return metrics
