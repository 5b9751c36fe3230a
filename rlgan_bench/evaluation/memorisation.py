"""Memorisation: how many generated samples are nearer to a training image than real images
the generator never saw are (Meehan et al. 2020, *A non-parametric test to detect
data-copying in generative models*; Alaa et al. 2022's *authenticity*).

Every image is described by the evaluation network's penultimate features (the digits'
``digit-eval-net``, the features of the FID). For a sample ``x``:

- ``t``: its nearest training image (the ``train`` split, what the GAN learned from), by the
  **cosine distance** ``1 - cos(f(x), f(t))``;
- ``scale(t)``: the cosine distance from ``t`` to its nearest other training image (one with
  other features: exact duplicates are skipped);
- ``relative(x) = distance(x, t) / scale(t)``: the nearest-training distance in units of how far
  apart the training images are where ``x`` landed.

The **reference** is the same for the held-out real images; its ``quantile`` (5 %) is the
threshold. The **memorisation share** of a set of samples is the fraction whose relative
distance is below the threshold: for held-out real images about 5 % by construction, so a
generator that draws new images like the real ones is near 5 %, one that copies training
images near 1.

Why these choices (measured on the embedded digits, 1,197 training and 600 held-out images;
docs/metrics.md#memorisation):

- **cosine** rather than raw L2: the share is a count below a threshold, so only the order of
  the distances matters; cosine is L2 between L2-normalised features (the same order), is
  blind to the features' overall size, which follows contrast as much as shape, and is the
  distance the gauge's within-class diversity already uses;
- **relative** rather than the raw distance: the training images lie closer together for some
  digits than others (held-out zeros fall under the raw 5 % threshold 16 % of the time,
  eights 2 %), so a reward that asks for a class would move the raw share by the class alone;
  divided by the local scale every class is near 5 %, and near-copies are told apart better
  (training images shifted by one pixel: 48 % against 31 %);
- **5 %**: the threshold is estimated from the 30 lowest of 600 held-out images; 1 % would rest
  on 6, 10 % would count ordinary close-but-new samples.

A rise is judged against the base's share on the same evaluation latents, by :func:`rose`: a
one-sided two-proportion z-test at 95 % (:data:`Z_CRITICAL`) and a minimum effect
(:data:`MIN_EFFECT`).

This module imports only torch and :mod:`rlgan_bench.core`: :func:`measure` takes the
gauge's memo (``once``) as an argument.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from rlgan_bench.core.dataset import DatasetSpec
from rlgan_bench.core.records import Memorisation
from rlgan_bench.shared.digits import is_digit_dataset
from rlgan_bench.shared.nets import EMBEDDED
from rlgan_bench.shared.nets.cached import batched, cached_eval_net

#: the held-out images' quantile of the relative nearest-training distance that is the threshold
QUANTILE = 0.05
#: one-sided 95 %: the normal distribution's 0.95 quantile
Z_CRITICAL = 1.6448536269514722
#: a rise is flagged only when the run's share exceeds the base's by at least this much
#: (absolute): as many extra near-copies as an honest generator has near-copies at all
MIN_EFFECT = 0.05
#: cosine distances at most this are the same features (an exact copy, a duplicate)
SAME = 1e-12
#: elements of one block of the distance matrix (float64: 64 MB)
BLOCK = 1 << 23

EXTRACTOR = "rlgan-digit-eval-net"
DISTANCE = (
    "cosine distance 1 - cos of the evaluation network's penultimate features, divided by the "
    "nearest training image's cosine distance to its nearest other training image"
)
DEFINITION = (
    "share = fraction of the samples whose nearest-training-image distance (cosine, in the "
    "evaluation network's features, divided by that training image's distance to its nearest "
    "other training image) is below the reference_quantile quantile of the held-out real "
    "images' (threshold); stderr = sqrt(share (1 - share) / n); flagged when share - "
    "base_share >= min_effect and the one-sided two-proportion z (pooled) > z_critical "
    "(95 %); the base's samples are the base generator's on the same latents"
)


def _unit(features: Tensor) -> Tensor:
    """Rows scaled to length 1, in float64 (a zero row stays zero: distance 1 to all)."""
    rows = features.detach().cpu().to(torch.float64)
    if rows.dim() != 2:
        raise ValueError(f"features must be (N, D), got shape {tuple(rows.shape)}")
    return torch.nn.functional.normalize(rows, dim=1)


def _blocks(n: int, m: int) -> list[slice]:
    """Row slices of an n x m distance matrix, :data:`BLOCK` elements or fewer each."""
    step = max(1, BLOCK // max(m, 1))
    return [slice(start, start + step) for start in range(0, n, step)]


@dataclass(frozen=True)
class Nearest:
    """Each query's nearest training image: ``distance`` (cosine), ``index`` (a row of the
    training features) and ``relative`` (``distance / scale[index]``)."""

    distance: Tensor
    index: Tensor
    relative: Tensor

    def __len__(self) -> int:
        return int(self.distance.shape[0])


@dataclass(frozen=True)
class TrainingSet:
    """The training images' features, prepared: unit rows, a content ``digest``, and each
    image's local ``scale`` (computed when a query first lands on it: a set of m images needs
    only the scales of the images that are someone's nearest, not all m x m distances)."""

    unit: Tensor
    digest: str
    _scale: Tensor = field(repr=False)

    @classmethod
    def of(cls, features: Tensor) -> TrainingSet:
        unit = _unit(features)
        if len(unit) < 2:
            raise ValueError("the training features need at least 2 rows")
        digest = hashlib.blake2b(unit.numpy().tobytes(), digest_size=16).hexdigest()
        return cls(unit, digest, torch.full((len(unit),), math.nan, dtype=torch.float64))

    def __len__(self) -> int:
        return int(self.unit.shape[0])

    def scale(self, index: Tensor) -> Tensor:
        """The cosine distance of each training image ``index`` to its nearest other training
        image with other features (``inf`` when every other image has its features)."""
        missing = index[self._scale[index].isnan()].unique()
        for block in _blocks(len(missing), len(self)):
            rows = missing[block]
            distances = (1.0 - self.unit[rows] @ self.unit.T).clamp_min(0.0)
            distances[distances <= SAME] = math.inf  # itself, and exact duplicates
            self._scale[rows] = distances.min(dim=1).values
        return self._scale[index]

    def nearest(self, features: Tensor) -> Nearest:
        """The nearest training image of each row of ``features`` (in blocks)."""
        unit = _unit(features)
        if unit.shape[1] != self.unit.shape[1]:
            raise ValueError(
                f"features of {unit.shape[1]} dimensions against training features of "
                f"{self.unit.shape[1]}"
            )
        distances, indices = [], []
        for block in _blocks(len(unit), len(self)):
            value, index = (1.0 - unit[block] @ self.unit.T).clamp_min(0.0).min(dim=1)
            distances.append(value)
            indices.append(index)
        distance = torch.cat(distances) if distances else torch.zeros(0, dtype=torch.float64)
        index = torch.cat(indices) if indices else torch.zeros(0, dtype=torch.long)
        scale = self.scale(index)
        # a copy is at 0; next to an image whose every neighbour is its duplicate, nothing is
        # near (a training set of one image's copies)
        relative = torch.where(scale.isinf(), math.inf, distance / scale)
        relative = torch.where(distance <= SAME, 0.0, relative)
        return Nearest(distance, index, relative)


@dataclass(frozen=True)
class Reference:
    """The held-out real images' nearest-training distances and the ``threshold``: the
    ``quantile`` of their relative distances."""

    nearest: Nearest
    quantile: float
    threshold: float

    @classmethod
    def of(cls, train: TrainingSet, heldout: Tensor, quantile: float = QUANTILE) -> Reference:
        if not 0.0 < quantile < 1.0:
            raise ValueError(f"quantile must be in (0, 1), got {quantile}")
        nearest = train.nearest(heldout)
        if len(nearest) < 2:
            raise ValueError("the held-out features need at least 2 rows")
        threshold = float(torch.quantile(nearest.relative, quantile))
        return cls(nearest, quantile, threshold)

    @property
    def share(self) -> float:
        """The held-out images' own share (about ``quantile``, by construction)."""
        return share_below(self.nearest, self.threshold)


def share_below(nearest: Nearest, threshold: float) -> float:
    """The fraction of the queries whose relative distance is below ``threshold``."""
    if len(nearest) == 0:
        return math.nan
    return float((nearest.relative < threshold).to(torch.float64).mean())


def stderr(share: float, n: int) -> float:
    """The binomial standard error of a share of ``n`` samples."""
    if n <= 0 or not math.isfinite(share):
        return math.nan
    return math.sqrt(max(share * (1.0 - share), 0.0) / n)


@dataclass(frozen=True)
class MemorisationShare:
    """:func:`memorisation` of a set of samples."""

    #: each sample's nearest training image (``.distance``: its nearest-training distance)
    nearest: Nearest
    #: the held-out images' (``reference.nearest.distance``: their distribution)
    reference: Reference
    share: float
    stderr: float

    @property
    def n(self) -> int:
        return len(self.nearest)


def memorisation(
    samples: Tensor,
    train: Tensor | TrainingSet,
    heldout: Tensor | Reference,
    quantile: float = QUANTILE,
) -> MemorisationShare:
    """The memorisation share of ``samples`` (features, n x d) against the training images'
    features (m x d, or a prepared :class:`TrainingSet`) and the held-out real images'
    (k x d, or a :class:`Reference` of the same training set, whose quantile then applies)."""
    training = train if isinstance(train, TrainingSet) else TrainingSet.of(train)
    reference = (
        heldout if isinstance(heldout, Reference) else Reference.of(training, heldout, quantile)
    )
    nearest = training.nearest(samples)
    share = share_below(nearest, reference.threshold)
    return MemorisationShare(nearest, reference, share, stderr(share, len(nearest)))


def rise_z(base_share: float, run_share: float, n_base: int, n_run: int) -> float | None:
    """The one-sided two-proportion z statistic of ``run_share`` above ``base_share`` (pooled
    proportion); ``None`` when it is undefined (no samples, both shares 0 or both 1)."""
    if n_base <= 0 or n_run <= 0:
        return None
    pooled = (base_share * n_base + run_share * n_run) / (n_base + n_run)
    spread = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_base + 1.0 / n_run))
    if not spread > 0:
        return None
    return (run_share - base_share) / spread


def rose(
    base_share: float,
    run_share: float,
    n_base: int,
    n_run: int,
    min_effect: float = MIN_EFFECT,
    z_critical: float = Z_CRITICAL,
) -> bool:
    """Whether the run's share rose above the base's by more than noise: by at least
    ``min_effect`` and with the one-sided two-proportion z above ``z_critical`` (95 %).

    The test treats the two sets as independent; when they share latents (a fine-tuned
    generator and its base), their shares go together and the test is conservative. The
    minimum effect keeps a matrix of many cells from flagging the 1 in 20 that a 95 % test
    flags by chance, when every cell's samples are many."""
    z = rise_z(base_share, run_share, n_base, n_run)
    return z is not None and run_share - base_share >= min_effect and z > z_critical


# --- the gauge's section -------------------------------------------------------------------------

Once = Callable[[str, Tensor, tuple[Any, ...], Callable[[], Any]], Any]


def _direct(kind: str, images: Tensor, labels: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    return compute()


def measure(
    run: Tensor,
    base: Tensor,
    heldout: Tensor,
    dataset: DatasetSpec,
    data_root: str | None,
    shape: dict[str, Any],
    device: torch.device,
    once: Once = _direct,
    quantile: float = QUANTILE,
) -> Memorisation:
    """The ``memorisation`` field of a reward_audit section: the shares of ``run`` and
    ``base`` (uint8 samples on the same latents) and of the ``heldout`` images (uint8), against
    the dataset's ``train`` split as the trainer loads it (``data_root``, ``shape``'s
    ``image_size`` and ``channels``), in the digit evaluation network's features.

    ``once(kind, images, labels, compute)``: the gauge's memo (by the images' content), so
    that the training set's features, the reference and the base's nearest distances are
    computed once per process; the features share the memo's ``eval-features`` entries with
    the gauge's drift. A dataset whose classes are not the digits is ``unavailable``."""
    if not is_digit_dataset(dataset.name):
        return Memorisation(
            status="unavailable",
            reason=f"the digit evaluation network's features say little about {dataset.name}: "
            "memorisation is measured on digit datasets only",
            definition=DEFINITION,
        )
    net = cached_eval_net(device)

    def features(images: Tensor) -> Tensor:  # as the gauge's drift computes them
        return once(
            "eval-features",
            images,
            (str(device),),
            lambda: batched(net.features, images.float().div(127.5).sub(1.0), device),
        )

    train_images = dataset.load(
        "train", data_root, int(shape["image_size"]), int(shape["channels"])
    ).images
    training: TrainingSet = once(
        "memorisation-train",
        train_images,
        (str(device),),
        lambda: TrainingSet.of(features(train_images)),
    )
    reference: Reference = once(
        "memorisation-reference",
        heldout,
        (training.digest, quantile),
        lambda: Reference.of(training, features(heldout), quantile),
    )

    def nearest(images: Tensor) -> Nearest:
        return once(
            "memorisation-nearest",
            images,
            (training.digest,),
            lambda: training.nearest(features(images)),
        )

    ours, theirs = nearest(run), nearest(base)
    share, base_share = (
        share_below(ours, reference.threshold),
        share_below(theirs, reference.threshold),
    )
    n, n_base = len(ours), len(theirs)
    z = rise_z(base_share, share, n_base, n)
    return Memorisation(
        status="ok",
        share=share,
        base_share=base_share,
        reference_share=reference.share,
        reference_quantile=quantile,
        threshold=reference.threshold,
        n=n,
        n_base=n_base,
        n_reference=len(reference.nearest),
        n_train=len(training),
        stderr=stderr(share, n),
        base_stderr=stderr(base_share, n_base),
        difference=share - base_share,
        z=z,
        z_critical=Z_CRITICAL,
        min_effect=MIN_EFFECT,
        flagged=rose(base_share, share, n_base, n),
        distance=DISTANCE,
        extractor=EXTRACTOR,
        extractor_sha256=EMBEDDED["digit-eval-net"].sha256 or None,
        definition=DEFINITION,
    )


__all__ = [
    "DEFINITION",
    "DISTANCE",
    "MIN_EFFECT",
    "QUANTILE",
    "Z_CRITICAL",
    "MemorisationShare",
    "Nearest",
    "Reference",
    "TrainingSet",
    "measure",
    "memorisation",
    "rise_z",
    "rose",
    "share_below",
    "stderr",
]
