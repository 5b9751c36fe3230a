"""Typed settings (rlgan_bench.core.params): what a reward, a mode and a backbone read from TOML or
from the command line."""

import pytest

from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.params import describe, resolve_params

DEFAULTS = {"lr": 1e-4, "steps": 5, "betas": (0.0, 0.9), "prompts": ["a seven"], "on": False}


def resolve(**given):
    return resolve_params("backbone 'x'", "hyperparameter", given, DEFAULTS)


def test_values_from_toml_and_from_the_command_line_are_typed_alike():
    from_cli = resolve(lr="2e-4", steps="3", betas="0.5,0.9", prompts="a one, a two", on="yes")
    from_toml = resolve(lr=2e-4, steps=3, betas=[0.5, 0.9], prompts=["a one", "a two"], on=True)
    assert from_cli == from_toml
    assert from_cli == {
        "lr": 2e-4,
        "steps": 3,
        "betas": (0.5, 0.9),
        "prompts": ["a one", "a two"],
        "on": True,
    }
    assert resolve(lr=1)["lr"] == 1.0 and isinstance(resolve(lr=1)["lr"], float)
    assert resolve(prompts=["one", "two", "three"])["prompts"] == ["one", "two", "three"]
    assert resolve() == {**DEFAULTS}


@pytest.mark.parametrize(
    "given,message",
    [
        ({"momentum": 0.9}, "backbone 'x' has no hyperparameter momentum; its hyperparameters:"),
        ({"steps": 2.5}, "hyperparameter steps=2.5 is not an int"),
        # a float where an int is declared is refused, even a whole one (TOML `steps = 4.0`)
        ({"steps": 4.0}, "hyperparameter steps=4.0 is not an int (write 4)"),
        ({"steps": "4.0"}, "steps='4.0' is not an int"),
        # no setting is NaN or infinite, from TOML (nan, inf) or from the command line
        ({"lr": float("nan")}, "hyperparameter lr=nan is not a finite number"),
        ({"lr": "inf"}, "hyperparameter lr=inf is not a finite number"),
        ({"lr": "-inf"}, "hyperparameter lr=-inf is not a finite number"),
        ({"betas": "0.5,nan"}, "hyperparameter betas=nan is not a finite number"),
        ({"prompts": [float("inf")]}, "hyperparameter prompts=inf is not a finite number"),
        ({"steps": True}, "steps=True is an int, not true/false"),
        ({"lr": "fast"}, "lr='fast' is not a float"),
        ({"betas": [0.5]}, "betas=[0.5] is not 2 values (e.g. betas=0.0,0.9)"),
        ({"on": "maybe"}, "on='maybe' is not a bool"),
    ],
)
def test_bad_values_name_the_setting_and_the_type(given, message):
    with pytest.raises(ConfigError) as info:
        resolve(**given)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_describe_lists_what_a_run_set():
    assert describe("wgan-gp", {}) == "wgan-gp"
    assert describe("wgan-gp", {"lr": 2e-4, "betas": (0.5, 0.9)}) == (
        "wgan-gp (betas=0.5,0.9, lr=0.0002)"
    )
