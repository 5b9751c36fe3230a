"""Standard datasets read through torchvision from a local ``--data-root`` (never downloaded
at run time: a missing file is a one-line message saying how to get it)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch
import torchvision
from torchvision.transforms import functional as TF

from rlgan_bench.api import (
    ConfigError,
    DatasetSpec,
    ImageData,
    MissingFileError,
    hookimpl,
    resize_and_match_channels,
)

_HOW_TO_GET = (
    "download it once on a machine with internet, e.g. "
    "`python -c \"import torchvision; torchvision.datasets.{cls}('{root}', download=True)\"`, "
    "and pass that folder as --data-root"
)
IMAGEFOLDER_HELDOUT_FRACTION = 0.1


def _need_root(name: str, root: str | None) -> str:
    if not root:
        raise ConfigError(
            f"dataset {name!r} needs --data-root DIR (the folder that holds its files)"
        )
    if not os.path.isdir(root):
        raise MissingFileError(
            f"--data-root {root!r} is not a folder; create it or point to the data"
        )
    return root


def _torchvision_loader(name: str, cls_name: str):
    def load(split: str, root: str | None, image_size: int, channels: int) -> ImageData:

        folder = _need_root(name, root)
        if split not in ("train", "heldout"):
            raise ConfigError(f"{name} has splits train and heldout, not {split!r}")
        cls: Any = getattr(torchvision.datasets, cls_name)
        try:
            dataset = cls(folder, train=split == "train", download=False)
        except RuntimeError as exc:
            how = _HOW_TO_GET.format(cls=cls_name, root=folder)
            raise MissingFileError(f"{name} not found under {folder!r} ({exc}); {how}") from None
        data = torch.as_tensor(np.asarray(dataset.data))
        pixels = data.unsqueeze(1) if data.ndim == 3 else data.permute(0, 3, 1, 2)
        return ImageData(
            images=resize_and_match_channels(pixels.float() / 255.0, image_size, channels),
            labels=torch.as_tensor(np.asarray(dataset.targets), dtype=torch.int64),
            split=split,
            split_info={"dataset": name, "split": split, "rule": "official train/test split"},
        )

    return load


def load_imagefolder(split: str, root: str | None, image_size: int, channels: int) -> ImageData:

    folder = _need_root("imagefolder", root)
    try:
        dataset = torchvision.datasets.ImageFolder(folder)
    except (FileNotFoundError, RuntimeError) as exc:
        raise MissingFileError(f"no images found under {folder!r}: {exc}") from None
    order = np.random.RandomState(0).permutation(len(dataset))
    n_heldout = max(1, int(len(dataset) * IMAGEFOLDER_HELDOUT_FRACTION))
    index = {"train": order[n_heldout:], "heldout": order[:n_heldout]}.get(split)
    if index is None:
        raise ConfigError(f"imagefolder has splits train and heldout, not {split!r}")
    images, labels = [], []
    for i in np.sort(index):
        picture, label = dataset[int(i)]
        picture = TF.center_crop(TF.resize(picture, image_size), image_size)
        images.append(TF.to_tensor(picture.convert("RGB")))
        labels.append(label)
    return ImageData(
        images=resize_and_match_channels(torch.stack(images), image_size, channels),
        labels=torch.tensor(labels),
        split=split,
        split_info={
            "dataset": "imagefolder",
            "root": folder,
            "split": split,
            "rule": f"RandomState(0) permutation, first {n_heldout} held out",
        },
    )


MNIST = DatasetSpec(
    "mnist",
    _torchvision_loader("mnist", "MNIST"),
    channels=1,
    num_classes=10,
    needs_root=True,
    description="MNIST via torchvision (local --data-root)",
)
FASHION = DatasetSpec(
    "fashion-mnist",
    _torchvision_loader("fashion-mnist", "FashionMNIST"),
    channels=1,
    num_classes=10,
    needs_root=True,
    description="Fashion-MNIST via torchvision (local --data-root)",
)
CIFAR10 = DatasetSpec(
    "cifar10",
    _torchvision_loader("cifar10", "CIFAR10"),
    channels=3,
    num_classes=10,
    needs_root=True,
    description="CIFAR-10 via torchvision (local --data-root)",
)
IMAGEFOLDER = DatasetSpec(
    "imagefolder",
    load_imagefolder,
    channels=3,
    needs_root=True,
    description="any torchvision ImageFolder (class sub-folders of images)",
)


@hookimpl
def register_datasets(register):
    for spec in (MNIST, FASHION, CIFAR10, IMAGEFOLDER):
        register(spec)
