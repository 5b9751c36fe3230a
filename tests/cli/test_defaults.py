"""One table of defaults: TrainConfig's fields for training, core/defaults.py for evaluation.
Every command-line option that sets a training field or an evaluation option has that
field's default, so that a field added later cannot drift from its option; the matrix and
the reward-hacking gauge read their sample counts from the same module."""

import dataclasses
import inspect

import click
import pytest

from rlgan_bench.cli.eval import eval_command
from rlgan_bench.cli.train import train
from rlgan_bench.core.config import LATER_DEFAULTS, TrainConfig
from rlgan_bench.core.defaults import EVAL_DEFAULTS, MATRIX_EVAL_SAMPLES
from rlgan_bench.evaluation import gauge
from rlgan_bench.matrix.cell import EvalSettings

#: flags whose value is the negation of a field (``--no-amp`` sets ``amp = False``)
NEGATED = {"no_amp": "amp"}
#: options whose value maps onto an evaluation option of another name
EVAL_ALIASES = {"raw": ("generator", {False: "ema", True: "raw"})}
#: options of the commands that are not training fields or evaluation options (a strength is
#: written into the field its method says; the old names of --method and --method-param)
NOT_SETTINGS = {
    "train": {
        "out_dir",
        "resume",
        "quiet",
        "strength",
        "deprecated_mode",
        "deprecated_mode_params",
    },
    "eval": {"run_dir", "as_json", "save_samples", "baseline"},
}


def field_defaults() -> dict:
    return {
        f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
        for f in dataclasses.fields(TrainConfig)
    }


def passed_on(command: click.Command, *arguments: str) -> dict:
    """The value of each option when none is given: what the command's function receives."""
    return command.make_context(command.name, list(arguments)).params


def same(given, default) -> bool:
    """Equal, with lists, tuples and dicts of nothing (a repeatable option's ()) alike."""
    if isinstance(default, (list, tuple, dict)) and not default:
        return not given
    if isinstance(default, (list, tuple)):
        return tuple(given) == tuple(default)
    return given == default


def test_every_train_option_has_its_fields_default():
    defaults = field_defaults()
    checked = set()
    for name, value in passed_on(train).items():
        if name in NOT_SETTINGS["train"]:
            continue
        if name in NEGATED:
            field = NEGATED[name]
            assert value is (not defaults[field]), name
        else:
            field = name
            assert field in defaults, f"train's {name} sets no TrainConfig field"
            assert same(value, defaults[field]), (
                f"train's {name} defaults to {value!r}, TrainConfig.{field} to {defaults[field]!r}"
            )
        checked.add(field)
    # and every field can be set from the command line (a new field needs its option)
    assert checked == set(defaults), f"fields without an option: {set(defaults) - checked}"


def test_every_eval_option_has_the_tables_default():
    checked = set()
    for name, value in passed_on(eval_command, "RUN_DIR").items():
        if name in NOT_SETTINGS["eval"]:
            continue
        if name in EVAL_ALIASES:
            key, values = EVAL_ALIASES[name]
            assert values[value] == EVAL_DEFAULTS[key], name
        else:
            key = name
            if key == "metrics":  # given as "fid,is,...", split by evaluate
                value = tuple(value.split(","))
            assert key in EVAL_DEFAULTS, f"eval's {name} is not an evaluation option"
            assert same(value, EVAL_DEFAULTS[key]), (
                f"eval's {name} defaults to {value!r}, EVAL_DEFAULTS[{key!r}] is "
                f"{EVAL_DEFAULTS[key]!r}"
            )
        checked.add(key)
    # the split and torch-fidelity's own options are for the Python API; the rest have a flag
    python_only = {"split", "isc_splits", "kid_subsets", "kid_subset_size", "prc_neighborhood"}
    python_only.add("rng_seed")
    assert checked == set(EVAL_DEFAULTS) - python_only


def test_settings_added_later_default_to_their_fields():
    defaults = field_defaults()
    for key, value in LATER_DEFAULTS.items():
        assert value == defaults[key], key


@pytest.mark.parametrize("key", ["metrics", "prompts", "batch_size"])
def test_the_matrix_eval_settings_are_the_eval_defaults_but_for_the_samples(key):
    assert same(getattr(EvalSettings(), key), EVAL_DEFAULTS[key])
    assert EvalSettings().samples == MATRIX_EVAL_SAMPLES < EVAL_DEFAULTS["samples"]


def test_the_gauge_defaults_to_the_matrix_samples():
    parameters = inspect.signature(gauge.measure).parameters
    assert parameters["samples"].default == MATRIX_EVAL_SAMPLES
    assert parameters["batch_size"].default == EVAL_DEFAULTS["batch_size"]
