"""The embedded default dataset: UCI optical handwritten digits (no download needed).

1,797 grey 8x8 images of the digits 0-9 with values 0..16, shipped in this package as
``digits.csv.gz`` (see ``DIGITS_LICENSE.md``), upsampled to 32x32 (or 64x64).

Splits are fixed by a seeded permutation, so that every run, the shipped networks and their
training scripts agree on them:

- ``train`` (1,197 images): what GANs learn from;
- ``heldout`` (600 images): the real set that metrics score against;
- ``reward-net`` (first 598 of ``train``): trains the ``classifier`` reward's network;
- ``eval-net`` (other 599 of ``train``): trains the evaluation feature extractor, so the
  network that scores a reward never saw the images the reward's network learned from.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from importlib import resources

import numpy as np
import torch

from rlgan_bench.core.dataset import ImageData, resize_and_match_channels
from rlgan_bench.core.errors import ConfigError

SPLIT_SEED = 0
N_TRAIN = 1197
N_REWARD_NET = 598
#: datasets whose classes are the digits 0-9 in this order (the shipped networks' classes)
DIGIT_DATASETS = frozenset({"digits", "mnist"})
CLASS_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


@lru_cache(maxsize=1)
def _raw() -> tuple[np.ndarray, np.ndarray]:
    """(1797, 8, 8) float32 in [0, 1] and (1797,) int64 labels."""
    packed = resources.files("rlgan_bench").joinpath("data", "digits.csv.gz")
    with packed.open("rb") as handle, gzip.open(handle) as text:
        table = np.loadtxt(text, delimiter=",", dtype=np.float32)
    return (table[:, :64] / 16.0).reshape(-1, 8, 8), table[:, 64].astype(np.int64)


def split_indices(split: str) -> np.ndarray:
    order = np.random.RandomState(SPLIT_SEED).permutation(1797)
    ranges = {
        "train": order[:N_TRAIN],
        "heldout": order[N_TRAIN:],
        "reward-net": order[:N_REWARD_NET],
        "eval-net": order[N_REWARD_NET:N_TRAIN],
        "all": order,
    }
    if split not in ranges:
        raise ConfigError(f"digits has no split {split!r}; splits: {', '.join(ranges)}")
    return np.sort(ranges[split])


def load_digits(
    split: str, root: str | None = None, image_size: int = 32, channels: int = 1
) -> ImageData:
    images, labels = _raw()
    index = split_indices(split)
    pixels = torch.from_numpy(images[index]).unsqueeze(1)
    return ImageData(
        images=resize_and_match_channels(pixels, image_size, channels),
        labels=torch.from_numpy(labels[index]),
        split=split,
        split_info={
            "dataset": "digits",
            "split": split,
            "n": len(index),
            "seed": SPLIT_SEED,
            "rule": "numpy RandomState(0).permutation(1797): train=[:1197], heldout=[1197:]",
        },
    )


def is_digit_dataset(name: str) -> bool:
    """Whether the shipped digit networks' classes are this dataset's classes."""
    return name in DIGIT_DATASETS
