"""A virtual environment with the real Skyplane 0.3.2 and this project, built once and reused.

``python tests/skyplane_env.py`` builds it and prints its folder. It lives under the project's
``.venv/`` (ignored by git); a stamp file names what was installed, so a rerun only checks the
stamp, and a change of pins rebuilds it. Builders in parallel (pytest-xdist workers) wait on a
file lock, so it is built once. A changed pyproject.toml reinstalls.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SKYPLANE_PINS", "SkyplaneEnv", "Unavailable", "ensure"]

ROOT = Path(__file__).resolve().parent.parent
SKYPLANE_PINS = ("skyplane==0.3.2", "numpy<2", "pandas<2.3")  # 0.3.2 does not import beside numpy 2
FOLDER = ROOT / ".venv" / "skyplane-0.3.2"


class Unavailable(Exception):
    """Skyplane 0.3.2 (or a pin) cannot be downloaded here; the message says why."""


@dataclass(frozen=True)
class SkyplaneEnv:
    folder: Path

    @property
    def python(self) -> Path:
        return self.folder / "bin" / "python"

    @property
    def skyplane(self) -> Path:
        """Skyplane's own console script (stock Skyplane, no adapter)."""
        return self.folder / "bin" / "skyplane"


def _stamp() -> str:
    """What the environment holds; pyproject.toml's hash, since an editable install only follows
    source edits, not new packages or entry points."""
    project = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return "\n".join([*SKYPLANE_PINS, f"-e {ROOT} (pyproject {project})", sys.version.split()[0]]) + "\n"


def _pip(env: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(env / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q", *args],
                          capture_output=True, text=True, timeout=900)


def ensure(folder: Path = FOLDER) -> SkyplaneEnv:
    """The environment, built if missing or stale. Raises Unavailable when the packages cannot be
    downloaded, RuntimeError when anything else fails."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    stamp = folder / "usage-consent-stamp.txt"
    with open(folder.parent / ".skyplane-0.3.2.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.is_file() and stamp.read_text() == _stamp():
            return SkyplaneEnv(folder)
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, capture_output=True)
        got = _pip(folder, "install", *SKYPLANE_PINS)
        if got.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            last = [line for line in got.stderr.splitlines() if line.strip() and "WARNING" not in line][-3:]
            raise Unavailable(f"pip install {' '.join(SKYPLANE_PINS)} failed: {' | '.join(last)}")
        ours = _pip(folder, "install", "-e", str(ROOT))
        if ours.returncode != 0:
            raise RuntimeError(f"pip install -e {ROOT} into {folder} failed:\n{ours.stderr}")
        stamp.write_text(_stamp())
        return SkyplaneEnv(folder)


if __name__ == "__main__":
    try:
        print(ensure().folder)
    except Unavailable as error:  # not a failure: the integration test then skips, saying why
        print(f"skyplane_env: unavailable, tests marked skyplane will skip: {error}", file=sys.stderr)
