"""The memorisation share (rlgan_bench/evaluation/memorisation.py): held-out real images sit at
the chosen quantile, a generator that copies training images near 1 and flagged against an
honest base, one that draws held-out images not flagged; the rise test; the blocks; and the
``memorisation`` field of a tiny real run's reward_audit section (and older sections without
it)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from conftest import tiny_config
from torch import Tensor, nn

from rlgan_bench.core.dataset import DatasetSpec
from rlgan_bench.core.images import to_uint8
from rlgan_bench.core.records import Memorisation, RewardAudit
from rlgan_bench.evaluation import gauge
from rlgan_bench.evaluation import memorisation as mem
from rlgan_bench.shared.digits import load_digits
from rlgan_bench.shared.nets.cached import batched, cached_eval_net
from rlgan_bench.training.trainer import Trainer

CPU = torch.device("cpu")
Q = mem.QUANTILE


def binomial(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


@pytest.fixture(scope="module")
def digits() -> dict[str, Tensor]:
    """The embedded digits' train and held-out splits: uint8 images and eval-net features."""
    net = cached_eval_net(CPU)
    out: dict[str, Tensor] = {}
    for split in ("train", "heldout"):
        images = load_digits(split).images
        out[split] = images
        out[f"{split}_features"] = batched(net.features, images.float().div(127.5).sub(1), CPU)
    return out


def features(images: Tensor) -> Tensor:
    return batched(cached_eval_net(CPU).features, images.float().div(127.5).sub(1), CPU)


class Copier(nn.Module):
    """A "generator" that returns training images, picked by the latent (plus ``noise``)."""

    def __init__(self, images: Tensor, noise: float = 0.0) -> None:
        super().__init__()
        self.images = images.float().div(127.5).sub(1)
        self.noise = noise

    def forward(self, z: Tensor) -> Tensor:
        pick = (z[:, 0].abs() * 1e4).long() % len(self.images)
        picked = self.images[pick]
        if self.noise:
            rng = torch.Generator().manual_seed(1)
            picked = picked + self.noise * torch.randn(picked.shape, generator=rng)
        return picked.clamp(-1, 1)


def draw(generator: nn.Module, n: int, seed: int = 0) -> Tensor:
    z = torch.randn(n, 8, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return to_uint8(generator(z))


# --- the share, on synthetic features ----------------------------------------------------------


def test_same_distribution_sits_at_the_quantile_and_copies_at_one():
    g = torch.Generator().manual_seed(0)
    train, heldout, fresh = (torch.randn(n, 16, generator=g) for n in (800, 2000, 2000))
    result = mem.memorisation(fresh, train, heldout)
    assert result.n == 2000 and result.reference.quantile == Q
    # the threshold is estimated from 2,000 held-out rows: the share's noise is about twice
    # the binomial one
    assert abs(result.share - Q) < 4 * math.sqrt(2) * binomial(Q, 2000)
    assert result.stderr == pytest.approx(binomial(result.share, 2000))
    assert abs(result.reference.share - Q) <= 1 / 2000 + 1e-9  # by construction
    assert result.nearest.distance.shape == (2000,)
    assert result.reference.nearest.distance.shape == (2000,)
    copies = mem.memorisation(train[:300], train, heldout)
    assert copies.share == 1.0 and copies.nearest.relative.eq(0).all()
    assert copies.nearest.index.tolist() == list(range(300))


def test_the_scale_makes_the_share_local():
    """Two clusters, one ten times tighter: the raw distance would count every point of the
    tight one; divided by the local scale, each cluster sits at the quantile."""
    g = torch.Generator().manual_seed(1)

    def cluster(n: int, centre: float, spread: float) -> Tensor:
        return torch.randn(n, 8, generator=g) * spread + torch.full((8,), centre)

    train = torch.cat([cluster(400, 5.0, 1.0), cluster(400, -5.0, 0.1)])
    heldout = torch.cat([cluster(1000, 5.0, 1.0), cluster(1000, -5.0, 0.1)])
    reference = mem.Reference.of(mem.TrainingSet.of(train), heldout)
    for centre, spread in ((5.0, 1.0), (-5.0, 0.1)):
        share = mem.memorisation(cluster(1500, centre, spread), train, reference).share
        assert abs(share - Q) < 0.035, (centre, share)


def test_blocks_give_the_same_numbers(monkeypatch):
    g = torch.Generator().manual_seed(2)
    train, heldout, samples = (torch.rand(n, 12, generator=g) for n in (300, 200, 250))
    whole = mem.memorisation(samples, train, heldout)
    monkeypatch.setattr(mem, "BLOCK", 1000)  # 3 rows of 300 per block
    blocked = mem.memorisation(samples, train, heldout)
    assert torch.equal(whole.nearest.index, blocked.nearest.index)
    assert torch.allclose(whole.nearest.relative, blocked.nearest.relative, rtol=1e-9, atol=0)
    assert whole.share == blocked.share


def test_duplicates_and_zero_rows():
    train = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    training = mem.TrainingSet.of(train)
    # a duplicate's scale is its nearest image with other features, not its twin (0)
    assert training.scale(torch.tensor([0, 1])).tolist() == pytest.approx([1 - 2**-0.5] * 2)
    nearest = training.nearest(torch.tensor([[2.0, 0.0], [0.0, 0.0]]))
    assert nearest.relative[0] == 0.0  # the same direction: a copy
    assert nearest.distance[1] == pytest.approx(1.0)  # a zero row is near nothing
    with pytest.raises(ValueError, match="dimensions"):
        training.nearest(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="quantile"):
        mem.Reference.of(training, train, quantile=0.0)


# --- the rise ----------------------------------------------------------------------------------


def test_rose_needs_significance_and_the_minimum_effect():
    assert not mem.rose(0.05, 0.05, 600, 600)
    assert mem.rose(0.05, 0.95, 600, 600)
    assert mem.rose(0.05, 0.12, 1000, 1000)  # +0.07: z about 5.7
    # significant but below the minimum effect (many samples)
    assert not mem.rose(0.05, 0.08, 100_000, 100_000)
    assert mem.rise_z(0.05, 0.08, 100_000, 100_000) > 20
    # above the minimum effect but within noise (few samples)
    assert not mem.rose(0.05, 0.15, 20, 20)
    # a fall is never a rise; no samples or no spread: no z, no flag
    assert not mem.rose(0.3, 0.05, 600, 600)
    assert mem.rise_z(0.0, 0.0, 600, 600) is None and not mem.rose(0.0, 0.0, 600, 600)
    assert mem.rise_z(0.05, 0.5, 0, 600) is None
    # the pooled two-proportion z, by hand
    pooled = (0.05 * 400 + 0.15 * 500) / 900
    spread = math.sqrt(pooled * (1 - pooled) * (1 / 400 + 1 / 500))
    assert mem.rise_z(0.05, 0.15, 400, 500) == pytest.approx(0.10 / spread)


# --- on the embedded digits, in the evaluation network's features -----------------------------


def test_heldout_digits_sit_at_the_quantile(digits):
    """Half of the held-out digits as reference, the other half as "samples", over 5 splits."""
    training = mem.TrainingSet.of(digits["train_features"])
    shares = []
    for seed in range(5):
        order = torch.randperm(600, generator=torch.Generator().manual_seed(seed))
        reference = mem.Reference.of(training, digits["heldout_features"][order[:300]])
        shares.append(
            mem.memorisation(digits["heldout_features"][order[300:]], training, reference).share
        )
    mean = sum(shares) / len(shares)
    # each share: binomial noise of 300 samples and of a threshold from 300 real images
    assert abs(mean - Q) < 3 * math.sqrt(2) * binomial(Q, 300), shares
    assert all(share < 0.15 for share in shares), shares


def test_a_copying_generator_is_flagged_and_a_heldout_one_is_not(digits):
    training = mem.TrainingSet.of(digits["train_features"])
    reference = mem.Reference.of(training, digits["heldout_features"])
    heldout_half = {k: digits["heldout"][k * 300 : (k + 1) * 300] for k in (0, 1)}
    honest_base = mem.memorisation(features(heldout_half[0]), training, reference)
    assert honest_base.share < 0.15

    copier = mem.memorisation(features(draw(Copier(digits["train"]), 300)), training, reference)
    assert copier.share == pytest.approx(1.0)
    assert mem.rose(honest_base.share, copier.share, 300, 300)
    # copies blurred by pixel noise (0.05 of the [-1, 1] range) are still nearly all counted
    noisy = Copier(digits["train"], noise=0.05)
    blurred = mem.memorisation(features(draw(noisy, 300, seed=1)), training, reference)
    assert blurred.share > 0.8
    assert mem.rose(honest_base.share, blurred.share, 300, 300)

    drawer = Copier(heldout_half[1])  # draws held-out images: new to the training set
    honest = mem.memorisation(features(draw(drawer, 300, seed=2)), training, reference)
    assert honest.share < 0.15
    assert not mem.rose(honest_base.share, honest.share, 300, 300)


# --- in the gauge ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    """A tiny base and a tiny reward run (6 steps each)."""
    out = tmp_path_factory.mktemp("memorisation")
    base, tuned = out / "base", out / "tuned"
    Trainer(tiny_config(), base, quiet=True).run()
    reward = {"reward": "classifier", "reward_params": {"target": 7}, "reward_weight": 1.0}
    Trainer(tiny_config(**reward, reward_start=0), tuned, quiet=True).run()
    return base, tuned


def test_the_gauge_records_the_memorisation_field(runs):
    base, tuned = runs
    section = gauge.measure(tuned, base, samples=40, batch_size=40, device="cpu", calibrated=True)
    field = section.memorisation
    assert isinstance(field, Memorisation) and field.status == "ok"
    assert field.n == field.n_base == 40 and field.n_reference == 600 and field.n_train == 1197
    assert 0.0 <= field.share <= 1.0 and 0.0 <= field.base_share <= 1.0
    assert field.reference_quantile == Q and abs(field.reference_share - Q) <= 1 / 600 + 1e-9
    assert field.stderr == pytest.approx(binomial(field.share, 40))
    assert field.difference == pytest.approx(field.share - field.base_share)
    assert field.flagged == mem.rose(field.base_share, field.share, 40, 40)
    assert field.min_effect == mem.MIN_EFFECT and field.definition == mem.DEFINITION
    assert field.extractor == "rlgan-digit-eval-net" and field.extractor_sha256
    # a 6-step generator draws blobs, not training digits
    assert field.share < 0.5 and field.base_share < 0.5
    # written and read back through the record
    data = section.to_json()
    assert data["memorisation"]["share"] == field.share
    assert RewardAudit.from_json(data).memorisation == field


def test_older_sections_read_without_the_field_and_unavailable_datasets():
    older = {"schema_version": 1, "status": "no-baseline", "reason": "none", "thresholds": {}}
    assert RewardAudit.from_json(older).memorisation is None
    assert "memorisation" not in RewardAudit.from_json(older).to_json()
    toy = DatasetSpec(name="toy", load=lambda *args: None, channels=1)  # never loaded
    images = torch.zeros(4, 1, 32, 32, dtype=torch.uint8)
    field = mem.measure(images, images, images, toy, None, {"image_size": 32, "channels": 1}, CPU)
    assert field.status == "unavailable" and "digit datasets only" in field.reason
    assert field.to_json() == {
        "status": "unavailable",
        "reason": field.reason,
        "definition": mem.DEFINITION,
    }
    assert Memorisation.from_json(field.to_json()) == field


def test_the_base_and_reference_are_computed_once(digits):
    """Through the gauge's memo: a second cell of the same base computes only its own."""
    from rlgan_bench.evaluation.memo import images_key, remembered

    calls: list[str] = []

    def once(kind, images, labels, compute):
        def counted():
            calls.append(kind)
            return compute()

        return remembered((kind, images_key(images), *labels), counted)

    spec = DatasetSpec(name="digits", load=load_digits, channels=1)
    shape = {"image_size": 32, "channels": 1}
    base, heldout = digits["heldout"][:50], digits["heldout"]
    first = mem.measure(digits["train"][:50], base, heldout, spec, None, shape, CPU, once)
    assert first.share == 1.0 and first.flagged  # training images against held-out ones
    calls.clear()
    second = mem.measure(digits["train"][50:90], base, heldout, spec, None, shape, CPU, once)
    assert second.share == 1.0 and second.base_share == first.base_share
    assert sorted(calls) == ["eval-features", "memorisation-nearest"]  # the new samples only
