"""Measurements of one set of images, remembered by the images' content.

Every fine-tuning cell of a base is gauged against the same base samples and the same real
held-out images: the reward, the audit, the FID, precision and features of those two sets are
the same numbers for each cell of the base. :func:`remembered` computes each once per process.
The key is a hash of the images' bytes (not a file's name or time), so a changed base or
different samples can never be served another set's numbers. Rewards and audits are taken to be
functions of the images (a seeded, deterministic score), as the gauge already assumes when it
compares two runs on the same latents.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import torch
from torch import Tensor

T = TypeVar("T")

#: entries kept: a matrix's gauges need the base's and the real images' few numbers per
#: (reward, base); a base-side entry is one tensor of N feature rows or a float
_KEPT = 64
_REMEMBERED: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()


def images_key(images: Tensor) -> str:
    """A content hash of ``images`` (shape, dtype and bytes)."""
    contiguous = images.detach().cpu().contiguous()
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{tuple(contiguous.shape)}:{contiguous.dtype}".encode())
    digest.update(contiguous.view(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def remembered(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``, or what it returned for ``key`` earlier in this process."""
    if key in _REMEMBERED:
        _REMEMBERED.move_to_end(key)
        return _REMEMBERED[key]
    value = compute()
    _REMEMBERED[key] = value
    while len(_REMEMBERED) > _KEPT:
        _REMEMBERED.popitem(last=False)
    return value


def measured_once(
    kind: str, images: Tensor, labels: tuple[Hashable, ...], compute: Callable[[], T]
) -> T:
    """``compute()``, a ``kind`` of measurement of ``images``, once per process for the same
    images and ``labels`` (what else the number depends on: the reward, its parameters, the
    device): the base's and the real images' numbers are the same for every cell of a base."""
    return remembered((kind, images_key(images), *labels), compute)


def forget() -> None:
    """Drop every remembered measurement (tests; a long-lived process that wants memory)."""
    _REMEMBERED.clear()
