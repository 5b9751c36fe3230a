"""The diversity of a set of images in a network's feature space: the mean pairwise cosine
distance of their features, with its standard error. The gauge's within-class diversity (and
the frontier's diversity collapse, which reads it) is this number, and the built-in
``diversity`` reward's audit scores each image by its distance to the others (through
:mod:`rlgan_bench.api`)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def mean_cosine_distance(features: Tensor) -> Tensor:
    """Each row's mean cosine distance to the other rows (N,)."""
    n = features.shape[0]
    if n < 2:
        return torch.zeros(n)
    unit = F.normalize(features.float(), dim=1)
    similarity = unit @ unit.T
    return 1 - (similarity.sum(1) - similarity.diagonal()) / (n - 1)


def diversity(features: Tensor) -> float | None:
    """The mean pairwise cosine distance of ``features`` (None below two rows)."""
    if len(features) < 2:
        return None
    return float(mean_cosine_distance(features).mean())


def diversity_stderr(features: Tensor) -> float | None:
    """The standard error of the mean pairwise distance, a U-statistic of degree 2:
    2 sd(each row's mean distance to the others) / sqrt(n) (Hoeffding's first-order term)."""
    if len(features) < 3:
        return None
    rows = mean_cosine_distance(features).double()
    return float(2 * rows.std() / math.sqrt(len(rows)))


__all__ = ["diversity", "diversity_stderr", "mean_cosine_distance"]
