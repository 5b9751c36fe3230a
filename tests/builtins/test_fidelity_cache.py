"""torch-fidelity's cache of the real set's features, and the resize the extractor sees: real
torch-fidelity computations on small sets of the embedded digits.

The first evaluation computes the real features and writes them under $RLGAN_BENCH_CACHE;
the second reads them (the extractor never sees the real images) and gives the same scores;
anything the features depend on changes the cache name; a broken cache file costs a warning
and a recomputation, never the evaluation."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from conftest import tiny_config
from PIL import Image

from rlgan_bench.builtins.datasets.digits import DIGITS
from rlgan_bench.builtins.metrics import real_cache
from rlgan_bench.builtins.metrics.fidelity import DigitEvalNetExtractor
from rlgan_bench.cli import cli
from rlgan_bench.core.dataset import ImageData
from rlgan_bench.core.defaults import resolve
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.evaluation.evaluate import evaluate, score_samples
from rlgan_bench.training.trainer import Trainer

N_REAL, N_GENERATED = 120, 60
METRICS = "fid,kid,prc"


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(real_cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "fidelity"


def digits(split, n, size=32):
    full = DIGITS.load(split, None, size, 1)
    return ImageData(full.images[:n], full.labels[:n], full.split, full.split_info)


@pytest.fixture(scope="module")
def real():
    return digits("heldout", N_REAL)


@pytest.fixture(scope="module")
def generated():
    return digits("train", N_GENERATED).images


@pytest.fixture
def extracted(monkeypatch):
    """The number of images the digit eval net extracts features from, call by call."""
    counts = []
    forward = DigitEvalNetExtractor.forward

    def counting(self, x):
        counts.append(int(x.shape[0]))
        return forward(self, x)

    monkeypatch.setattr(DigitEvalNetExtractor, "forward", counting)
    return counts


def score(generated, real, metrics=METRICS, **options):
    return score_samples(generated, real, DIGITS, metrics=metrics, device="cpu", **options)[
        "metrics"
    ]


def values(entries):
    return {name: entry["values"] for name, entry in entries.items()}


def test_the_real_features_are_computed_once_then_read_from_the_cache(
    generated, real, cache_dir, extracted
):
    first = score(generated, real)
    assert sum(extracted) == N_GENERATED + N_REAL
    names = {entry["record"]["real_features_cache"] for entry in first.values()}
    assert len(names) == 1
    name = names.pop()
    assert all(entry["record"]["real_features"] == "computed" for entry in first.values())
    written = sorted(path.name for path in cache_dir.glob(f"{name}-*.pt"))
    assert any("-features-" in file for file in written), written
    assert any("-stat-fid-" in file for file in written), written

    extracted.clear()
    second = score(generated, real)
    assert sum(extracted) == N_GENERATED  # the real images never reached the extractor
    assert all(entry["record"]["real_features"] == "cached" for entry in second.values())
    assert values(second) == values(first)


def test_fid_alone_reads_the_cached_statistics(generated, real, extracted):
    full = score(generated, real)
    extracted.clear()
    fid = score(generated, real, metrics="fid")["fid"]
    assert sum(extracted) == N_GENERATED
    assert fid["record"]["real_features"] == "cached"
    assert fid["values"] == full["fid"]["values"]


def test_is_alone_uses_no_real_set_and_no_cache(generated, real, cache_dir):
    entry = score(generated, real, metrics="is")["is"]
    assert "real_features" not in entry["record"]
    assert not list(cache_dir.glob("*.pt"))


def test_the_cache_name_holds_everything_the_features_depend_on(real):
    resize = real_cache.resize_plan("rlgan-digit-eval-net", "torch-fidelity", 32)
    base = dict(
        dataset="digits",
        split="heldout",
        images=real.images,
        extractor="rlgan-digit-eval-net",
        extractor_sha256="ab" * 32,
        resize=resize,
        device_type="cpu",
    )
    name = real_cache.cache_name(**base)
    assert real_cache.cache_name(**base) == name  # and nothing else (no time, no path)
    one_pixel = real.images.clone()
    one_pixel[0, 0, 0, 0] ^= 1
    variants = {
        "dataset": "mnist",
        "split": "train",
        "images": one_pixel,
        "extractor_sha256": "cd" * 32,
        "resize": real_cache.resize_plan("rlgan-digit-eval-net", "clean", 64),
        "device_type": "cuda",
    }
    others = {key: real_cache.cache_name(**{**base, key: value}) for key, value in variants.items()}
    assert name not in others.values()
    assert len(set(others.values())) == len(others)
    fewer = real_cache.cache_name(**{**base, "images": real.images[:-1]})
    assert f"n{N_REAL - 1}" in fewer and fewer != name
    for part in ("digits", "heldout", f"n{N_REAL}", "1x32x32", "wababababab", "resize-native"):
        assert part in name


def test_the_resize_is_recorded_and_a_different_resize_is_a_different_cache(cache_dir):
    real, generated = digits("heldout", N_REAL, 64), digits("train", N_GENERATED, 64).images
    own = score(generated, real, metrics="fid")["fid"]
    clean = score(generated, real, metrics="fid", fid_resize="clean")["fid"]
    assert own["record"]["fid_resize"] == "torch-fidelity"
    assert own["record"]["resize"].startswith("torch-fidelity: the eval net's own bilinear")
    assert clean["record"]["fid_resize"] == "clean"
    assert clean["record"]["resize"].startswith("clean: antialiased bicubic")
    assert clean["record"]["real_features"] == own["record"]["real_features"] == "computed"
    assert clean["record"]["real_features_cache"] != own["record"]["real_features_cache"]
    assert clean["values"]["fid"] != own["values"]["fid"]  # the two resizes see other pixels
    # at the eval net's native 32 px neither resizes, and the record says so
    native = score(digits("train", N_GENERATED).images, digits("heldout", N_REAL), metrics="fid")
    assert native["fid"]["record"]["resize"] == "none (native 32 px)"


def test_another_dataset_split_is_another_cache(generated, real):
    first = score(generated, real, metrics="fid")["fid"]
    other = digits("train", N_REAL)
    second = score(generated, other, metrics="fid")["fid"]
    assert second["record"]["real_features"] == "computed"
    assert second["record"]["real_features_cache"] != first["record"]["real_features_cache"]
    assert "-train-" in second["record"]["real_features_cache"]


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda path: path.write_bytes(b"not a torch file"), "unreadable"),
        (lambda path: path.write_bytes(path.read_bytes()[:100]), "unreadable"),
        (lambda path: torch.save(torch.zeros(3, 7), path), "holds (3, 7)"),
    ],
    ids=["garbage", "truncated", "wrong-shape"],
)
def test_a_broken_cache_file_is_a_warning_and_a_recomputation(
    generated, real, cache_dir, capsys, damage, problem
):
    first = score(generated, real)
    name = first["fid"]["record"]["real_features_cache"]
    features = next(cache_dir.glob(f"{name}-*-features-features.pt"))
    damage(features)
    capsys.readouterr()
    second = score(generated, real)
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert len(warnings) == 1, warnings
    assert features.name in warnings[0] and problem in warnings[0]
    assert second["fid"]["record"]["real_features"] == "computed"
    assert problem in second["fid"]["record"]["real_features_note"]
    assert values(second) == values(first)
    third = score(generated, real)  # the recomputed file was written back, whole
    assert third["fid"]["record"]["real_features"] == "cached"
    assert "real_features_note" not in third["fid"]["record"]


def test_broken_fid_statistics_are_recomputed(generated, real, cache_dir, capsys):
    first = score(generated, real, metrics="fid")["fid"]
    name = first["record"]["real_features_cache"]
    stat = next(cache_dir.glob(f"{name}-*-stat-fid-*.pt"))
    torch.save({"mu": np.zeros(3)}, stat)
    second = score(generated, real, metrics="fid")["fid"]
    assert "holds no FID statistics" in capsys.readouterr().err
    assert second["values"] == first["values"]
    # the features were intact: the statistics came from them, not from the images
    assert second["record"]["real_features"] == "cached"


def test_an_unwritable_cache_folder_turns_the_cache_off_with_a_warning(
    generated, real, tmp_path, monkeypatch, capsys
):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv(real_cache.CACHE_ENV, str(blocker))
    entry = score(generated, real, metrics="fid")["fid"]
    assert entry["record"]["real_features"] == "computed"
    assert entry["record"]["real_features_cache"] is None
    assert "feature cache off" in entry["record"]["real_features_note"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "set RLGAN_BENCH_CACHE" in err[0]


def test_the_cache_folder_defaults_to_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(real_cache.CACHE_ENV)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert real_cache.cache_root() == tmp_path / ".cache" / "rlgan-bench" / "fidelity"
    monkeypatch.setenv(real_cache.CACHE_ENV, str(tmp_path / "elsewhere"))
    assert real_cache.cache_root() == tmp_path / "elsewhere" / "fidelity"


def test_the_clean_resize_is_pils_bicubic():
    image = torch.randint(
        0, 256, (3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    ours = real_cache.clean_resize(image, 299)
    assert ours.shape == (3, 299, 299) and ours.dtype == torch.uint8
    for channel in range(3):
        plane = Image.fromarray(image[channel].numpy().astype(np.float32), mode="F")
        pil = np.asarray(plane.resize((299, 299), resample=Image.BICUBIC))
        expected = np.clip(np.round(pil), 0, 255)
        difference = np.abs(ours[channel].numpy().astype(np.float64) - expected)
        assert difference.max() <= 1  # a value within 1e-3 of .5 may round either way
        assert (difference == 0).mean() > 0.999


def test_an_unknown_fid_resize_is_a_one_line_error():
    with pytest.raises(ConfigError, match=r"--fid-resize 'bicubic': choose one of torch-fidelity"):
        resolve(fid_resize="bicubic")
    with pytest.raises(ConfigError, match="--fid-resize has no effect with --metrics clip"):
        resolve(fid_resize="clean", metrics="clip")


@pytest.fixture(scope="module")
def run_64(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run64")
    Trainer(tiny_config(steps=2, image_size=64), folder, quiet=True).run()
    return folder


def test_fid_resize_reaches_the_metric_from_the_command_line_and_the_python_api(run_64):
    fast = ["--samples", "40", "--metrics", "fid", "--device", "cpu", "--json"]
    result = CliRunner().invoke(cli, ["eval", str(run_64), *fast, "--fid-resize", "clean"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    record = printed["metrics"]["fid"]["record"]
    assert printed["options"]["fid_resize"] == record["fid_resize"] == "clean"
    assert record["resize"].startswith("clean:")
    on_disk = json.loads((Path(run_64) / "eval.json").read_text())
    assert on_disk["metrics"]["fid"]["record"]["resize"] == record["resize"]

    api = evaluate(run_64, samples=40, metrics=["fid"], device="cpu")["metrics"]["fid"]
    assert api["record"]["fid_resize"] == "torch-fidelity"
    assert api["values"] != printed["metrics"]["fid"]["values"]

    bad = CliRunner().invoke(cli, ["eval", str(run_64), *fast, "--fid-resize", "nearest"])
    assert bad.exit_code == 2 and "'nearest' is not one of" in bad.output
