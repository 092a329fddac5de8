"""Every pinned dependency installs on every Python the project supports: `requires-python` in
pyproject.toml is ">=3.11,<3.12", and Debian 12's own python3.11 is 3.11.2, so no pin may need a
later 3.11 (soupsieve 3 and later need 3.11.5)."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
OLDEST = "3.11.0"


def pins(name: str) -> list[tuple[str, str]]:
    text = (ROOT / "requirements" / name).read_text()
    return re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", text, flags=re.M)


def test_the_project_says_which_pythons_it_supports():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert OLDEST in SpecifierSet(project["requires-python"])


@pytest.mark.parametrize("name, version", pins("base.txt") + pins("dev.txt"))
def test_each_pin_installs_on_the_oldest_supported_python(name, version):
    installed = metadata.metadata(name)  # make test installs every pin
    assert installed["Version"] == version, f"{name}: installed {installed['Version']}"
    requires = installed.get("Requires-Python")
    assert requires is None or OLDEST in SpecifierSet(requires), f"{name} needs {requires}"
