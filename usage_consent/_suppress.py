"""``contextlib.suppress`` without contextlib: a process that records a report must not import it
(contextlib loads collections and functools, about a tenth of such a process's CPU)."""

from __future__ import annotations

__all__ = ["suppress"]


class suppress:  # noqa: N801 - contextlib's name, so that the blocks read as they always did
    """A block whose exceptions of the given classes end it silently (``contextlib.suppress``)."""

    __slots__ = ("_exceptions",)

    def __init__(self, *exceptions: type[BaseException]) -> None:
        self._exceptions = exceptions

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, traceback: object) -> bool:
        return kind is not None and issubclass(kind, self._exceptions)
