import numpy as np
import pytest
import torch
from PIL import Image

from rlgan_bench.builtins.datasets.torchvision_sets import CIFAR10, IMAGEFOLDER, MNIST
from rlgan_bench.core.errors import ConfigError, MissingFileError
from rlgan_bench.shared.digits import load_digits, split_indices


def test_digits_splits_are_fixed_and_disjoint():
    train, heldout = split_indices("train"), split_indices("heldout")
    reward_net, eval_net = split_indices("reward-net"), split_indices("eval-net")
    assert len(train) == 1197 and len(heldout) == 600
    assert not set(train) & set(heldout)
    assert not set(reward_net) & set(eval_net)
    assert set(reward_net) | set(eval_net) == set(train)
    np.testing.assert_array_equal(train, split_indices("train"))


def test_digits_images():
    data = load_digits("heldout", image_size=32, channels=1)
    assert data.images.shape == (600, 1, 32, 32) and data.images.dtype == torch.uint8
    assert data.labels is not None and set(data.labels.tolist()) == set(range(10))
    assert data.images.max() > 200 and data.images.min() == 0
    floats = data.as_float()
    assert floats.min() >= -1 and floats.max() <= 1
    assert load_digits("train", image_size=64, channels=3).images.shape[1:] == (3, 64, 64)
    with pytest.raises(ConfigError):
        load_digits("validation")


@pytest.mark.parametrize("spec", [MNIST, CIFAR10])
def test_missing_torchvision_dataset_is_one_clear_line(spec, tmp_path):
    with pytest.raises(MissingFileError) as info:
        spec.load("train", str(tmp_path), 32, 1)
    message = str(info.value)
    assert str(tmp_path) in message and "--data-root" in message and "\n" not in message
    with pytest.raises(ConfigError, match="--data-root"):
        spec.load("train", None, 32, 1)


def test_imagefolder(tmp_path):
    rng = np.random.RandomState(0)
    for label in ("cats", "dogs"):
        (tmp_path / label).mkdir()
        for i in range(10):
            pixels = rng.randint(0, 255, (40, 48, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / label / f"{i}.png")
    train = IMAGEFOLDER.load("train", str(tmp_path), 32, 3)
    heldout = IMAGEFOLDER.load("heldout", str(tmp_path), 32, 3)
    assert train.images.shape == (18, 3, 32, 32) and heldout.images.shape == (2, 3, 32, 32)
