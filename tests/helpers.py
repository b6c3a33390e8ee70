"""Plain data and functions the test modules share (fixtures are in tests/conftest.py): one transfer's
host fields, its stats, the repository's paths, and the few steps many reporter tests take."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from usage_consent.policy import embedded_policy
from usage_consent.policy._load import parse_policy

BIN = Path(sys.executable).parent / "usage-consent"  # the real command, beside this Python
REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
RAY = str(EXAMPLES / "policies" / "ray.toml")

# One transfer's host fields (a session's start), its stats (the report's end), and both together.
TRANSFER = {
    "command": "cp", "tool_version": "0.3.2",
    "source": {"provider": "aws", "region": "us-east-1"}, "destinations": [{"provider": "gcp", "region": "us-west1"}],
    "options": {"recursive": False, "multipart": True, "max_instances": 2, "solver": "direct"},
}
STATS = {"runtime_s": 1.5, "throughput_gbits": 2.0, "bytes_transferred": 10, "objects_transferred": 1}
TRANSFER_WITH_STATS = {**TRANSFER, "stats": STATS}

# Code for a test process: from here on, every module of ours imported by a thread other than this
# (main) one is listed in ``lanes`` (a lane's thread must import none: docs/design.md).
LANE_WATCH = """
import _thread, sys
main, lanes = _thread.get_ident(), []
class Watch:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.startswith("usage_consent") and _thread.get_ident() != main:
            lanes.append(name)
sys.meta_path.insert(0, Watch)
"""

def opt_in(home, url, **extra):
    """Opt ``home`` in to sending to ``url`` (more config keys in ``extra``), the notice already shown."""
    home.write_config({"usage_stats": True, "usage_stats_endpoint": url, **extra})
    home.mark_notice_shown()


def usage(home):
    """The folder the embedded policy keeps its records in, under ``home``'s TMPDIR."""
    return home.tmp / "skyplane" / "usage"


def policy_with(**reporter):
    """The embedded policy with its ``[reporter]`` keys replaced by ``reporter``."""
    import tomli_w

    data = embedded_policy().model_dump(mode="json", exclude_none=True)
    data["reporter"].update(reporter)
    return parse_policy(tomli_w.dumps(data), "test.toml")


HUGE = "9" * 5000  # a JSON or TOML number too long to read (Python's int limit is 4300 digits)


def one_line_error(result, code: int, text: str) -> None:
    """The command failed with ``code`` and one line on stderr naming the problem, no traceback."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("usage-consent: warning:")]
    assert len(lines) == 1 and lines[0].startswith("usage-consent: ") and text in lines[0], result.stderr


def without_file_override() -> None:
    """In a child about to exec: drop the capabilities that let root read any file, so a
    permission test means the same for root (CI) as for a user."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, cap_dac_override, cap_dac_read_search = 24, 1, 2
    for capability in (cap_dac_override, cap_dac_read_search):
        libc.prctl(pr_capbset_drop, capability, 0, 0, 0)


def toml_inline(value: object) -> str:
    """A TOML inline value for a value-map entry or a table of plain values (JSON and TOML agree on them)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {toml_inline(item)}" for key, item in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)


@contextlib.contextmanager
def variable(name: str, value: str | None) -> Iterator[None]:
    """``name`` set to ``value`` (None: unset) in this process for the block, then as it was."""
    saved = os.environ.get(name)
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def demo_policy_text(sources: str, *, default: str | None = "on", key: str = "usage_stats",
                     config_file: str = "~/.demo/config.json", extra: str = "") -> str:
    """A demo policy's TOML, without a notice: ``extra`` (top-level TOML), then ``sources`` (TOML
    array-of-tables text), then a default source deciding ``default`` (None: no default source)."""
    text = (f'app = "demo"\nkey = "{key}"\nschema_name = "usage_stats"\nconfig_file = "{config_file}"\n'
            f'state_file = "~/.demo/state.json"\n{extra}{sources}\n')
    if default is not None:
        text += f'[[sources]]\nname = "default"\nkind = "default"\nvalue = "{default}"\n'
    return text + "[notice]\nenabled = false\n"


def demo_policy(sources: str, **options):
    """``demo_policy_text(sources, **options)``, loaded."""
    return parse_policy(demo_policy_text(sources, **options), "demo.toml")


# minicp's report model (the host the adopting tests build): a BaseReport subclass and two models
# `schema init` refuses.
HOST_MODEL = '''
from typing import Literal
from pydantic import BaseModel, Field
from usage_consent import BaseReport


class CopyReport(BaseReport):
    """One copy."""

    command: Literal["cp"] = Field(description="The command.")
    bytes_copied: int = Field(description="Bytes copied.", ge=0)


class NotABaseReport(BaseModel):
    command: str


class Broken(BaseReport):
    pass
'''


def host_schemas() -> dict[str, dict]:
    """The schemas hosts release in these tests and with ``new-host``, by name: usage-consent's own
    BaseReport, minicp's CopyReport (HOST_MODEL), the new-host template's CopyReport, and the current
    model with one more field (the bump workflow's)."""
    from string import Template

    from usage_consent import BaseReport
    from usage_consent.schemas import _model
    from usage_consent.schemas._build import build_schema

    def model_in(text: str, name: str):
        import types

        module = types.ModuleType(f"_host_model_{name.replace('-', '_')}")
        sys.modules[module.__name__] = module  # so that pydantic resolves the model's annotations
        exec(compile(text, f"<{name}>", "exec"), module.__dict__)  # the tests' own model text
        return module.CopyReport

    template = REPO / "usage_consent" / "cli" / "_new_host" / "templates" / "common" / "report.py.tmpl"
    new_host = model_in(Template(template.read_text()).safe_substitute(name="my-tool"), "new-host")
    bumped = type("Bumped", (_model.UsageStatsToReport,), {"__annotations__": {"gpu_count": int}, "gpu_count": 0})
    return {"base-report": build_schema(BaseReport, "base", 1),
            "minicp": build_schema(model_in(HOST_MODEL, "minicp"), "minicp_usage", 1),
            "new-host": build_schema(new_host, "usage_stats", 1),
            "bumped": build_schema(bumped, "usage_stats", 3)}
