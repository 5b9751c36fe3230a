"""A matrix's [eval] table, checked as evaluation checks the options of every cell it scores,
with the problems named by their [eval] keys rather than by ``rlgan-bench eval``'s flags."""

from __future__ import annotations

import re
from typing import Any

from rlgan_bench.core.defaults import (
    EXTRACTOR_CHOICES,
    FID_RESIZE_CHOICES,
    OPTION_READERS,
    resolve,
)
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.host import PluginHost
from rlgan_bench.matrix.cell import DEFAULT_METRICS, EvalSettings
from rlgan_bench.matrix.spec.problems import Problems, string_list

MIN_EVAL_SAMPLES = 20

#: the ``rlgan-bench eval`` flags of the [eval] keys, to name the key in evaluation's messages
EVAL_FLAGS = {
    "--samples": "eval.samples",
    "--metrics": "eval.metrics",
    "--prompt": "eval.prompts",
    "--batch-size": "eval.batch_size",
    "--extractor": "eval.extractor",
    "--fid-resize": "eval.fid_resize",
}


def toml_names(message: str) -> str:
    """An evaluation message with each ``rlgan-bench eval`` flag replaced by its [eval] key."""
    for flag, key in EVAL_FLAGS.items():
        message = re.sub(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", key, message)
    return message


def eval_settings(evaluation: dict[str, Any], host: PluginHost, problems: Problems) -> EvalSettings:
    """The [eval] table as the settings of every cell; a wrong value is reported and replaced
    by its default, so that the rest of the matrix is still checked."""
    before = len(problems)
    samples = evaluation.get("samples", EvalSettings.samples)
    if not isinstance(samples, int) or samples < MIN_EVAL_SAMPLES:
        problems.add(
            "eval.samples",
            f"must be an integer >= {MIN_EVAL_SAMPLES} (IS needs 10 splits of 2), got {samples!r}",
        )
        samples = EvalSettings.samples
    metrics = string_list(evaluation, "metrics", list(DEFAULT_METRICS), problems, "eval")
    known = set(host.components("metrics"))
    for name in metrics:
        if known and name not in known:
            problems.add(
                "eval.metrics", f"unknown metric {name!r} (available: {', '.join(sorted(known))})"
            )
    prompts = evaluation.get("prompts", [])
    if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
        problems.add("eval.prompts", f"must be a list of strings, got {prompts!r}")
        prompts = []
    batch = evaluation.get("batch_size", EvalSettings.batch_size)
    if not isinstance(batch, int) or batch < 1:
        problems.add("eval.batch_size", f"must be a positive integer, got {batch!r}")
        batch = EvalSettings.batch_size
    choices = {"extractor": EXTRACTOR_CHOICES, "fid_resize": FID_RESIZE_CHOICES}
    chosen = {}
    for key, allowed in choices.items():
        chosen[key] = evaluation.get(key, getattr(EvalSettings, key))
        if chosen[key] not in allowed:
            problems.add(f"eval.{key}", f"choose one of {', '.join(allowed)}, got {chosen[key]!r}")
            chosen[key] = getattr(EvalSettings, key)
    _check_unread_options(evaluation, metrics, problems)
    settings = EvalSettings(samples, tuple(metrics), tuple(prompts), batch, **chosen)
    if len(problems) == before:  # and every check evaluation makes when a cell is scored
        try:
            resolve(
                **{k: list(v) if isinstance(v, tuple) else v for k, v in settings.__dict__.items()}
            )
        except ConfigError as exc:
            problems.add("eval", toml_names(str(exc)))
    return settings


def _check_unread_options(
    evaluation: dict[str, Any], metrics: list[str], problems: Problems
) -> None:
    """As core/defaults.resolve: an option none of the (built-in) metrics reads is an error."""
    only_builtins = set(metrics) <= {name for names in OPTION_READERS.values() for name in names}
    for key in sorted(set(evaluation) & set(OPTION_READERS)):
        readers = OPTION_READERS[key]
        if evaluation[key] != [] and only_builtins and not set(metrics) & set(readers):
            which = (
                readers[0] if len(readers) == 1 else f"{', '.join(readers[:-1])} or {readers[-1]}"
            )
            metric = "metric" if len(readers) == 1 else "metrics"
            add = f'"{readers[0]}"' if len(readers) == 1 else "one of them"
            problems.add(
                f"eval.{key}",
                f"has no effect without the {which} {metric}; add {add} to eval.metrics or "
                f"remove {key}",
            )
