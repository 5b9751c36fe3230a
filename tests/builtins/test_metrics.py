"""The metrics: torch-fidelity's numbers exactly, sane orderings on real digits and noise,
class histograms, the CLIP score's definition, and missing weights as 'unavailable'."""

import math

import pytest
import torch
import torch_fidelity
from torch_fidelity.defaults import DEFAULTS as FIDELITY_DEFAULTS

from rlgan_bench.builtins.datasets.digits import DIGITS
from rlgan_bench.builtins.metrics import extractors, fidelity
from rlgan_bench.builtins.metrics.fidelity import UInt8Images, register_extractors
from rlgan_bench.core import defaults
from rlgan_bench.core.dataset import ImageData
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.metric import EvalContext, comparison_key
from rlgan_bench.evaluation import class_histogram
from rlgan_bench.evaluation.evaluate import min_samples, score_samples
from rlgan_bench.shared.nets import clip as clip_metrics

FIDELITY = "fid,is,kid,prc"


N_REAL, N_GENERATED = 300, 200  # small sets: the orderings tested hold at any size


@pytest.fixture(scope="module")
def heldout():
    """The first 300 held-out digits (the real set of these tests)."""
    full = DIGITS.load("heldout", None, 32, 1)
    return ImageData(full.images[:N_REAL], full.labels[:N_REAL], full.split, full.split_info)


@pytest.fixture(scope="module")
def train_images():
    return DIGITS.load("train", None, 32, 1).images[:N_GENERATED]


@pytest.fixture(scope="module")
def noise():
    return torch.randint(
        0,
        256,
        (N_GENERATED, 1, 32, 32),
        dtype=torch.uint8,
        generator=torch.Generator().manual_seed(0),
    )


def fidelity_scores(generated, real, metrics=FIDELITY, **options):
    result = score_samples(generated, real, DIGITS, metrics=metrics, device="cpu", **options)
    return result["metrics"]


@pytest.fixture(scope="module")
def train_vs_heldout(train_images, heldout):
    return fidelity_scores(train_images, heldout)


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_scores_equal_torch_fidelitys_own_calculate_metrics(
    train_vs_heldout, train_images, heldout
):
    register_extractors()
    # torch-fidelity's defaults otherwise (worker processes, the full precision/recall path)
    theirs = torch_fidelity.calculate_metrics(
        input1=UInt8Images(train_images),
        input2=UInt8Images(heldout.images),
        feature_extractor="rlgan-digit-eval-net",
        fid=True,
        isc=True,
        kid=True,
        prc=True,
        kid_subset_size=N_GENERATED,
        cuda=False,
        cache=False,
        verbose=False,
    )
    ours = {
        key: value for entry in train_vs_heldout.values() for key, value in entry["values"].items()
    }
    pairs = {
        "fid": "frechet_inception_distance",
        "is_mean": "inception_score_mean",
        "is_std": "inception_score_std",
        "kid_mean": "kernel_inception_distance_mean",
        "kid_std": "kernel_inception_distance_std",
        "precision": "precision",
        "recall": "recall",
        "f_score": "f_score",
    }
    for our_key, their_key in pairs.items():
        assert ours[our_key] == pytest.approx(theirs[their_key], rel=1e-5, abs=1e-9), our_key


def test_every_score_records_what_was_measured(train_vs_heldout):
    for name, entry in train_vs_heldout.items():
        record = entry["record"]
        assert record["extractor"] == "rlgan-digit-eval-net"
        assert len(record["extractor_sha256"]) == 64
        assert record["n_generated"] == N_GENERATED
        assert record["n_real"] == (None if name == "is" else N_REAL)
        assert record["split"] == "heldout"
        assert record["torch_fidelity_version"] == torch_fidelity.__version__
    assert train_vs_heldout["kid"]["record"]["kid_subset_size"] == N_GENERATED  # capped at N
    assert train_vs_heldout["is"]["record"]["feature_layer"] == "logits"


def test_fid_of_a_set_against_itself_is_zero(heldout):
    fid = fidelity_scores(heldout.images, heldout, metrics="fid")["fid"]["values"]["fid"]
    assert abs(fid) < 1e-3


def test_fid_and_is_order_real_digits_before_noise(train_vs_heldout, noise, heldout):
    noise_scores = fidelity_scores(noise, heldout, "fid,is,prc")
    real_fid = train_vs_heldout["fid"]["values"]["fid"]
    noise_fid = noise_scores["fid"]["values"]["fid"]
    assert real_fid * 10 < noise_fid, (real_fid, noise_fid)
    real_is = fidelity_scores(heldout.images, heldout, "is")["is"]["values"]["is_mean"]
    noise_is = noise_scores["is"]["values"]["is_mean"]
    assert real_is > 2 * noise_is, (real_is, noise_is)
    assert real_is > 5  # ten classes, recognised confidently
    prc = train_vs_heldout["prc"]["values"]
    assert prc["precision"] > noise_scores["prc"]["values"]["precision"]


def test_scores_from_different_extractors_never_compare(train_vs_heldout):
    record = train_vs_heldout["fid"]["record"]
    inception = {**record, "extractor": "inception-v3-compat", "extractor_sha256": "6726825d"}
    fewer = {**record, "n_generated": 100}
    assert comparison_key(record) != comparison_key(inception)
    assert comparison_key(record) != comparison_key(fewer)
    assert comparison_key(record) == comparison_key(dict(record))


def test_class_histogram_of_real_digits_matches_their_labels(heldout):
    result = score_samples(
        heldout.images,
        heldout,
        DIGITS,
        metrics="is",
        device="cpu",
        run_config={"reward": "classifier", "reward_params": {"target": "7"}},
    )
    histogram = result["class_histogram"]
    assert histogram["status"] == "ok" and histogram["n"] == N_REAL
    assert histogram["modes_covered"] == 10
    for ours, true in zip(histogram["fractions"], histogram["real_fractions"], strict=True):
        assert abs(ours - true) < 0.04
    assert result["target"] == 7
    assert result["target_fraction"] == histogram["fractions"][7]


def test_histogram_reuses_the_fidelity_pass_logits(train_images, heldout):
    ctx = EvalContext(
        train_images, heldout, DIGITS, torch.device("cpu"), defaults.resolve(metrics=("is", "fid"))
    )
    fidelity.compute(ctx, ("is", "fid"))
    shared = ctx.shared["eval_net_logits"]
    fresh = class_histogram.eval_net_logits(train_images, torch.device("cpu"), 64)
    torch.testing.assert_close(shared, fresh, rtol=1e-4, atol=1e-4)


def test_mode_collapse_shows_in_the_histogram(heldout):
    sevens = heldout.images[heldout.labels == 7]
    histogram = score_samples(sevens, heldout, DIGITS, metrics="is", device="cpu")[
        "class_histogram"
    ]
    assert histogram["modes_covered"] <= 2
    assert histogram["fractions"][7] > 0.9


def test_clip_score_is_torchmetrics_definition():
    # per-pair cosines 0.5 and -0.1 for one prompt: torchmetrics clamps their mean, 20
    text = torch.tensor([[1.0, 0.0]])
    images = torch.tensor([[0.5, math.sqrt(0.75)], [-0.1, math.sqrt(0.99)]])
    assert clip_metrics.clip_score(images, text).item() == pytest.approx(20.0)
    assert clip_metrics.clip_score(-images, text).item() == 0.0  # never negative


def test_tiny_random_clip_through_the_openai_path():
    from clip.model import CLIP

    torch.manual_seed(0)
    model = CLIP(
        embed_dim=16,
        image_resolution=32,
        vision_layers=1,
        vision_width=64,
        vision_patch_size=8,
        context_length=77,
        vocab_size=49408,
        transformer_width=32,
        transformer_heads=2,
        transformer_layers=1,
    ).eval()
    scorer = clip_metrics.openai_scorer(model, "tiny", "0" * 64, "tiny random CLIP")
    images = torch.randint(0, 256, (10, 1, 32, 32), dtype=torch.uint8)
    prompts = ["a handwritten seven", "a photo of a cat"]
    scores = clip_metrics.score_images(scorer, images, prompts, torch.device("cpu"), 4)
    with torch.no_grad():
        image_emb = scorer.encode_images(images.float() / 127.5 - 1)
        text_emb = scorer.encode_texts(prompts)
    expected = (100 * image_emb @ text_emb.T).mean(0).clamp(min=0)
    assert list(scores) == prompts
    assert [scores[p] for p in prompts] == pytest.approx(expected.tolist(), rel=1e-5, abs=1e-5)
    assert torch.allclose(image_emb.norm(dim=1), torch.ones(10), atol=1e-5)


def test_matching_captions_beat_mismatched_with_the_embedded_clip(heldout):
    from rlgan_bench.shared.nets.digits_clip import captions_for

    scorer = clip_metrics.load_scorer("digits-clip-main", torch.device("cpu"))
    matched, mismatched = [], []
    for digit in range(10):
        images = heldout.images[heldout.labels == digit]
        right, wrong = captions_for(digit)[0], captions_for((digit + 3) % 10)[0]
        scores = clip_metrics.score_images(scorer, images, [right, wrong], torch.device("cpu"), 256)
        matched.append(scores[right])
        mismatched.append(scores[wrong])
    assert sum(matched) / 10 > sum(mismatched) / 10 + 5
    assert sum(m > w for m, w in zip(matched, mismatched, strict=True)) >= 9


def test_clip_metric_records_the_embedded_model_and_skips_without_prompts(heldout):
    images = heldout.images[:50]
    result = score_samples(
        images,
        heldout,
        DIGITS,
        metrics="clip",
        device="cpu",
        run_config={"reward_params": {"prompt": "a handwritten seven"}},
    )
    entry = result["metrics"]["clip"]
    assert entry["status"] == "ok"
    assert list(entry["values"]) == ["a handwritten seven"]
    assert entry["record"]["extractor"] == "digits-clip-audit"  # auto without ViT-B/32
    assert "embedded digits CLIP" in entry["record"]["model"]
    skipped = score_samples(images, heldout, DIGITS, metrics="clip", device="cpu")
    assert skipped["metrics"]["clip"]["status"] == "skipped"
    assert "--prompt" in skipped["metrics"]["clip"]["reason"]


def test_missing_weights_make_metrics_unavailable_not_zero(heldout, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HOME", str(tmp_path))
    result = score_samples(
        heldout.images[:50],
        heldout,
        DIGITS,
        metrics="fid,is,clip",
        device="cpu",
        extractor="inception-v3-compat",
        clip_model="clip-vit-b-32",
        prompts=("a seven",),
    )
    for name in ("fid", "is", "clip"):
        entry = result["metrics"][name]
        assert entry["status"] == "unavailable", entry
        assert "values" not in entry
    assert "rlgan-bench weights import inception-v3-compat FILE" in result["metrics"]["fid"]["fix"]
    assert "rlgan-bench weights import clip-vit-b-32 FILE" in result["metrics"]["clip"]["fix"]
    assert result["class_histogram"]["status"] == "ok"  # the eval net is still there


def test_auto_extractor(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert extractors.choose("auto", "digits").name == "rlgan-digit-eval-net"
    fallback = extractors.choose("auto", "cifar10")  # no Inception weights here
    assert fallback.name == "rlgan-digit-eval-net" and "not on cifar10" in fallback.note
    with pytest.raises(ConfigError):
        extractors.choose("vgg16", "digits")


def test_unknown_metric_lists_the_available_ones(heldout):
    with pytest.raises(ConfigError) as info:
        score_samples(heldout.images[:50], heldout, DIGITS, metrics="fid,fud", device="cpu")
    assert "fud" in str(info.value) and "prc" in str(info.value)


def test_builtin_metrics_register_through_the_hook(host):
    metrics = host.components("metrics")
    assert {"fid", "is", "kid", "prc", "clip"} <= set(metrics)
    assert metrics["fid"].provider.builtin
    assert metrics["fid"].obj.group_key == metrics["prc"].obj.group_key  # one extraction


def test_evaluation_asks_each_metric_how_many_samples_it_needs(host):
    """The torch-fidelity group needs two samples per Inception Score split and two more than
    precision/recall's neighbourhood, whichever is more; the CLIP score any number."""
    options = defaults.resolve()
    torch_fidelitys = 2 * FIDELITY_DEFAULTS["isc_splits"]  # 20, above 3 + 2 for prc
    assert min_samples(["fid", "clip"], options, host) == torch_fidelitys
    assert min_samples(["clip"], options, host) == 1
    fewer_splits = {**options, "isc_splits": 2, "prc_neighborhood": 7}
    assert min_samples(["kid"], fewer_splits, host) == 9


def test_choice_tables_agree():
    assert set(defaults.EXTRACTOR_CHOICES) == {"auto", *extractors.WEIGHTS_OF}
    assert set(defaults.CLIP_MODEL_CHOICES) == {
        "auto",
        "clip-vit-b-32",
        *clip_metrics.DIGITS_CLIP_VARIANTS,
    }
