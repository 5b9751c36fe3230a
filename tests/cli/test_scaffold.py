"""`create_plugin` writes projects that pip installs and whose own tests pass at once, and
refuses names and folders that would not work."""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import pip_install_target, run_pytest

from rlgan_bench.cli import cli
from rlgan_bench.cli.scaffold import create_plugin
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.host import get_host

# installs the scaffolded packages with pip and runs their tests
pytestmark = pytest.mark.slow

KINDS = ("reward", "backbone", "method")
#: the test environment's ruff, to check that generated code passes its own lint config
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """One project of each kind, pip-installed into a folder of their own (not on sys.path)."""
    root = tmp_path_factory.mktemp("scaffold")
    projects = {
        kind: create_plugin(f"demo-{kind}", kind, root / f"rlgan-demo-{kind}") for kind in KINDS
    }
    for project in projects.values():
        pip_install_target(project, root / "site")
    return root, projects


def test_generated_projects_install_and_pass_their_own_tests(generated):
    root, projects = generated
    site = root / "site"
    assert all((site / f"rlgan_demo_{kind}").is_dir() for kind in KINDS)
    result = run_pytest([project / "tests" for project in projects.values()], site, cwd=root)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # 11 reward tests, 9 backbone tests, 8 method tests
    assert re.search(r"\b28 passed", result.stdout), result.stdout[-2000:]


@pytest.fixture
def scaffolded_backbone(tmp_path):
    """A scaffolded backbone plugin, imported from its folder and added to the process's host
    (what its entry point does once installed), then removed again."""
    project = create_plugin("demo-gan", "backbone", tmp_path / "rlgan-demo-gan")
    sys.path.insert(0, str(project))
    try:
        module = importlib.import_module("rlgan_demo_gan")
        host = get_host()
        host.add_plugin(module, name="rlgan-demo-gan", version="0.1.0")
        yield module
        host.remove_plugin(module)
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("rlgan_demo_gan", None)


def test_a_matrix_sets_the_scaffolded_backbones_hyperparameters(scaffolded_backbone, tmp_path):
    config = tmp_path / "m.toml"
    config.write_text(
        '[run]\nsteps = 10\n\n[matrix]\nbackbones = [\n  "demo-gan",\n'
        '  { name = "demo-gan", backbone_params = { lr = 1e-4, betas = [0, 0.9] } },\n]\n'
    )
    result = CliRunner().invoke(cli, ["run", str(config), "--dry-run"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "demo-gan (betas=0.0,0.9, lr=0.0001)" in result.output
    assert "2 cells" in result.output
    config.write_text(
        '[matrix]\nbackbones = [{ name = "demo-gan", backbone_params = { momentum = 0.9 } }]\n'
    )
    result = CliRunner().invoke(cli, ["run", str(config), "--dry-run"])
    assert result.exit_code == 1
    assert "backbone 'demo-gan' has no hyperparameter momentum; its hyperparameters: betas, " in (
        result.output
    )


@pytest.mark.parametrize("kind", KINDS)
def test_layout_and_names(tmp_path, kind):
    project = create_plugin("my-thing2", kind, tmp_path / "new")
    assert project == tmp_path / "new"
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert files == [
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "rlgan_my_thing2/__init__.py",
        "tests/test_my_thing2.py",
    ]
    meta = (project / "pyproject.toml").read_text()  # (pip reads it in the test above)
    assert 'name = "rlgan-my-thing2"' in meta
    assert '[project.entry-points.rlgan_bench]\nmy-thing2 = "rlgan_my_thing2"' in meta
    assert 'packages = ["rlgan_my_thing2"]' in meta
    module = (project / "rlgan_my_thing2" / "__init__.py").read_text()
    assert 'name = "my-thing2"' in module and "class MyThing2(" in module
    assert 'RLGAN_BENCH_API = ">=1,<2"' in module
    for source in project.rglob("*.py"):
        compile(source.read_text(), str(source), "exec")
    assert "{{" not in "".join(p.read_text() for p in project.rglob("*") if p.is_file())


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed")
@pytest.mark.parametrize("name", ["a" * 40, "a-" * 19 + "bc"])  # the longest names
def test_generated_code_is_lint_clean(tmp_path, name):
    for kind in KINDS:
        project = create_plugin(name, kind, tmp_path / kind)
        for command in (["check"], ["format", "--check"]):  # with the project's own config
            argv = [str(RUFF), *command, "--no-cache", "."]
            result = subprocess.run(argv, cwd=project, capture_output=True, text=True)
            assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "",
        "My-Reward",
        "my_reward",
        "1reward",
        "my--reward",
        "-reward",
        "reward-",
        "a" * 41,
        "bench",
        "rlgan-mirror",
        "sp ace",
    ],
)
def test_bad_names_are_one_line_errors(tmp_path, name):
    with pytest.raises(ConfigError) as info:
        create_plugin(name, "reward", tmp_path / "new")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "new").exists()


def test_the_prefix_error_suggests_the_bare_name(tmp_path):
    with pytest.raises(ConfigError, match="'mirror'"):
        create_plugin("rlgan-mirror", "reward", tmp_path / "new")


def test_names_of_installed_components_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="dcgan.*rlgan-bench"):
        create_plugin("dcgan", "backbone", tmp_path / "new")
    create_plugin("dcgan", "reward", tmp_path / "reward")  # other kinds may share it


def test_unknown_kind(tmp_path):
    with pytest.raises(ConfigError, match="reward, backbone"):
        create_plugin("mirror", "metric", tmp_path / "new")  # type: ignore[arg-type]


def test_folder_must_be_new_or_empty(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        create_plugin("mirror", "reward", tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="is a file"):
        create_plugin("mirror", "reward", tmp_path / "file")
    (tmp_path / "empty").mkdir()
    assert (create_plugin("mirror", "reward", tmp_path / "empty") / "pyproject.toml").is_file()
