"""The policy's own value, used when no source above has one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from usage_consent.policy._sources.base import Reading, reading

if TYPE_CHECKING:
    from usage_consent._context import Context
    from usage_consent.policy._model import DefaultSource

__all__ = ["read_default"]


def read_default(context: Context, spec: DefaultSource) -> Reading:
    return reading(spec, "policy", spec.value, spec.value)
