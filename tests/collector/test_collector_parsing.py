"""The collector's parsers of untrusted input, under random input (hypothesis)."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usage_consent.errors import RequestRefused

pytestmark = pytest.mark.slow  # a real collector in a thread or a subprocess, or many random examples

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_are_refused_as_not_json(body):
    """Properties: for any bytes, parse_json returns a value or raises RequestRefused 400 "not_json";
    no other exception escapes (no traceback reaches the server)."""
    from usage_consent.collector._body import parse_json

    try:
        parse_json(body)
    except RequestRefused as refusal:
        assert (refusal.status, refusal.reason) == (400, "not_json")


@settings(max_examples=200, deadline=None)
@given(JSON_VALUES)
def test_any_json_value_validates_or_is_refused_with_problems(value):
    """Properties: for any JSON value, validate returns a released version or raises RequestRefused
    422 with at least one problem; random values are never accepted as reports."""
    from usage_consent.collector._ingest import validate

    try:
        validate(value, "usage_stats")
    except RequestRefused as refusal:
        assert refusal.status == 422 and refusal.problems
    else:
        raise AssertionError(f"accepted a random value: {value!r}")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=50), max_size=20), st.integers(min_value=1, max_value=400))
def test_the_cap_holds_for_any_chunking(chunks, cap):
    """Properties: read_capped returns the whole body exactly when it is at most ``cap`` bytes, and
    refuses it with 413 otherwise, however the body is split."""
    from usage_consent.collector._body import read_capped

    async def stream():
        for chunk in chunks:
            yield chunk

    whole = b"".join(chunks)
    try:
        read = asyncio.run(read_capped(None, stream(), cap))
    except RequestRefused as refusal:
        assert refusal.status == 413 and len(whole) > cap
    else:
        assert read == whole and len(whole) <= cap
