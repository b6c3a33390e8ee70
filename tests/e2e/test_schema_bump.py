"""The bump workflow, for real: change a copy of the model, see `check` fail, `bump`, see `check`
pass, and see a user who was shown the current version get a notice that lists the new field."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from usage_consent.policy import embedded_policy
from usage_consent.policy._load import policy_to_toml
from usage_consent.schemas import _model as model_module
from usage_consent.schemas import _registry as registry
from usage_consent.schemas._versions import current_version

pytestmark = pytest.mark.slow  # the whole bump workflow, a command at each step

SCHEMAS = Path(registry.__file__).parent
CUR = current_version("usage_stats")
NEXT = CUR + 1
NEW_FIELD = ('    gpu_count: int = Field(default=0, description="Number of GPUs the gateways used.", ge=0, le=64)\n')


@pytest.fixture
def workspace(home, tmp_path):
    """A copy of the schema folder, the changelog and the model, and a policy pointing at them."""
    root = tmp_path / "work"
    (root / "schemas").mkdir(parents=True)
    shutil.copytree(SCHEMAS / "usage_stats", root / "schemas" / "usage_stats")
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n### Added\n\n- Something.\n\n## [0.1.0]\n")
    shutil.copy(model_module.__file__, root / "model.py")
    policy = policy_to_toml(embedded_policy()).replace(
        'state_file = "~/.skyplane/usage_stats_state.json"\n',
        f'state_file = "~/.skyplane/usage_stats_state.json"\nschemas_dir = "{root / "schemas"}"\n')
    (root / "policy.toml").write_text(policy)
    return root


def _check(home, root):
    return home.run("schema", "check", "--schemas-dir", str(root / "schemas"), "--model", f"{root / 'model.py'}:"
                    "UsageStatsToReport")


def _bump(home, root):
    return home.run("schema", "bump", "--schemas-dir", str(root / "schemas"), "--model",
                    f"{root / 'model.py'}:UsageStatsToReport", "--changelog", str(root / "CHANGELOG.md"))


def test_bump_workflow_end_to_end(home, workspace):
    """Adding a field fails `check` with the fix command; `bump` releases the next version and a
    changelog entry; `check` passes; a user shown the current one gets a notice listing the new field, once."""
    root = workspace
    assert _check(home, root).returncode == 0
    assert _bump(home, root).returncode == 1  # nothing changed: refused
    assert not (root / "schemas" / "usage_stats" / f"v{NEXT}.json").exists()

    model = (root / "model.py").read_text()
    marker = "    stats: TransferStats | None"
    (root / "model.py").write_text(model.replace(marker, NEW_FIELD + marker, 1))
    failed = _check(home, root)
    assert failed.returncode == 1
    assert "+ gpu_count: Number of GPUs the gateways used." in failed.stderr
    assert "fix: usage-consent schema bump" in failed.stderr

    bumped = _bump(home, root)
    assert bumped.returncode == 0, bumped.stderr
    released = json.loads((root / "schemas" / "usage_stats" / f"v{NEXT}.json").read_text())
    assert released["properties"]["schema_version"]["const"] == NEXT
    assert "gpu_count" in released["properties"]
    changelog = (root / "CHANGELOG.md").read_text()
    assert f"### Changed\n\n- Usage-stats schema `usage_stats` v{NEXT}" in changelog
    assert "added `gpu_count`" in changelog
    assert changelog.index(f"v{NEXT}") < changelog.index("## [0.1.0]")
    assert _check(home, root).returncode == 0

    home.mark_notice_shown(version=CUR)
    policy = ["--policy", str(root / "policy.toml")]
    first = home.run(*policy, "decide")
    assert first.stdout.strip() == "off"
    assert f"Changed since v{CUR}, the version you were last shown:" in first.stderr
    assert "+ gpu_count: Number of GPUs the gateways used." in first.stderr
    second = home.run(*policy, "decide")
    assert (second.stdout.strip(), second.stderr) == ("on", "")

    home.mark_notice_shown(version=CUR)
    opted_in = home.run(*policy, "decide", env={"SKYPLANE_USAGE_STATS_ENABLED": "1"})
    assert opted_in.stdout.strip() == "on"
    assert "+ gpu_count: Number of GPUs the gateways used." in opted_in.stderr
    assert home.run(*policy, "decide").stderr == ""
    diffed = home.run(*policy, "schema", "diff", str(CUR), str(NEXT))
    assert "added `gpu_count`" in diffed.stdout


def test_bump_needs_a_changelog(home, workspace):
    """Without a changelog to record it in, bump refuses and writes no version."""
    root = workspace
    (root / "model.py").write_text((root / "model.py").read_text().replace(
        "    stats: TransferStats | None", NEW_FIELD + "    stats: TransferStats | None", 1))
    result = home.run("schema", "bump", "--schemas-dir", str(root / "schemas"), "--model",
                      f"{root / 'model.py'}:UsageStatsToReport", "--changelog", str(root / "missing.md"))
    assert result.returncode == 1 and "CHANGELOG" in result.stderr
    assert not (root / "schemas" / "usage_stats" / f"v{NEXT}.json").exists()
