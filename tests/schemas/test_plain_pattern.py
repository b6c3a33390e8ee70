"""A schema's pattern matched without re (schemas/_plain_pattern.py): the answer of ``re.search`` for
every pattern of its subset, None (re's turn) for every other."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usage_consent.schemas import _registry as registry
from usage_consent.schemas._plain_pattern import LONGEST, compile_pattern, sample
from usage_consent.schemas._versions import list_versions


def _patterns(node):
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


RELEASED = sorted({p for version in list_versions("usage_stats") for p in _patterns(registry.load("usage_stats",
                                                                                                  version))})

TABLE = [
    pytest.param("^a$", {"a": True, "a\n": True, "a\n\n": False, "ab": False, "": False}, id="dollar-before-newline"),
    pytest.param("b", {"abc": True, "": False}, id="unanchored-search"),
    pytest.param("^[a-c]{2}$", {"ab": True, "ad": False, "abc": False}, id="class-with-count"),
    pytest.param("^[a-]+$", {"a-a": True, "b": False}, id="dash-last-is-literal"),
    pytest.param("^[-a]*$", {"": True, "-": True, "a-b": False}, id="dash-first-is-literal"),
    pytest.param(r"^[\+-\-]$", {",": True, ".": False}, id="range-of-escaped-characters"),
    pytest.param(r"^x\.y?$", {"x.": True, "x.y": True, "xy": False}, id="escaped-dot-and-optional"),
    pytest.param("^a{,2}b{1,}$", {"b": True, "aabb": True, "aaab": False, "a": False}, id="open-counts"),
    pytest.param("^[0-9]{1,2}\\.[0-9]{1,3}$", {"3.11": True, "311.1": False, "3.1111": False}, id="version"),
    pytest.param("^\u00e9+$", {"\u00e9\u00e9": True, "e": False}, id="beyond-ascii"),
]


@pytest.mark.parametrize(("pattern", "texts"), TABLE)
def test_each_form_matches_as_re_search(pattern, texts):
    """Each form of the subset answers as re.search does (``$`` also before a final newline)."""
    search = compile_pattern(pattern)
    assert search is not None
    for text, expected in texts.items():
        assert search(text) is expected is (re.search(pattern, text) is not None), text


@pytest.mark.parametrize("pattern", [r"^\d+$", r"\w", "(a|b)", "a|b", "a*?", "a+?", "a++", "[^a]", ".", "[[a]",
                                     "[a--b]", "a{x}", "a{2,1}", "{2}", "^a$b", "[]", "[b-a]", "(?i)a", r"\n",
                                     "a{,}"])
def test_a_pattern_outside_the_subset_is_left_to_re(pattern):
    """Classes like \\d, groups, alternation, lazy or possessive repeats, negation, dot: None."""
    assert compile_pattern(pattern) is None


@pytest.mark.parametrize("pattern", RELEASED)
def test_every_released_pattern_is_within_the_subset(pattern):
    """Every pattern of the packaged schemas is matched without re, and its sample matches it."""
    search = compile_pattern(pattern)
    assert search is not None and search(sample(pattern)) and re.search(pattern, sample(pattern))


CHARS = "ab-.Z09_\n\u00e9"
ATOM = st.one_of(st.sampled_from(list("ab-Z09_\u00e9")), st.sampled_from([r"\.", r"\-", r"\+", r"\$"]),
                 st.builds(lambda parts: "[" + "".join(parts) + "]",
                           st.lists(st.sampled_from(["a", "b-z", "0-9", "Z", "_", "-", r"\.", ".", "+", "\u00e9"]),
                                    min_size=1, max_size=3)))
QUANTIFIER = st.sampled_from(["", "", "?", "*", "+", "{2}", "{0,3}", "{1,}", "{,2}", "{3,2}", "*?", "{x}"])
PATTERN = st.builds(lambda start, items, end: start + "".join(items) + end, st.sampled_from(["", "^"]),
                    st.lists(st.builds(str.__add__, ATOM, QUANTIFIER), max_size=5), st.sampled_from(["", "$"]))


@settings(max_examples=400, deadline=None)
@given(pattern=PATTERN, texts=st.lists(st.text(alphabet=CHARS, max_size=12), min_size=1, max_size=8))
def test_the_subset_answers_as_re_search(pattern, texts):
    """For generated patterns (in and out of the subset) and texts: when the pattern compiles, its answer is
    re.search's for every text, and its sample matches; a pattern re refuses or warns about never compiles."""
    search = compile_pattern(pattern)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a pattern re warns about (a possible set operation) is not in the subset
        try:
            compiled = re.compile(pattern)
        except (re.error, FutureWarning):
            assert search is None
            return
    if search is None:
        return
    for text in texts:
        assert search(text) is (compiled.search(text) is not None), text
    assert compiled.search(sample(pattern) or "")


def test_a_long_text_is_matched_by_re():
    """A text longer than LONGEST characters gets re's answer (imported then)."""
    search = compile_pattern("^[a-z]*$")
    assert search is not None
    assert search("a" * (LONGEST + 1)) and not search("a" * LONGEST + "A")


def test_matching_imports_no_re():
    """A fresh process matches a released pattern without importing re."""
    code = ("import sys; from usage_consent.schemas._plain_pattern import compile_pattern; "
            f"assert compile_pattern({RELEASED[0]!r})({sample(RELEASED[0])!r}); print('re' in sys.modules)")
    result = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60,
                            env={"PYTHONPATH": str(__import__("helpers").REPO)})
    assert result.returncode == 0 and result.stdout.strip() == "False", result.stderr
