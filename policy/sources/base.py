"""The shape every source kind shares: a pydantic-settings source that also reports a Layer."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from usage_consent.policy.decision import Layer
from usage_consent.policy.model import Policy

RAW_KEPT = 200


def clip(text: str) -> str:
    """Raw values are user input of any length; the trace keeps a bounded prefix."""
    return text if len(text) <= RAW_KEPT else text[: RAW_KEPT - 1] + "…"


class ConsentSource(PydanticBaseSettingsSource):
    """Reads one source once, keeps what it saw as ``self.layer``, and offers its value to
    pydantic-settings as ``{"mode": ..., "decided_by": ...}``; the first source that offers
    one decides, because pydantic-settings lets earlier sources win."""

    kind: ClassVar[str]

    def __init__(self, settings_cls: type[BaseSettings], policy: Policy, spec: Any) -> None:
        super().__init__(settings_cls)
        self.policy = policy
        self.spec = spec
        self.layer: Layer = self.read()

    @classmethod
    def watches(cls, policy: Policy, spec: Any) -> tuple[tuple[str, str], ...]:
        """What ``read`` looks at: ``("env", VARIABLE)`` and ``("file", PATH)`` pairs (PATH as the
        policy writes it, ``~`` unexpanded). A cached reading is reused while all of them are
        unchanged (the variables' values, the files' stat)."""
        return ()

    def read(self) -> Layer:
        raise NotImplementedError

    def _layer(self, location: str, raw: str | None, value: str | None, reason: str | None = None,
               invalid: bool = False) -> Layer:
        status = "invalid" if invalid else ("unset" if value is None else "decided")
        return Layer(self.spec.name, self.kind, location, raw, value, status, reason)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.layer.status == "decided":
            return {"mode": self.layer.value, "decided_by": self.spec.name}
        if self.layer.status == "invalid" and self.policy.on_invalid == "off":
            return {"mode": "off", "decided_by": self.spec.name}
        return {}
