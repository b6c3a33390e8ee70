"""Conditions on a source (``when``, ``unless``): tests of the machine and the environment, as data.

``holds`` evaluates one; ``condition_inputs`` says what it reads (the decision cache watches the
variables; a container's markers are volatile; HOME's write bit is HOME's stat); ``describe``
writes it as the trace names it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from usage_consent.policy._model import CI_VARIABLES, Condition, strip_blanks
from usage_consent.policy._sources.base import Inputs

if TYPE_CHECKING:
    from usage_consent._run import RunConfig

__all__ = ["condition_inputs", "describe", "holds"]

NOT_CI = ("", "0", "false")  # today's ci source rule: set, not empty, 0 or false


def _ci(condition: Condition) -> bool:
    rule = condition.ci
    names, any_value = (CI_VARIABLES, False) if isinstance(rule, bool) else (rule.variables, rule.non_empty)  # type: ignore[union-attr]
    found = any((value := os.environ.get(name)) is not None and (
        value != "" if any_value else strip_blanks(value).lower() not in NOT_CI) for name in names)
    return found == rule if isinstance(rule, bool) else found


def in_container() -> bool:
    """is-docker's test: /.dockerenv exists, or /proc/self/cgroup names docker."""
    if os.path.exists("/.dockerenv"):
        return True
    try:
        with open("/proc/self/cgroup", encoding="utf-8", errors="replace") as cgroup:
            return "docker" in cgroup.read(1 << 16)
    except OSError:
        return False


def _home_writable(run: RunConfig) -> bool:
    home = run.home_dir()
    try:
        return bool(home) and bool(os.stat(home).st_mode & 0o200)  # type: ignore[arg-type]
    except OSError:
        return False


# Each key of a condition, and its test (one row per key; exactly one key is set).
_TESTS: dict[str, Callable[[Condition, RunConfig], bool]] = {
    "ci": lambda c, run: _ci(c),
    "container": lambda c, run: in_container() == c.container,
    "env_present": lambda c, run: bool(os.environ.get(c.env_present or "")),
    "home_writable": lambda c, run: _home_writable(run) == c.home_writable,
    "any": lambda c, run: any(holds(inner, run) for inner in c.any or ()),
    "all": lambda c, run: all(holds(inner, run) for inner in c.all or ()),
    "not_": lambda c, run: not holds(c.not_, run),  # type: ignore[arg-type]
}


def holds(condition: Condition, run: RunConfig) -> bool:
    """Whether ``condition`` holds now."""
    key = next(name for name in _TESTS if getattr(condition, name) is not None)
    return _TESTS[key](condition, run)


def describe(condition: Condition) -> str:
    """The condition as the policy writes it (TOML's inline table)."""
    if condition.any is not None or condition.all is not None:
        name = "any" if condition.any is not None else "all"
        return f"{{ {name} = [{', '.join(map(describe, condition.any or condition.all or ()))}] }}"
    if condition.not_ is not None:
        return f"{{ not = {describe(condition.not_)} }}"
    name, value = next((name, getattr(condition, name)) for name in ("ci", "container", "env_present", "home_writable")
                       if getattr(condition, name) is not None)
    if isinstance(value, bool):
        shown = str(value).lower()
    elif isinstance(value, str):
        shown = f'"{value}"'
    else:
        shown = f"{{ variables = {list(value.variables)}, non_empty = {str(value.non_empty).lower()} }}"
    return f"{{ {name} = {shown} }}"


def condition_inputs(condition: Condition | None) -> Inputs:
    """What ``condition`` reads: CI and presence variables (watched), HOME's stat (its write bit),
    a container's markers (volatile: /proc/self/cgroup belongs to each process)."""
    if condition is None:
        return Inputs()
    if condition.ci is not None:
        return Inputs(variables=CI_VARIABLES if isinstance(condition.ci, bool) else condition.ci.variables)
    if condition.env_present is not None:
        return Inputs(variables=(condition.env_present,))
    if condition.home_writable is not None:
        return Inputs(files=("~",))
    if condition.container is not None:
        return Inputs(volatile=True)
    total = Inputs()
    for inner in (condition.any or ()) + (condition.all or ()) + ((condition.not_,) if condition.not_ else ()):
        total = total + condition_inputs(inner)
    return total
