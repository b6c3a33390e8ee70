"""The shape every source kind shares: a pydantic-settings source that reads its input when
pydantic-settings calls it and offers what it saw as a Layer of the trace."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from usage_consent.errors import ConsentValueError
from usage_consent.policy.decision import Layer, Status
from usage_consent.policy.model import Policy

RAW_KEPT = 200

__all__ = ["RAW_KEPT", "ConsentSource", "clip", "on_invalid"]


def clip(text: str) -> str:
    """Raw values are user input of any length; the trace keeps a bounded prefix, with a lone surrogate
    (a non-UTF-8 byte in a variable, an escape in a file) written as its escape, so it can be printed
    and logged anywhere."""
    text = text if len(text) <= RAW_KEPT else text[: RAW_KEPT - 1] + "…"
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def on_invalid(policy: Policy, spec: Any) -> str:
    """What an invalid value of this source does: the source's own rule, else the policy's."""
    return getattr(spec, "on_invalid", None) or policy.on_invalid


class ConsentSource(PydanticBaseSettingsSource):
    """Reads one source when called and offers pydantic-settings ``{"mode", "decided_by"}`` (when
    it decides) beside ``{"layers": {name: Layer}}``; pydantic-settings lets earlier sources win
    and merges the layers, so the merged settings hold the decision and the whole trace."""

    kind: ClassVar[str]

    def __init__(self, settings_cls: type[BaseSettings], policy: Policy, spec: Any) -> None:
        super().__init__(settings_cls)
        self.policy = policy
        self.spec = spec
        self.error: ConsentValueError | None = None

    @classmethod
    def watches(cls, policy: Policy, spec: Any) -> tuple[tuple[str, str], ...]:
        """What ``read`` looks at: ``("env", VARIABLE)``, ``("file", PATH)`` (PATH as the policy
        writes it, ``~`` unexpanded) and ``("file$", VARIABLE)`` (the file a variable names). A
        cached reading is reused while all of them are unchanged (values, the files' stat)."""
        return ()

    def read(self) -> Layer:
        raise NotImplementedError

    def _layer(self, location: str, raw: str | None, value: str | None, reason: str | None = None) -> Layer:
        status: Status = "unset" if value is None else "decided"
        return Layer(self.spec.name, self.kind, location, raw, value, status, reason)

    def _invalid(self, location: str, raw: str | None, reason: str, *, path: str | None = None,
                 key: str | None = None, value: object = None, accepted: str | None = None) -> Layer:
        """An invalid value: the layer says why; ``self.error`` is what ``decide()`` raises when
        this source's ``on_invalid`` is "raise" and nothing above it decided."""
        self.error = ConsentValueError(reason, layer=self.spec.name, path=path, key=key, value=value,
                                       accepted=accepted)
        return Layer(self.spec.name, self.kind, location, raw, None, "invalid", reason)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ gives pydantic-settings the whole mapping at once

    def offer(self, layer: Layer) -> dict[str, Any]:
        """What this source offers the merge, given what it read."""
        if layer.status == "decided":
            return {"mode": layer.value, "decided_by": self.spec.name}
        if layer.status == "invalid" and on_invalid(self.policy, self.spec) in ("off", "raise"):
            return {"mode": "off", "decided_by": self.spec.name}
        return {}

    def __call__(self) -> dict[str, Any]:
        layer = self.read()
        state = {**self.offer(layer), "layers": {self.spec.name: layer}}
        if self.error is not None:
            state["errors"] = {self.spec.name: self.error}
        return state
