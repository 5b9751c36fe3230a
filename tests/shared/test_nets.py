import shutil

import pytest
import torch

from rlgan_bench.core.errors import ConfigError, MissingFileError
from rlgan_bench.shared import nets as models
from rlgan_bench.shared.digits import load_digits
from rlgan_bench.shared.nets import EMBEDDED, embedded_path, file_sha256, load_state
from rlgan_bench.shared.nets import digits_clip as dc
from rlgan_bench.shared.nets.digit_nets import load_eval_net, load_reward_classifier


@pytest.fixture(scope="module")
def heldout():
    data = load_digits("heldout", image_size=32, channels=1)
    return data.as_float()[:200], data.labels[:200]


@pytest.fixture(scope="module")
def nets():
    return {"reward": load_reward_classifier(), "eval": load_eval_net()}


@pytest.fixture(scope="module")
def clips():
    return {variant: dc.load_digits_clip(variant) for variant in dc.VARIANTS}


@pytest.mark.parametrize("name", sorted(EMBEDDED))
def test_shipped_file_matches_manifest(name):
    path = embedded_path(name)
    assert path.is_file(), f"run {EMBEDDED[name].command}"
    assert file_sha256(path) == EMBEDDED[name].sha256
    assert path.stat().st_size < 2_000_000
    assert isinstance(load_state(name), dict)


@pytest.mark.parametrize("which", ["reward", "eval"])
def test_classifier_accuracy_and_shapes(nets, heldout, which):
    net, (images, labels) = nets[which], heldout
    assert not net.training and not any(p.requires_grad for p in net.parameters())
    with torch.no_grad():
        assert (net(images).argmax(1) == labels).float().mean() >= 0.9
        assert net.features(images[:4]).shape == (4, net.config.feature_dim)


def test_nets_differ_in_architecture(nets):
    assert nets["reward"].config != nets["eval"].config


@pytest.mark.parametrize("size, channels", [(32, 1), (32, 3), (64, 1), (64, 3)])
def test_nets_take_any_size_and_channels(nets, size, channels):
    data = load_digits("heldout", image_size=size, channels=channels)
    images, labels = data.as_float()[:100], data.labels[:100]
    for net in nets.values():
        with torch.no_grad():
            logits = net(images)
        assert logits.shape == (100, 10)
        assert (logits.argmax(1) == labels).float().mean() >= 0.9


def test_gradients_reach_the_input_of_the_reward_classifier(nets, heldout):
    images = heldout[0][:8].clone().requires_grad_(True)
    log_p = nets["reward"](images).log_softmax(1)[:, 7]
    log_p.sum().backward()
    assert images.grad is not None and torch.isfinite(images.grad).all()
    assert images.grad.abs().sum() > 0


@pytest.mark.parametrize("variant", sorted(dc.VARIANTS))
def test_clip_matching_captions_beat_mismatched(clips, heldout, variant):
    model, (images, labels) = clips[variant], heldout
    assert not model.training
    image_emb = dc.encode_images(model, images)
    texts = [dc.captions_for(d)[0] for d in range(10)]
    cosine = image_emb @ dc.encode_texts(model, texts).T
    assert torch.allclose(image_emb.norm(dim=1), torch.ones(len(images)), atol=1e-5)
    matching = cosine.gather(1, labels[:, None]).squeeze(1)
    mismatched = (cosine.sum(1) - matching) / 9
    assert (matching > mismatched).float().mean() >= 0.95
    assert (dc.zero_shot_logits(model, images).argmax(1) == labels).float().mean() >= 0.8


def test_clip_variants_are_independent():
    main, audit = dc.VARIANTS["main"], dc.VARIANTS["audit"]
    assert main.split != audit.split and main.seed != audit.seed
    assert type(dc.build("main").visual) is not type(dc.build("audit").visual)


def test_clip_image_encoder_is_differentiable_for_any_input(clips):
    images = (torch.rand(2, 3, 64, 64) * 2 - 1).requires_grad_(True)
    dc.encode_images(clips["main"], images).sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0


def test_clip_tokenize():
    assert dc.tokenize(["a handwritten seven", "the number 7"]).shape == (2, dc.CONTEXT_LENGTH)
    with pytest.raises(ConfigError, match="longer"):
        dc.tokenize("a very " * 20 + "long prompt")
    with pytest.raises(ConfigError, match="variant"):
        dc.load_digits_clip("large")


def test_missing_file_names_the_regenerate_command(monkeypatch, tmp_path):
    monkeypatch.setattr(models, "assets_dir", lambda: tmp_path)
    with pytest.raises(MissingFileError, match="missing") as error:
        load_reward_classifier()
    message = str(error.value)
    assert "\n" not in message
    assert "python scripts/train_digit_nets.py" in message


def test_corrupt_file_names_the_regenerate_command(monkeypatch, tmp_path):
    name = "digits-clip-audit"
    copy = tmp_path / EMBEDDED[name].filename
    shutil.copyfile(embedded_path(name), copy)
    with open(copy, "r+b") as handle:
        handle.seek(100)
        byte = handle.read(1)
        handle.seek(100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(models, "assets_dir", lambda: tmp_path)
    with pytest.raises(MissingFileError, match="corrupt") as error:
        dc.load_digits_clip("audit")
    assert "python scripts/train_digits_clip.py" in str(error.value)


def test_file_without_manifest_entry_is_refused(monkeypatch):
    name = "digit-eval-net"
    entry = EMBEDDED[name]
    monkeypatch.setitem(
        EMBEDDED, name, models.ModelFile(name, entry.filename, "", entry.description, entry.script)
    )
    with pytest.raises(MissingFileError, match="manifest.json.*python scripts/train_digit_nets"):
        load_eval_net()
