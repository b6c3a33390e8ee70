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
from usage_consent._files.plainjson import loads

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
