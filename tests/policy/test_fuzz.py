"""The fuzz suite: adversarial environment values, config and state files, policy documents and
endpoint URLs, through the library and through the real `usage-consent` command. The budget is
fixed for CI (tests/fuzz_inputs.py); USAGE_CONSENT_FUZZ=long runs 25 times as many examples."""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlsplit

import pytest
from fuzz_inputs import (
    as_written,
    budget,
    endpoint_urls,
    env_values,
    file_contents,
    fresh_home,
    state_contents,
    strict_object,
)
from helpers import demo_policy_text
from hypothesis import given
from hypothesis import strategies as st

from usage_consent.policy import PolicyError, UsageConsentError, decide, embedded_policy, write_consent
from usage_consent.policy._load import parse_policy, policy_to_toml
from usage_consent.policy._state import StateFile

pytestmark = pytest.mark.slow  # thousands of hypothesis examples, some through the real command

ON, OFF, LOCAL = ("1", "true", "yes", "on"), ("0", "false", "no", "off"), ("local",)


def expected_env_mode(value: str) -> str | None:
    """The reference rule: ASCII spaces and tabs around are ignored; empty is unset; else a spelling (any
    ASCII case) or invalid ("invalid")."""
    word = value.strip(" \t")
    if not word:
        return None
    if word.isascii():
        for mode, words in (("on", ON), ("off", OFF), ("local", LOCAL)):
            if word.lower() in words:
                return mode
    return "invalid"


@budget(150)
@given(env_values, env_values, env_values)
def test_env_values(value, do_not_track, ci):
    """Property: decide() never raises; the env mode follows the reference rule; invalid means off; DO_NOT_TRACK
    never turns collection on; DO_NOT_TRACK and CI follow the one blank rule (only ASCII spaces and tabs
    around are ignored: CI=$'false\\u2028' is a CI runner)."""
    with fresh_home(SKYPLANE_USAGE_STATS_ENABLED=value, DO_NOT_TRACK=do_not_track, CI=ci) as home:
        home.mark_notice_shown()
        decision = decide()
        expected = expected_env_mode(value)
        dnt_request = do_not_track.strip(" \t").lower() not in ("", "0", "false")
        on_ci = ci.strip(" \t").lower() not in ("", "0", "false")
        if expected == "invalid":
            assert (decision.mode, decision.decided_by) == ("off", "env")
        elif expected is not None:
            assert decision.mode == expected
        else:
            assert decision.mode == ("off" if dnt_request or on_ci else "on")
        assert decision.trace["do_not_track"].value == ("off" if dnt_request else None)
        assert decision.trace["ci"].value == ("off" if on_ci else None)


@budget(150)
@given(file_contents)
def test_config_file_contents(content):
    """Properties: decide() never raises and is on only for a strict JSON object whose usage_stats is true;
    opting out succeeds on every JSON object and keeps every other value (numbers exactly); a file that is not a
    JSON object is left byte for byte as it was, with a UsageConsentError."""
    with fresh_home() as home:
        home.mark_notice_shown()
        home.config.write_bytes(content)
        decision = decide()
        strict = strict_object(content)
        if decision.mode == "on":  # the default (on) only when the file is strict JSON and does not say otherwise
            # (a JSON null is unset)
            assert strict is not None and strict.get("usage_stats", True) in (True, None)
        if strict is not None and strict.get("usage_stats") in (True, False, "local"):
            assert decision.mode == {True: "on", False: "off", "local": "local"}[strict["usage_stats"]]
        before = as_written(content)
        try:
            write_consent(False)
        except UsageConsentError:
            assert before is None and home.config.read_bytes() == content
            return
        after = home.config.read_bytes()
        assert before is not None  # only a JSON object (or an empty file) is written
        assert as_written(after) == {**(before or {}), "usage_stats": False}
        assert decide().mode == "off"


@budget(120)
@given(state_contents, st.sampled_from([True, "local", False]))
def test_state_file_contents(content, consent):
    """Properties: decide() never raises and is never on while the state file is unusable; an unusable file
    is set aside byte for byte and the next runs work; a usable one is never corrupted."""
    with fresh_home() as home:
        home.write_config({"usage_stats": consent})
        home.state.write_bytes(content)
        state = StateFile(str(home.state))
        try:
            state.read()
            usable = True
        except UsageConsentError:
            usable = False
        decision = decide()
        if not usable:
            assert decision.mode == "off"
            if consent is not False:
                assert decision.decided_by == "notice" and "internal error" not in str(decision.trace)
            [aside] = home.skyplane.glob("usage_stats_state.json.corrupt-*")
            assert aside.read_bytes() == content
        for _ in range(2):
            assert decide().trace["notice"].status != "invalid"
        assert isinstance(state.read(), dict)  # what is there now is usable
        assert decide().mode == {True: "on", "local": "local", False: "off"}[consent]


def _mutations() -> st.SearchStrategy[str]:
    text = policy_to_toml(embedded_policy())
    lines = text.splitlines()

    def replace_value(index: int, value: str) -> str:
        line = lines[index % len(lines)]
        head, sep, _ = line.partition(" = ")
        changed = list(lines)
        changed[index % len(lines)] = f"{head} = {value}" if sep else value
        return "\n".join(changed)

    values = st.one_of(st.sampled_from(["9" * 5000, "[" * 2000 + "]" * 2000, "nan", "inf", "-0", "{}", "[]",
                                        '"\\ud800"', '"x\\u0000"', "true", "1979-05-27", "'''", '""']),
                       json_values_toml())
    return st.one_of(
        st.builds(replace_value, st.integers(0, 10_000), values),
        st.builds(lambda i: "\n".join(lines[: i % len(lines)] + lines[i % len(lines) + 1:]), st.integers(0, 10_000)),
        st.builds(lambda i: "\n".join([*lines, lines[i % len(lines)]]), st.integers(0, 10_000)),
        st.builds(lambda cut: text[:cut], st.integers(0, len(text))),
        st.builds(lambda i, junk: text[:i] + junk + text[i:], st.integers(0, len(text)), st.text(max_size=5)),
    )


def json_values_toml() -> st.SearchStrategy[str]:
    return st.one_of(st.integers().map(str), st.text(max_size=10).map(json.dumps),
                     st.lists(st.integers(), max_size=3).map(str))


@budget(150)
@given(_mutations())
def test_policy_documents(text):
    """Property: a policy document mutated from the embedded one is either a Policy or a PolicyError
    naming the document; nothing else is raised."""
    try:
        policy = parse_policy(text, "mutated.toml")
    except PolicyError as error:
        assert error.problems and str(error).startswith("mutated.toml: ")
        return
    with fresh_home():
        assert decide(policy).mode in ("on", "off", "local")


@budget(100)
@given(endpoint_urls, st.lists(endpoint_urls, max_size=3) | endpoint_urls)
def test_endpoint_urls(primary, additional):
    """Property: decide() never raises, and every endpoint it allows is https, or http to this machine."""
    with fresh_home() as home:
        home.mark_notice_shown()
        home.write_config({"usage_stats": True, "usage_stats_endpoint": primary,
                           "usage_stats_additional_endpoints": additional})
        decision = decide()
        assert decision.mode == "on"
        for url in decision.endpoints:
            parts = urlsplit(url)
            assert (parts.scheme == "https" and parts.hostname) or (
                parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1"))


COMMANDS = [("explain",), ("explain", "--json"), ("decide",), ("decide", "--json"), ("history",),
            ("history", "--json"), ("config", "get", "usage_stats"), ("config", "set", "usage_stats", "false"),
            ("config", "unset", "usage_stats"), ("init",), ("forget",), ("records", "list"), ("records", "show"),
            ("notice",)]
TRACEBACK = re.compile(r"Traceback|internal error|^\s+File \"", re.MULTILINE)


@budget(30)
@given(st.sampled_from(COMMANDS), file_contents, state_contents, env_values)
def test_commands(argv, config, state, env_value):
    """Properties: the real command exits 0, 1 or 2 with no traceback; on failure one line names the file or
    variable; decide never prints on from bad input; opting out succeeds on every JSON-object config."""
    with fresh_home() as home:
        home.config.write_bytes(config)
        home.state.write_bytes(state)
        result = home.run(*argv, env={"SKYPLANE_USAGE_STATS_ENABLED": env_value}, timeout=60)
        assert result.returncode in (0, 1, 2)
        assert not TRACEBACK.search(result.stderr), result.stderr
        if result.returncode:
            errors = [x for x in result.stderr.splitlines() if x.startswith("usage-consent: ")
                      and not x.startswith("usage-consent: warning: ")]
            assert len(errors) == 1, result.stderr
        if argv == ("decide",) and result.stdout.strip() == "on":
            strict = strict_object(config)
            config_allows = strict is not None and strict.get("usage_stats", True) in (True, None)
            assert expected_env_mode(env_value) == "on" or (expected_env_mode(env_value) is None and config_allows)
        if argv[:2] == ("config", "set") and as_written(config) is not None:
            assert result.returncode == 0, result.stderr
            assert as_written(home.config.read_bytes())["usage_stats"] is False
        if home.config.exists() and config != home.config.read_bytes():
            assert as_written(home.config.read_bytes()) is not None  # a rewritten config is still JSON
        assert os.path.isdir(home.skyplane)


THREE_FILES = demo_policy_text("""\
[[sources]]
name = "toml_above"
kind = "config_file"
path = "~/.demo/config.toml"
[[sources]]
name = "config_file"
kind = "config_file"
writable = true
[[sources]]
name = "ini_below"
kind = "config_file"
path = "~/.demo/config.ini"
section = "flags"
accept_local = false
""")
# Each policy's config files: (path under HOME, format, whether it may hold "local").
SEVERAL_FILES = {
    "skyplane-0.3": ((".skyplane/config.json", "json", True), (".skyplane/config", "ini", False)),
    "three-files": ((".demo/config.toml", "toml", True), (".demo/config.json", "json", True),
                    (".demo/config.ini", "ini", False)),
}
FILE_VALUES = {"json": [True, False, "local"], "toml": [True, False, "local"],
               "ini": ["True", "False", "yes", "NO", "1", "0", "on", "Off"]}


@st.composite
def several_config_files(draw):
    """A policy with several config files, each missing or holding a random valid value beside another key."""
    name = draw(st.sampled_from(sorted(SEVERAL_FILES)))
    files = [(path, fmt, draw(st.none() | st.sampled_from(FILE_VALUES[fmt]))) for path, fmt, _ in SEVERAL_FILES[name]]
    return name, files


def _write_file(path, fmt, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        path.write_text(json.dumps({"keep": 1, "usage_stats": value}))
    elif fmt == "toml":
        path.write_text(f"keep = 1\nusage_stats = {json.dumps(value)}\n")
    else:
        path.write_text(f"[other]\nkeep = 1\n\n[flags]\nusage_stats = {value}\n")


@budget(60)
@given(several_config_files(), st.sampled_from(["false", "0", "no", "OFF", False, "true", "1", True, "local"]))
def test_a_change_takes_effect_across_config_files(setup, value):
    """Property: after write_consent(V) returns (for random files present with random valid values, across
    policies with several config files), decide() is V — an opt-out always turns collection off; when it is
    refused (only "local" into a file that cannot hold it), every file is byte for byte as it was; other keys
    are always kept."""
    from usage_consent.policy import ConfigFileError, load_policy

    name, files = setup
    with fresh_home() as home:
        home.mark_notice_shown()
        policy = load_policy(name) if name in SHIPPED_NAMES else parse_policy(THREE_FILES, "three-files.toml")
        for path, fmt, content in files:
            if content is not None:
                _write_file(home.root / path, fmt, content)
        before = {path: (home.root / path).read_bytes() for path, _, content in files if content is not None}
        expected = {"false": "off", "0": "off", "no": "off", "OFF": "off", False: "off",
                    "true": "on", "1": "on", True: "on", "local": "local"}[value]
        try:
            assert write_consent(value, policy) == expected
        except ConfigFileError as error:
            assert expected == "local" and 'cannot hold "local"' in error.message
            assert {path: (home.root / path).read_bytes() for path in before} == before
            return
        assert decide(policy).mode == expected
        for path in before:
            assert "keep" in (home.root / path).read_text()


SHIPPED_NAMES = ("skyplane", "skyplane-0.3")
