"""Packaging a host can trust: a wheel that ships py.typed and the LICENSE its metadata names."""

from __future__ import annotations

import email
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


@pytest.fixture
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The project built as a wheel, as pip builds it for a user (offline: the test extra installs the
    build-system requirements, so no build environment is downloaded)."""
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                           "--no-index", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("usage_consent-*.whl")
    return zipfile.ZipFile(built)


def test_the_license_file_is_the_license_pyproject_names() -> None:
    """LICENSE is the full Apache License 2.0 text, the license pyproject.toml and its classifier declare."""
    text = (ROOT / "LICENSE").read_text()
    assert PROJECT["license"] == {"text": "Apache-2.0"}
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert "License :: OSI Approved :: Apache Software License" in PROJECT["classifiers"]


@pytest.mark.parametrize("classifier", [
    "Typing :: Typed",
    "Programming Language :: Python :: 3.11",
    "Programming Language :: Python :: 3.12",
    "Programming Language :: Python :: 3.13",
    "Environment :: Console",
    "Intended Audience :: Developers",
])
def test_classifiers_say_what_the_package_is(classifier: str) -> None:
    """The classifiers a host looks for on the package index are declared."""
    assert classifier in PROJECT["classifiers"]


@pytest.mark.parametrize("url", ["Documentation", "Source", "Changelog"])
def test_project_urls_name_the_documentation_source_and_changelog(url: str) -> None:
    """Each project URL a package index shows is set, under the project's one address."""
    assert PROJECT["urls"][url].startswith("https://github.com/usage-consent/usage-consent")


@pytest.mark.slow  # builds the wheel in a subprocess
def test_the_wheel_ships_py_typed_the_license_classifiers_and_urls(wheel: zipfile.ZipFile) -> None:
    """A wheel install gives mypy the py.typed marker, carries the LICENSE, and its metadata holds the
    declared classifiers and project URLs (one build: the two checks share it)."""
    names = wheel.namelist()
    assert "usage_consent/py.typed" in names
    (license_name,) = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
    assert wheel.read(license_name).decode() == (ROOT / "LICENSE").read_text()
    (metadata_name,) = [name for name in names if name.endswith(".dist-info/METADATA")]
    metadata = email.message_from_bytes(wheel.read(metadata_name))
    assert set(metadata.get_all("Classifier") or []) == set(PROJECT["classifiers"])
    urls = dict(line.split(", ", 1) for line in metadata.get_all("Project-URL") or [])
    assert urls == PROJECT["urls"]
