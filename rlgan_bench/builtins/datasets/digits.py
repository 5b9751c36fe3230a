"""The embedded default dataset, registered as ``digits``: UCI optical handwritten digits
(1,797 grey 8x8 images shipped in the package, upsampled; the splits are described in
:func:`rlgan_bench.api.load_digits`)."""

from __future__ import annotations

from rlgan_bench.api import DIGIT_CLASS_NAMES, DatasetSpec, hookimpl, load_digits

DIGITS = DatasetSpec(
    name="digits",
    load=load_digits,
    channels=1,
    num_classes=10,
    class_names=DIGIT_CLASS_NAMES,
    splits=("train", "heldout", "reward-net", "eval-net", "all"),
    description="UCI optical handwritten digits (embedded, 1,797 images, 8x8 upsampled)",
)


@hookimpl
def register_datasets(register):
    register(DIGITS)
