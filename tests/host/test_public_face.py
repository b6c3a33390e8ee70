"""The public face: a host imports from four modules (and the collector's, with its extra); the
spellings earlier releases documented are aliases of the same objects; every other module is
private by name (docs/reference/api.md)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import usage_consent

PUBLIC_MODULES = {
    "usage_consent", "usage_consent.errors", "usage_consent.cli.host", "usage_consent.testing",
    "usage_consent.collector",
    # packages that hold the above, and the two documented alias modules
    "usage_consent.cli", "usage_consent.schemas", "usage_consent.policy", "usage_consent.reporter",
}

ALIASES = [
    (f"usage_consent.policy.{name}", f"usage_consent.{name}")
    for name in ("decide", "explain", "load_policy", "embedded_policy", "write_consent", "set_consent",
                 "remove_consent", "FileChange", "Decision", "Policy", "UsageConsentError", "ConsentValueError",
                 "ConfigFileError", "PolicyError")
] + [
    (f"usage_consent.reporter.{name}", f"usage_consent.{name}")
    for name in ("start_session", "validate_report", "Session")
] + [
    ("usage_consent.reporter.wait", "usage_consent.reporter._worker.wait"),
    ("usage_consent.policy.read_consent", "usage_consent.policy._config_write.read_consent"),
    ("usage_consent.policy.unset_consent", "usage_consent.policy._config_write.unset_consent"),
    ("usage_consent.testing.sandbox", "usage_consent.testing._sandboxes.sandbox"),
    ("usage_consent.cli.host.add_argparse", "usage_consent.cli.host.add_argparse"),
    ("usage_consent.cli.host.click_group", "usage_consent.cli.host.click_group"),
    ("usage_consent.cli.host.typer_app", "usage_consent.cli.host.typer_app"),
    ("usage_consent.RunConfig", "usage_consent._run.RunConfig"),
    ("usage_consent.BaseReport", "usage_consent.schemas._base_report.BaseReport"),
]


def _resolve(dotted: str) -> object:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize(("alias", "public"), ALIASES, ids=[alias for alias, _ in ALIASES])
def test_a_documented_spelling_names_the_public_object(alias, public):
    """Each spelling earlier issues and the README made public still works, as the same object."""
    assert _resolve(alias) is _resolve(public)


def test_every_other_module_is_private_by_name():
    """A module outside the public face has a leading underscore in its dotted name."""
    public = []
    for module in pkgutil.walk_packages(usage_consent.__path__, "usage_consent."):
        if not any(part.startswith("_") for part in module.name.split(".")[1:]):
            public.append(module.name)
    assert set(public) <= PUBLIC_MODULES, sorted(set(public) - PUBLIC_MODULES)


@pytest.mark.parametrize("module", ["usage_consent", "usage_consent.errors", "usage_consent.testing",
                                    "usage_consent.policy", "usage_consent.reporter"])
def test_every_name_in_all_resolves(module):
    """Every name a public module lists in ``__all__`` can be imported from it."""
    loaded = importlib.import_module(module)
    for name in loaded.__all__:
        assert getattr(loaded, name) is not None, name


def test_the_alias_modules_export_only_the_public_names():
    """``usage_consent.policy`` and ``usage_consent.reporter`` list nothing but documented names."""
    documented = {alias.rpartition(".")[2] for alias, _ in ALIASES}
    for module in ("usage_consent.policy", "usage_consent.reporter"):
        extra = set(importlib.import_module(module).__all__) - documented - {"Layer", "Trace"}
        assert not extra, (module, sorted(extra))
