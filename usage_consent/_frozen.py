"""Frozen value objects without the ``dataclasses`` module.

``dataclasses`` imports ``inspect`` (and with it ``ast``, ``dis``, ``tokenize``, ``enum``): about a
third of a fresh interpreter's start-up, more than a cold ``decide()`` answered from the memo costs
in all (benchmarks/cold.py). The value objects on that path (``RunConfig``, ``Context``,
``Decision``, ``Trace``, ``Layer``, ``NoticeState``) derive from ``Frozen`` instead: their fields are
their ``__slots__``, in the order of their ``__init__``'s parameters, set once by ``_set``.

Those a cache miss builds (``Reading``, ``Layer``, ``Trace``, ``Decision``) keep their fields in a
plain base class instead (``_ReadingFields``...: the slots, settable; the fields are those of the
class and its bases, ``_fields``), and their ``__new__`` (the same parameters) makes one of those,
sets its fields as any object's, then makes it the frozen class (``__class__``: the same layout,
nothing copied): a plain store costs a tenth of a call of ``object.__setattr__`` or of a slot's
setter (a ``Reading`` of 15 fields, built and dropped: 31 k instructions through ``_set``, 15 k
through each slot's setter, 6 k so). Copies and pickles are made again by the constructor, from
the fields by name (``__reduce__``).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: a cold decide() must not pay for it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar, Self

__all__ = ["Frozen"]
_setattr = object.__setattr__  # looked up once: ``_set`` runs for every value object a resolution makes


class Frozen:
    """Equal when of one class with equal fields, hashable by its fields, immutable after
    ``__init__``; ``replace(**changes)`` makes a changed copy. A subclass lists its fields in
    ``__slots__`` in the order (and under the names) of its ``__init__``'s parameters."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()  # the slots of the class and its bases (a fields class's too)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._fields = tuple(name for klass in reversed(cls.__mro__) for name in klass.__dict__.get("__slots__", ()))

    def _set(self, **fields: Any) -> None:
        for name, value in fields.items():
            _setattr(self, name, value)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return cls._fields

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.field_names())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.field_names())
        return f"{type(self).__name__}({shown})"

    def __getstate__(self) -> dict[str, Any]:
        return dict(zip(self.field_names(), self._values(), strict=True))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._set(**state)

    def __reduce__(self) -> tuple[Callable[..., Frozen], tuple[Any, ...]]:
        """Made again by its class from its fields (a class built by its ``__new__`` takes them there)."""
        return _made, (type(self), self.__getstate__())

    def replace(self, **changes: Any) -> Self:
        """A copy with some fields changed (this one stays as it is)."""
        return type(self)(**{**self.__getstate__(), **changes})


def _made(cls: type[Frozen], fields: dict[str, Any]) -> Frozen:
    """A frozen object of ``cls`` with ``fields`` (``Frozen.__reduce__``: copy, pickle)."""
    return cls(**fields)
