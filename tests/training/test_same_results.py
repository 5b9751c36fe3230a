"""The trainer's results do not depend on how its side jobs are organised: tiny runs' weights,
optimiser and random states, metrics.jsonl, audit.jsonl, sample grids, best.pt and config.json
match the fingerprints in golden_runs.json, recorded from the trainer as it was before its side
jobs became hook plugins (``python tests/training/test_same_results.py --record`` records
them anew, on purpose only).

Floating point results depend on the torch version and the CPU's vector instructions, so the
comparison runs where those match the recording and is skipped, saying why, elsewhere."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # conftest, also under --record
from conftest import tiny_config  # noqa: E402

from rlgan_bench.core.config import TrainConfig  # noqa: E402
from rlgan_bench.hookspecs import hookimpl  # noqa: E402
from rlgan_bench.host import PluginHost  # noqa: E402
from rlgan_bench.training.trainer import Trainer  # noqa: E402

GOLDEN = Path(__file__).with_name("golden_runs.json")
#: record fields that measure time, not results
TIMINGS = {"it_per_s", "elapsed_s", "seconds", "wall_time_s", "steps_per_s"}
#: config.json fields that describe the machine, not the run
MACHINE = {"versions", "device", "plugins"}

RUNS: dict[str, dict[str, Any]] = {
    # a reward with its audit, best.pt, the anchor's reference model, the tilted critic
    "audited": dict(
        steps=8,
        reward="classifier",
        reward_params={"target": 7},
        reward_start=2,
        reward_anchor=0.5,
        checkpoint_every=4,
        audit_every=2,
        audit_samples=24,
        keep_best="audit",
    ),
    # several critic steps per generator step, no reward
    "wgan-gp": dict(backbone="wgan-gp", steps=5, log_every=2, sample_every=2, checkpoint_every=2),
}


def platform_key() -> dict[str, str]:
    return {
        "torch": torch.__version__,
        "cpu": torch.backends.cpu.get_cpu_capability(),
        "machine": platform.machine(),
    }


def _hash_value(value: Any, sink: Any) -> None:
    if isinstance(value, torch.Tensor):
        flat = value.detach().cpu().contiguous().reshape(-1)
        sink.update(f"tensor {value.dtype} {tuple(value.shape)}".encode())
        sink.update(flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            sink.update(f"key {key!r}".encode())
            _hash_value(value[key], sink)
    elif isinstance(value, (list, tuple)):
        sink.update(f"list {len(value)}".encode())
        for item in value:
            _hash_value(item, sink)
    else:
        sink.update(f"value {value!r}".encode())


def _digest(value: Any) -> str:
    sink = hashlib.sha256()
    _hash_value(value, sink)
    return sink.hexdigest()[:20]


def _without(record: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in keys}


def file_digest(path: Path) -> str:
    if path.suffix == ".pt":
        return _digest(torch.load(path, weights_only=True))
    if path.suffix == ".jsonl":
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        return _digest([_without(line, TIMINGS) for line in lines])
    if path.suffix == ".json":
        record = _without(json.loads(path.read_text()), TIMINGS | MACHINE)
        if isinstance(record.get("config"), dict):  # config.json: settings added since count
            # only when set, as in the digest (which is compared too: config_digest)
            record["config"] = TrainConfig.from_dict(record["config"]).identity()
        return _digest(record)
    if path.suffix == ".png":
        with Image.open(path) as image:
            return _digest([image.mode, image.size, image.tobytes()])
    return hashlib.sha256(path.read_bytes()).hexdigest()[:20]


def fingerprint(run_dir: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """A digest per file of the run (its relative path the key), timings left out."""
    return {
        path.relative_to(run_dir).as_posix(): file_digest(path)
        for path in sorted(run_dir.rglob("*"))
        if path.is_file() and path.relative_to(run_dir).as_posix() not in skip
    }


class CrashAt:
    """Stops training after the generator update of one step, as a kill would."""

    def __init__(self, step: int) -> None:
        self.step = step

    @hookimpl
    def rlgan_after_generator_step(self, run: Any, step: int, stats: Any) -> None:
        if step == self.step:
            raise RuntimeError("simulated crash")


def train(name: str, out: Path) -> Path:
    Trainer(tiny_config(**RUNS[name]), out, quiet=True).run()
    return out


def record(path: Path = GOLDEN) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        runs = {name: fingerprint(train(name, Path(scratch) / name)) for name in RUNS}
    path.write_text(json.dumps({"platform": platform_key(), "runs": runs}, indent=2) + "\n")


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    recorded = json.loads(GOLDEN.read_text())
    if recorded["platform"] != platform_key():
        pytest.skip(f"fingerprints recorded on {recorded['platform']}, this is {platform_key()}")
    return recorded["runs"]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_same_seed_gives_the_recorded_results(tmp_path, golden, name):
    assert fingerprint(train(name, tmp_path / name)) == golden[name]


def test_a_resumed_run_gives_the_recorded_results(tmp_path, golden):
    out = tmp_path / "resumed"
    host = PluginHost().load()
    host.add_plugin(CrashAt(7), name="test-crash")
    with pytest.raises(RuntimeError, match="simulated crash"):
        Trainer(tiny_config(**RUNS["audited"]), out, host=host, quiet=True).run()
    Trainer(tiny_config(**RUNS["audited"]), out, quiet=True).run(resume=True)
    # summary.json says the run was resumed (from step 4); everything else is as recorded
    resumed = fingerprint(out, skip=("summary.json",))
    assert resumed == _without(golden["audited"], {"summary.json"})


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/training/test_same_results.py --record")
    torch.set_num_threads(1)
    record()
    print(f"wrote {GOLDEN}")
