"""The value objects a cache miss builds set their fields on a plain fields class, then become the
frozen class (usage_consent/_frozen.py), not through ``_set``: each field must still hold the
argument of its own name, and the object must stay frozen, comparable and copyable."""

from __future__ import annotations

import copy
import inspect
import pickle

import pytest

from usage_consent._frozen import Frozen
from usage_consent.policy._decision import Decision, Layer, Trace
from usage_consent.policy._sources.base import Reading

BUILT_ON_A_MISS = [Reading, Layer, Trace, Decision]


def _distinct_arguments(cls: type[Frozen]) -> dict[str, object]:
    """One distinct value per parameter of ``cls``'s constructor, named after it."""
    names = list(inspect.signature(cls).parameters)
    return {name: f"<{name}>" for name in names}


@pytest.mark.parametrize("cls", BUILT_ON_A_MISS, ids=lambda cls: cls.__name__)
def test_each_field_holds_the_argument_of_its_name(cls: type[Frozen]) -> None:
    """Every field of an object built on a miss holds the argument of its own name, and nothing else."""
    given = _distinct_arguments(cls)
    built = cls(**given)
    assert set(given) == set(cls.field_names())
    assert {name: getattr(built, name) for name in cls.field_names()} == given


@pytest.mark.parametrize("cls", BUILT_ON_A_MISS, ids=lambda cls: cls.__name__)
def test_stays_frozen(cls: type[Frozen]) -> None:
    """Setting or deleting a field of an object built on a miss raises, and changes nothing."""
    built = cls(**_distinct_arguments(cls))
    name = cls.field_names()[0]
    with pytest.raises(AttributeError, match="frozen"):
        setattr(built, name, "changed")
    with pytest.raises(AttributeError, match="frozen"):
        delattr(built, name)
    assert getattr(built, name) == f"<{name}>"


@pytest.mark.parametrize("cls", BUILT_ON_A_MISS, ids=lambda cls: cls.__name__)
def test_copies_and_replacements_keep_every_field(cls: type[Frozen]) -> None:
    """``replace``, ``copy.copy`` and a pickle round trip give an object of the same class with the same fields."""
    built = cls(**_distinct_arguments(cls))
    name = cls.field_names()[-1]
    for other in (built.replace(), copy.copy(built), pickle.loads(pickle.dumps(built))):
        assert type(other) is cls
        assert other.__getstate__() == built.__getstate__()
    assert getattr(built.replace(**{name: "new"}), name) == "new"
    assert getattr(built, name) == f"<{name}>"
