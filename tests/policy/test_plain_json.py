"""The memo's JSON reader (usage_consent/_files/plainjson.py): json.loads' answer without importing
json, so that a decision answered from the memo does not pay for re."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import usage_consent
from usage_consent._files.plainjson import dumps, dumps_indented, loads

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
blanks = st.text(alphabet=" \t\n\r", max_size=3)


def _same(a: object, b: object) -> bool:
    """Equal, with NaN equal to NaN and 1 not equal to 1.0 or True (what a key comparison needs)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    return a == b


@settings(max_examples=300, deadline=None)
@given(values, blanks, blanks, st.integers(min_value=0, max_value=2))
def test_any_json_text_reads_as_json_loads_reads_it(value, before, after, indent):
    """Property: for every JSON text json.dumps writes (any indent, blanks around it), loads returns
    what json.loads returns: same types, same order of keys."""
    text = before + json.dumps(value, indent=indent or None) + after
    assert _same(loads(text), json.loads(text))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40) | st.sampled_from(['{"a": 1', "[1,]", "1 2", "\ufeff{}", "NaN", "nan", '"\\x"',
                                                 "[" * 5000, '{"a": 1} x', "", " ", "-", "01", "1e"]))
def test_any_text_reads_as_json_loads_or_is_refused_like_it(text):
    """Property: for any text, loads either returns what json.loads returns or raises ValueError
    exactly where json.loads raises (never another exception, never a value json refuses)."""
    try:
        expected = json.loads(text)
    except (ValueError, RecursionError):
        with pytest.raises(ValueError):
            loads(text)
    else:
        assert _same(loads(text), expected)


@pytest.mark.parametrize(("text", "message"), [
    ("", "expecting a JSON value at character 0"),
    ('{"a": 1} x', "extra data at character 9"),
    ("[" * 100_000, "JSON nested too deeply"),
], ids=["empty", "extra-data", "too-deep"])
def test_a_bad_text_is_one_value_error_naming_where(text, message):
    """A text that is not one JSON value raises ValueError saying where (or why)."""
    with pytest.raises(ValueError, match=message):
        loads(text)


def test_reading_imports_neither_json_nor_re_for_a_good_text():
    """Reading a well-formed text imports no module beyond the C scanner json itself runs. (-S: no
    site, so no editable install's finder has imported re before; the checkout is put on the path.)"""
    root = str(Path(usage_consent.__file__).resolve().parent.parent)
    code = (f"import sys; sys.path.insert(0, {root!r}); assert 're' not in sys.modules; before = set(sys.modules); "
            "from usage_consent._files.plainjson import loads; "
            "loads('{\"a\": [1, 2.5, null, true, \"x\"]}'); print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'_json'" in out and "'json'" not in out and "'re'" not in out


# -- writing, and reading with json.loads' hooks (a report process's body, status and state file) ----------

json_data = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats(allow_nan=False,
                                                                                           allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_data)
def test_dumps_writes_what_json_dumps_writes(value):
    """Property: dumps is json.dumps(sort_keys, compact separators, no NaN), character for character, and
    dumps_indented is json.dumps(indent=2, no NaN)."""
    assert dumps(value) == json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    assert dumps_indented(value) == json.dumps(value, indent=2, allow_nan=False)


@pytest.mark.parametrize("value", [float("nan"), [1, float("inf")], {"a": object()}, {1: "int key"}, (1, 2),
                                   {"t": (1, "x")}], ids=["nan", "infinity", "object", "int-key", "tuple",
                                                          "nested-tuple"])
def test_what_is_not_plain_json_data_gets_json_dumps_answer(value):
    """NaN, infinities and objects raise as json.dumps raises; tuples and non-string keys are written as json
    writes them."""
    for ours, theirs in ((dumps, lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), allow_nan=False)),
                         (dumps_indented, lambda v: json.dumps(v, indent=2, allow_nan=False))):
        try:
            expected = theirs(value)
        except (TypeError, ValueError) as error:
            with pytest.raises(type(error)):
                ours(value)
        else:
            assert ours(value) == expected


HOOKS = {"object_pairs_hook": lambda pairs: ("pairs", pairs), "parse_int": lambda text: ("int", text),
         "parse_float": lambda text: ("float", text), "parse_constant": lambda text: ("constant", text)}


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40) | st.sampled_from(['{"a": 1, "a": 2}', "[1, 2.5e3, NaN, -Infinity]", '{"a": 1',
                                                 '{\n  "usage_stats": tr', "1 2", "", "\n\n x"]))
def test_loads_with_hooks_answers_and_fails_as_json_loads(text):
    """Property: with json.loads' hooks, loads returns what json.loads returns, or fails where it fails with
    json's msg, line and column (JSONDecodeError's, or a JSONTextError carrying them)."""
    try:
        expected = json.loads(text, **HOOKS)
    except json.JSONDecodeError as error:
        with pytest.raises(ValueError) as raised:
            loads(text, **HOOKS)
        assert (raised.value.msg, raised.value.lineno, raised.value.colno) == (error.msg, error.lineno, error.colno)
    except RecursionError:
        with pytest.raises(ValueError):
            loads(text, **HOOKS)
    else:
        assert loads(text, **HOOKS) == expected


def test_writing_imports_neither_json_nor_re():
    """Writing a body and a status imports no module beyond the C encoder json itself runs."""
    root = str(Path(usage_consent.__file__).resolve().parent.parent)
    code = (f"import sys; sys.path.insert(0, {root!r}); before = set(sys.modules); "
            "from usage_consent._files.plainjson import dumps, dumps_indented; "
            "dumps({'a': [1, 2.5, None, True, 'x']}); dumps_indented({'b': {}}); "
            "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'json'" not in out and "'re'" not in out
