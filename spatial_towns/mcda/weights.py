"""Criterion weights: AHP from a pairwise matrix, and objective entropy and CRITIC weights.

All functions take plain numpy arrays so they can be checked against reference
implementations (the tests compare with pymcdm). The decision matrix passed to
:func:`entropy` and :func:`critic` has one row per eligible town and one column per
criterion, already transformed so that larger is better (see :mod:`spatial_towns.transforms`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import errors

#: Saaty's random consistency index by matrix order (Saaty 1980, Table 1.7; n = 1..10).
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)

#: A pairwise matrix is accepted when its consistency ratio is at most this (Saaty).
MAX_CR = 0.1

#: Saaty's fundamental scale: the values a judgement may take, 1/9 ... 1 ... 9.
SAATY_VALUES = tuple([1.0 / k for k in range(9, 1, -1)] + [float(k) for k in range(1, 10)])

#: How a subjective and an objective weight vector are combined (组合赋权).
COMBINATION_RULES = ("linear", "multiplicative")


@dataclass(frozen=True)
class AHPResult:
    """Priority weights of a pairwise comparison matrix and its consistency.

    ``worst_pair`` = (i, j) is the judgement that disagrees most with the derived weights:
    the largest ``|log(a_ij × w_j / w_i)|``; ``implied`` is ``w_i / w_j``, the value that
    judgement would need to be consistent.
    """

    weights: np.ndarray
    lambda_max: float
    ci: float
    ri: float
    cr: float
    worst_pair: tuple[int, int] | None = None
    implied: float | None = None


@dataclass(frozen=True)
class WeightsUsed:
    """What a run used: the method, the weight of each scored criterion (summing to 1), the
    AHP consistency when applicable, a note on how the weights were obtained, and for combined
    weights their ``parts`` (``subjective`` and ``objective``, each summing to 1)."""

    method: str
    weights: dict = field(default_factory=dict)
    ahp: AHPResult | None = None
    note: str = ""
    parts: dict = field(default_factory=dict)
    #: The expert panel's aggregated weights (a ``panel.PanelWeights``) when the weights come
    #: from a panel; its family sits above this one, hence the plain type.
    panel: object = None


def ahp(matrix: np.ndarray) -> AHPResult:
    """Principal-eigenvector weights and Saaty's consistency ratio of a pairwise matrix.

    Parameters
    ----------
    matrix
        Square, positive, reciprocal matrix (``a_ij`` = importance of criterion i over j).

    Returns
    -------
    AHPResult
        Weights summing to 1, ``lambda_max``, ``CI = (lambda_max - n) / (n - 1)``,
        Saaty's random index ``RI`` and ``CR = CI / RI`` (0 for n <= 2, which are always
        consistent).
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if a.ndim != 2 or a.shape != (n, n) or n == 0:
        raise errors.ConfigError(f"AHP needs a square pairwise matrix, got shape {a.shape}")
    if n > len(RANDOM_INDEX):
        raise errors.ConfigError(
            f"AHP with {n} criteria: Saaty's random index is tabulated up to "
            f"{len(RANDOM_INDEX)}; group criteria into a hierarchy")
    vals, vecs = np.linalg.eig(a)
    # Perron root of a positive matrix: real, and the largest eigenvalue in modulus.
    k = int(np.argmax(np.abs(vals)))
    lam = float(vals[k].real)
    w = vecs[:, k].real
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ri = RANDOM_INDEX[n - 1]
    cr = ci / ri if ri > 0 else 0.0
    worst, implied = None, None
    if n > 2:
        err = np.abs(np.log(a * w[None, :] / w[:, None]))
        i, j = np.unravel_index(int(np.argmax(np.triu(err, 1))), err.shape)
        worst, implied = (int(i), int(j)), float(w[i] / w[j])
    return AHPResult(weights=w, lambda_max=lam, ci=ci, ri=ri, cr=cr, worst_pair=worst,
                     implied=implied)


@dataclass(frozen=True)
class Revisit:
    """The judgement whose revision lowers a matrix's consistency ratio most.

    ``pair`` = (i, j), i < j, with its ``current`` value ``a_ij``; ``consistent`` is
    ``w_i / w_j``, the value the other judgements imply; ``suggested`` the scale value that,
    put in place of ``a_ij`` alone (``a_ji`` its reciprocal), gives the lowest CR,
    ``cr_after``; ``cr_before`` is the matrix's CR as it stands.
    """

    pair: tuple[int, int]
    current: float
    consistent: float
    suggested: float
    cr_before: float
    cr_after: float


def revisit(matrix: np.ndarray, values: tuple[float, ...] = SAATY_VALUES) -> Revisit | None:
    """The single judgement to revise for the largest drop in CR (a second-round suggestion).

    Every upper-triangle judgement is tried at every value of ``values`` (Saaty's scale, so
    the suggestion is an answer the questionnaire offers), the others left as they are; the
    pair and value with the lowest CR win (ties: the first pair in row order, then the value
    nearest the current one). ``None`` for n <= 2, which is always consistent.
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if n <= 2:
        return None
    base = ahp(a)
    best: tuple[float, float, int, int, float] | None = None
    for i in range(n - 1):
        for j in range(i + 1, n):
            for v in values:
                key = (round(ahp(_with(a, i, j, v)).cr, 12), abs(np.log(v / a[i, j])), i, j, v)
                if best is None or key < best:
                    best = key
    assert best is not None
    cr_after, _, i, j, v = best
    return Revisit(pair=(i, j), current=float(a[i, j]),
                   consistent=float(base.weights[i] / base.weights[j]), suggested=float(v),
                   cr_before=base.cr, cr_after=float(ahp(_with(a, i, j, v)).cr))


def _with(a: np.ndarray, i: int, j: int, v: float) -> np.ndarray:
    b = a.copy()
    b[i, j], b[j, i] = v, 1.0 / v
    return b


def check_consistency(res: AHPResult, names: list[str] | tuple[str, ...],
                      matrix: np.ndarray) -> None:
    """Raise a :class:`~spatial_towns.errors.ConfigError` when ``CR > MAX_CR``, stating the CR
    and the most inconsistent judgement with the value the weights imply for it."""
    if res.cr <= MAX_CR:
        return
    msg = (f"AHP pairwise matrix is inconsistent: consistency ratio CR = {res.cr:.3f} > "
           f"{MAX_CR} (lambda_max {res.lambda_max:.3f}, CI {res.ci:.3f}, RI {res.ri:.2f})")
    if res.worst_pair is not None:
        i, j = res.worst_pair
        msg += (f"; the most inconsistent judgement is {names[i]} vs {names[j]} = "
                f"{matrix[i][j]:.3g} while the other judgements imply about {res.implied:.3g}; "
                "revise it (or the judgements it conflicts with)")
    raise errors.ConfigError(msg)


def entropy(matrix: np.ndarray) -> np.ndarray:
    """Shannon-entropy weights of a non-negative decision matrix (rows: towns).

    ``p_ij = x_ij / Σ_i x_ij``, ``E_j = -Σ_i p_ij ln p_ij / ln m`` with ``0 ln 0 = 0``,
    weight ∝ ``1 - E_j``. A column that is all zero carries no information and gets weight 0.
    (pymcdm instead sets ``E_j = 0`` when any ``x_ij = 0``; the two agree on positive
    matrices. With min-max criteria every column has a zero, so that convention would give
    every criterion the same weight.)
    """
    x = np.asarray(matrix, dtype=float)
    m, n = x.shape
    if m < 2:
        raise errors.ConfigError("entropy weights need at least 2 eligible towns")
    if (x < 0).any() or not np.isfinite(x).all():
        raise errors.ConfigError("entropy weights need finite, non-negative criterion values")
    tot = x.sum(axis=0)
    d = np.zeros(n)
    for j in range(n):
        if tot[j] <= 0:
            continue
        p = x[:, j] / tot[j]
        p = p[p > 0]
        d[j] = 1.0 - float(-(p * np.log(p)).sum() / np.log(m))
    return _normalised(np.clip(d, 0.0, None), "entropy")


def critic(matrix: np.ndarray) -> np.ndarray:
    """CRITIC weights (Diakoulaki et al. 1995) of a decision matrix whose columns are all
    benefit-oriented (rows: towns).

    Each column is min-max normalised; ``C_j = σ_j Σ_k (1 - r_jk)`` with the sample standard
    deviation ``σ_j`` (ddof = 1) and Pearson correlations ``r_jk``; weight ∝ ``C_j``. A
    column without spread gets weight 0 and is left out of the others' conflict sums (its
    correlation is undefined).
    """
    x = np.asarray(matrix, dtype=float)
    m, n = x.shape
    if m < 3:
        raise errors.ConfigError("CRITIC weights need at least 3 eligible towns")
    if not np.isfinite(x).all():
        raise errors.ConfigError("CRITIC weights need finite criterion values")
    lo, hi = x.min(axis=0), x.max(axis=0)
    live = hi > lo
    c = np.zeros(n)
    if live.any():
        z = (x[:, live] - lo[live]) / (hi[live] - lo[live])
        sd = z.std(axis=0, ddof=1)
        r = np.atleast_2d(np.corrcoef(z, rowvar=False))
        c[live] = sd * (1.0 - r).sum(axis=0)
    return _normalised(c, "CRITIC")


def combine(subjective: np.ndarray, objective: np.ndarray, *, rule: str = "linear",
            alpha: float = 0.5) -> np.ndarray:
    """Combined weights (组合赋权) of a subjective and an objective weight vector.

    ``linear``: ``w = alpha × s + (1 - alpha) × o`` (``alpha`` in [0, 1], the subjective
    share); ``multiplicative``: ``w_j = s_j o_j / Σ_k s_k o_k`` (multiplicative
    normalisation: a criterion needs both the judges' and the data's weight). Both inputs
    are normalised to sum 1 first.
    """
    s = _normalised(np.asarray(subjective, dtype=float), "subjective")
    o = _normalised(np.asarray(objective, dtype=float), "objective")
    if s.shape != o.shape:
        raise errors.ConfigError(f"combined weights: {s.size} subjective but {o.size} "
                                 "objective weights")
    if rule == "linear":
        if not 0.0 <= alpha <= 1.0:
            raise errors.ConfigError(f"weighting.alpha = {alpha} must be in [0, 1]")
        return alpha * s + (1.0 - alpha) * o
    if rule == "multiplicative":
        return _normalised(s * o, "multiplicative combined")
    raise errors.ConfigError(f"weighting.rule {rule!r} is not one of {COMBINATION_RULES}")


def _normalised(v: np.ndarray, what: str) -> np.ndarray:
    s = v.sum()
    if not s > 0:
        raise errors.ConfigError(
            f"{what} weights are undefined: no criterion varies among the eligible towns")
    return v / s
