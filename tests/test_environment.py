"""pyproject.toml is the single source of truth; environment.yml and constraints.txt follow it."""

import re
from pathlib import Path

import tomllib
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
# conda-forge names that differ from PyPI names
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "pytorch": "torch", "pywavelets": "pywavelets"}


def pyproject_requirements(extras: tuple[str, ...] = ("dev",)) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = [r for extra in extras for r in project["optional-dependencies"][extra]]
    reqs = [Requirement(r) for r in project["dependencies"] + optional]
    return {r.name.lower(): str(r.specifier) for r in reqs}


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if not isinstance(dep, str):
            continue
        name, spec = re.match(r"^([A-Za-z0-9_.-]+)\s*(.*)$", dep).groups()
        if name in ("python", "pip"):
            continue
        out[CONDA_TO_PYPI.get(name, name).lower()] = spec.strip()
    return out


def test_environment_yml_lists_the_same_packages_and_bounds_as_pyproject():
    assert conda_requirements() == pyproject_requirements()


def test_environment_yml_installs_the_package_itself_with_dev_extra():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    # the course environment installs the non-commercial bm3d extra too (README says so)
    # and the teaching extra: live slides (jupyterlab-rise) and the browser test (playwright)
    assert any(line.split("#")[0].strip() == "-e .[dev,bm3d,teaching]" for line in pip_block)
    assert env["channels"] == ["conda-forge"]


def test_constraints_pin_every_dependency_exactly_and_torch_to_the_local_wheel():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            req = Requirement(line)
            pins[req.name.lower()] = str(req.specifier)
    for name, spec in pyproject_requirements(("dev", "bm3d", "teaching")).items():
        assert name in pins, f"{name} is in pyproject.toml but not pinned in constraints.txt"
        assert pins[name].startswith("=="), f"{name} must be pinned with ==, got {pins[name]}"
        version = pins[name][2:]
        assert Requirement(f"{name}{spec}").specifier.contains(version), (
            f"constraints.txt pins {name}=={version}, outside pyproject's {spec}"
        )
    assert pins["torch"] == "==2.13.0"
