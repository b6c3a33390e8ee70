"""Hypothesis strategies for the fuzz suite: what an adversarial user can put in an environment
variable, a config or state file, a policy document or an endpoint URL; and the example budget."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from conftest import CONSENT_VARIABLES, Home
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from usage_consent import _run as run

# USAGE_CONSENT_FUZZ=long multiplies every budget (a long run, outside CI).
SCALE = 25 if os.environ.get("USAGE_CONSENT_FUZZ") == "long" else 1
settings.register_profile("usage-consent", deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("usage-consent")


def budget(examples: int) -> settings:
    """A fixed number of examples in CI, SCALE times more in a long run."""
    return settings(max_examples=examples * SCALE)


SPELLINGS = ["1", "true", "yes", "on", "0", "false", "no", "off", "local", "TRUE", "Local", "oN"]
ODD_CHARS = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2003\u2028\u2029\u202f\u3000\ufeff\u0131\u212a"


def _env_safe(text: str) -> str:
    return text.replace("\x00", "")


env_values = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, w, b: a + w + b, st.text(ODD_CHARS, max_size=3), st.sampled_from(SPELLINGS),
              st.text(ODD_CHARS, max_size=3)),
    st.binary(max_size=20).map(os.fsdecode),  # bytes that are not UTF-8 arrive as surrogate escapes
    st.sampled_from(["", " ", "\t", "9" * 5000, "local\x00", "1" * 10_000]),
).map(_env_safe).filter(lambda text: not any(0xD800 <= ord(c) <= 0xDC7F or 0xDD00 <= ord(c) <= 0xDFFF
                                              for c in text))

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20), st.sampled_from(["local", "\ud800", "\udfff", "true", "LOCAL"]),
)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)
consent_values = st.one_of(st.sampled_from([True, False, "local"]), json_values)


@st.composite
def object_texts(draw: st.DrawFn) -> str:
    """A JSON object as text, with the consent key (maybe twice), numbers Python cannot hold,
    NaN and deep nesting in its other values."""
    members = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in draw(st.dictionaries(
        st.text(max_size=8), json_values, max_size=4)).items()]
    for _ in range(draw(st.integers(0, 2))):
        members.insert(draw(st.integers(0, len(members))), f'"usage_stats": {json.dumps(draw(consent_values))}')
    odd = draw(st.lists(st.sampled_from([
        "9" * 5000, "-1e999", "1e400", "NaN", "Infinity", "-Infinity", "[" * 400 + "]" * 400, '"\\ud800"',
        '{"a": {"b": [1, 2.5e-300, -0]}}',
    ]), max_size=2))
    members += [f'"odd{i}": {text}' for i, text in enumerate(odd)]
    return "{" + ", ".join(members) + "}"


file_contents = st.one_of(
    object_texts().map(str.encode),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=60),
    st.sampled_from([b"", b"  \n", b"[" * 100_000, b"{" * 3000, b'{"a":' * 2000, b"\xef\xbb\xbf{}", b"\xff{}",
                     b'{"usage_stats": true}\x00', ("9" * 5000).encode()]),
    st.builds(lambda text, cut: text.encode()[:cut], object_texts(), st.integers(0, 200)),  # truncated
)

state_contents = st.one_of(
    file_contents,
    st.fixed_dictionaries({}, optional={
        "format": json_values, "client_id": json_values, "notices": json_values, "history": json_values,
        "future_key": json_values,
    }).map(lambda d: json.dumps(d).encode()),
    st.builds(lambda version, event: json.dumps({"notices": {"usage_stats": {"version": version}},
                                                 "history": [{"event": event, "at": "x"}]}).encode(),
              json_values, json_values),
)

endpoint_urls = st.one_of(
    st.text(max_size=40),
    st.builds(lambda scheme, host, rest: f"{scheme}://{host}{rest}",
              st.sampled_from(["https", "http", "HTTPS", "ftp", "file", ""]),
              st.sampled_from(["127.0.0.1", "localhost", "[::1]", "example.org", "10.0.0.1", "127.0.0.1:99999",
                               "[::1", "xn--", "a b", "user:pw@example.org", ""]),
              st.text(max_size=15)),
    json_values,
)


def strict_object(content: bytes) -> dict | None:
    """The reference reading of a config file: the object it holds when it is strict JSON (UTF-8,
    finite numbers, each key once; an empty file is an empty object; a leading BOM ignored), else None."""
    def pairs(items: list) -> dict:
        keys = [k for k, _ in items]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(items)

    def finite(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError("not finite")
        return value

    def refuse(text: str) -> None:
        raise ValueError(text)

    try:
        text = content.decode("utf-8").removeprefix("\ufeff")  # a leading UTF-8 BOM is accepted (README)
        data = json.loads(text, object_pairs_hook=pairs, parse_float=finite, parse_constant=refuse) \
            if text.strip(" \t\r\n") else {}
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def as_written(content: bytes) -> dict | None:
    """A JSON object with every number read exactly, however long (last of duplicate keys wins; an empty
    file is an empty object)."""
    try:
        text = content.decode("utf-8").removeprefix("\ufeff")  # a leading UTF-8 BOM is accepted (README)
        data = json.loads(text, parse_int=Decimal, parse_float=Decimal, parse_constant=str) \
            if text.strip(" \t\r\n") else {}
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


@contextlib.contextmanager
def fresh_home(**env: str) -> Iterator[Home]:
    """A new HOME and TMPDIR for one example, set in this process (restored afterwards)."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-home-"))
    saved = {k: os.environ.get(k) for k in ("HOME", "TMPDIR", *CONSENT_VARIABLES)}
    try:
        home = Home(root)
        home.skyplane.mkdir()
        os.environ.update(HOME=str(root), TMPDIR=str(home.tmp))
        for name in CONSENT_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(env)
        with run.bound(run.RunConfig(temp_dir=str(home.tmp))):
            yield home
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(root, ignore_errors=True)
