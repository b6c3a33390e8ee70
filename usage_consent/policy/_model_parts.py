"""The policy model's optional parts: what only some policies use (conditions, value maps and
requirements, format options, project files, overlays, markers, dates, indirection, managed and
fixed sources, paths by platform). Built on first use (policy/_model.py gives these names, and
loads this module before any model is first validated); a decision with the embedded policy never
builds them. The public ``Policy`` (``usage_consent.Policy``) is given from here: the complete
model, which a host may also name inside a model of its own.
"""

import re
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from usage_consent.policy import _model
from usage_consent.policy._model import (
    MANAGED_FREE,
    MATCHERS,
    VARIABLE,
    KeyPath,
    Mode,
    PathSpec,
    Policy,
    Typed,
    ValueType,
    _Conditional,
    _FileLocation,
    _Location,
    _Strict,
    _tuple,
    _ValueRules,
)
from usage_consent.policy._plain import EntryRules

__all__ = ["AsOf", "CiCondition", "Condition", "FixedSource", "Indirection", "IniOptions", "KeyLines", "ManagedSource",
           "MarkerVersion", "Member", "NoticeMarker", "Overlay", "PlatformPath", "Policy", "ProjectFiles",
           "Requirement", "ValueEntry", "ValueMap"]


class PlatformPath(_Strict):
    """A path by platform (``sys.platform``: linux, darwin, windows; any other: ``default``)."""

    linux: str | None = Field(default=None, min_length=1)
    darwin: str | None = Field(default=None, min_length=1)
    windows: str | None = Field(default=None, min_length=1)
    default: str | None = Field(default=None, min_length=1)


class Member(_Strict):
    """A table whose member ``key`` has the given type (Angular's ``{"uid": "..."}``)."""

    key: str = Field(min_length=1, description="The member's name.")
    type: ValueType = Field(description="The type the member must have.")


class ValueEntry(_Strict, EntryRules):
    """One entry of a value map: exactly one matcher, the mode it stands for and why."""

    equals: Typed | None = Field(default=None, description=(
        "Typed equality: true is not 1 is not \"true\", 0 is not 0.0; strings compare as `match` says."))
    type: ValueType | None = Field(default=None, description="The value has this type.")
    non_empty: Literal[True] | None = Field(default=None, description=(
        "A string with at least one character after `match.trim` (any non-empty value: 0 and false too)."))
    contains: str | None = Field(default=None, min_length=1, description=(
        "A string containing this text (in any case when `match.case` is insensitive)."))
    member: Member | None = Field(default=None, description="A table whose member has a type.")
    mode: Literal["on", "off", "local", "unset"] = Field(description=(
        "What a value this entry matches stands for; \"unset\": the source says nothing."))
    why: str | None = Field(default=None, min_length=1, max_length=80, description=(
        "Shown by explain beside the entry that matched, e.g. \"printed, never sent\"."))

    @model_validator(mode="after")
    def _one_matcher(self) -> "ValueEntry":
        given = [name for name in MATCHERS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one matcher of {', '.join(MATCHERS)}; got "
                             + (", ".join(given) if given else "none"))
        return self


ValueMap = Annotated[tuple[ValueEntry, ...], Field(min_length=1, max_length=32)]


class Requirement(_Strict):
    """What a file must hold for the tool to run at all (Angular's ``"version": 1``)."""

    key_path: KeyPath = Field(description="The path to the key inside the file.")
    equals: Typed = Field(description="The value it must hold (typed, as a value map's equals).")
    always: bool = Field(default=False, description=(
        "true: a file that does not meet it is an error whatever the other sources decide (decide exits 1); "
        "false: the source is invalid and its on_invalid applies."))

    @field_validator("key_path", mode="before")
    @classmethod
    def _list_is_tuple(cls, value: object) -> object:
        return _tuple(value)


class CiCondition(_Strict):
    """CI, as a tool's own list of variables tells it."""

    variables: tuple[Annotated[str, Field(pattern=VARIABLE)], ...] = Field(min_length=1, max_length=32)
    non_empty: bool = Field(default=False, description=(
        "true: any non-empty value counts (ci-info counts CI=false); false: set, not empty, 0 or false"))

    _lists = field_validator("variables", mode="before")(classmethod(lambda cls, value: _tuple(value)))


class Condition(_Strict):
    """One test of the machine or the environment; exactly one key."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True, populate_by_name=False)

    ci: bool | CiCondition | None = Field(default=None, description=(
        "true: on a CI runner (one of the documented CI variables set, not empty, 0 or false); false: not; "
        "or a table naming the variables"))
    container: bool | None = Field(default=None, description=(
        "true: in a container (/.dockerenv exists or /proc/self/cgroup names docker, as is-docker checks)"))
    env_present: str | None = Field(default=None, pattern=VARIABLE,
                                     description="The variable is set and not empty.")
    home_writable: bool | None = Field(default=None, description=(
        "true: HOME exists and its owner-write bit is on; false: not"))
    any: tuple["Condition", ...] | None = Field(default=None, min_length=1, max_length=16,
                                                description="Any of these holds.")
    all: tuple["Condition", ...] | None = Field(default=None, min_length=1, max_length=16,
                                                description="All of these hold.")
    not_: "Condition | None" = Field(default=None, alias="not", description="This does not hold.")

    _lists = field_validator("any", "all", mode="before")(classmethod(lambda cls, value: _tuple(value)))

    @model_validator(mode="after")
    def _exactly_one(self) -> "Condition":
        given = [name for name in ("ci", "container", "env_present", "home_writable", "any", "all", "not_")
                 if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a condition has exactly one of ci, container, env_present, home_writable, any, all, "
                             f"not; got {len(given)}")
        return self

    def reads_user_input(self) -> bool:
        """Whether it reads a variable (a user could make it hold): not allowed on a managed source."""
        if self.ci is not None or self.env_present is not None:
            return True
        inner = (self.any or ()) + (self.all or ()) + ((self.not_,) if self.not_ else ())
        return any(condition.reads_user_input() for condition in inner)


class KeyLines(_Strict):
    """How a key_lines file is read (``key=value`` lines, no sections)."""

    strip: Literal["line", "none"] = Field(default="none", description=(
        "line: blanks around each line are removed (bash's read); none: a line must start with the key"))
    trailing_blanks: bool = Field(default=False, description="Blanks after the value are allowed (and dropped).")
    comment: str | None = Field(default=None, min_length=1, max_length=8,
                                description="Lines starting with this are comments (any line not key=value is "
                                            "skipped anyway).")
    repeated: Literal["last", "conservative"] = Field(default="last", description=(
        "A key on several lines: the last line counts, or the most conservative value (off, then local, then on)"))


class IniOptions(_Strict):
    """How an INI file is read when a tool's own reader differs from configparser's."""

    section_case: Literal["insensitive", "sensitive"] = Field(default="sensitive", description=(
        "insensitive: [Homebrew] and [homebrew] are one section"))
    inline_comments: tuple[Annotated[str, Field(min_length=1, max_length=4)], ...] = Field(
        default=(), max_length=4, description="Prefixes of a comment after a value (after a blank), dropped.")
    repeated: Literal["last", "ambiguous"] = Field(default="ambiguous", description=(
        "A key or section given twice: the last counts, or the file is ambiguous (invalid)"))

    _lists = field_validator("inline_comments", mode="before")(classmethod(lambda cls, value: _tuple(value)))


class ProjectFiles(_Strict):
    """Files relative to the working folder at decide time (and, walking up, each parent's)."""

    names: tuple[Annotated[str, Field(min_length=1, max_length=256)], ...] = Field(min_length=1, max_length=8)
    walk_up: bool = Field(default=False, description="Also look in each parent folder, up to the root.")

    _lists = field_validator("names", mode="before")(classmethod(lambda cls, value: _tuple(value)))

    @field_validator("names")
    @classmethod
    def _relative_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            parts = name.replace("\\", "/").split("/")
            if name.startswith(("/", "~", "$")) or ".." in parts or "" in parts:
                raise ValueError(f"{name!r} must be a relative path inside the folder (no /, ~, $ or ..)")
        return names


class Indirection(_Strict):
    """A file value that names an environment variable whose value is read instead (Streamlit's
    ``"env:NAME"``)."""

    prefix: str = Field(min_length=1, max_length=16, description=(
        "A string value starting with this (compared exactly: case and blanks count) names a variable, the rest "
        "of the string, whose value is read instead; a value without it is read as written. The variable's "
        "value is not followed again. A variable that is not set leaves the value as written (Streamlit logs "
        "an error and keeps the string)."))
    convert: Literal["none", "number"] = Field(default="none", description=(
        "The variable's value: as text (none), or a number where Python's int(), else float(), reads it, else "
        "the text (number: Streamlit's _maybe_convert_to_number: \" 1 \" is 1, \"0.0\" is 0.0, \"\" and "
        "\"true\" stay text)."))


class AsOf(_Strict):
    """On only once ``days`` full days have passed since the date stored with the value (UTC)."""

    days: int = Field(ge=0, le=3650)
    until: Literal["local", "off"] = Field(default="local", description="The mode before then.")


class Overlay(_Location):
    """A key_lines file of variables loaded over the environment (format key_lines)."""

    format: Literal["key_lines"] | None = Field(default="key_lines", description="key_lines (the only one).")

    @model_validator(mode="after")
    def _located(self) -> "Overlay":
        if self.path is None and self.paths is None:
            raise ValueError("path: missing; an overlay names its file with path or paths")
        return self


class ManagedSource(_FileLocation, _ValueRules, _Conditional):
    """An administrator's machine-wide file: a ceiling (off, local or on) that users cannot raise."""

    kind: Literal["managed"]
    name: str = Field(min_length=1)
    path: PathSpec = Field(description="The administrator's file: ~ and a table by platform; no variable.")

    @model_validator(mode="after")
    def _nothing_a_user_controls(self) -> "ManagedSource":
        key = self.user_controlled() or ("project" if self.project is not None else None)
        key = key or next((name for name in ("when", "unless")
                           if (c := getattr(self, name)) is not None and c.reads_user_input()), None)
        if key:
            raise ValueError(f"{key}: {MANAGED_FREE}")
        return self


class NoticeMarker(_FileLocation):
    """The host's own first-run marker: a file, and what must hold of it (exactly one of exists, equals,
    version)."""

    exists: Literal[True] | None = Field(default=None, description="The file exists (a sentinel).")
    equals: str | bool | int | float | None = Field(default=None, description=(
        "The key holds exactly this value (typed: true is not the string true)."))
    version: "MarkerVersion | None" = Field(default=None, description=(
        "The key's value matches pattern and its one group is a number at least at_least."))

    @model_validator(mode="after")
    def _one_condition(self) -> "NoticeMarker":
        given = [name for name in ("exists", "equals", "version") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"a marker holds exactly one of exists, equals, version; got {len(given)}")
        if self.path is None and self.paths is None and self.project is None:
            raise ValueError("path: missing; a marker names its file with path, paths or project")
        return self


class MarkerVersion(_Strict):
    """A version line: the value matches ``pattern`` (one group) and the group is at least ``at_least``."""

    pattern: str = Field(min_length=1, max_length=256)
    at_least: int = Field(ge=0)

    @field_validator("pattern")
    @classmethod
    def _one_group(cls, pattern: str) -> str:
        try:
            groups = re.compile(pattern).groups
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        if groups != 1:
            raise ValueError(f"needs exactly one group (the number); has {groups}")
        return pattern


class FixedSource(_Conditional):
    """A fixed value, decided whenever its conditions hold (``when``/``unless``)."""

    kind: Literal["fixed"]
    name: str = Field(min_length=1)
    value: Mode


_model._load_parts()  # the annotations that name these parts are resolved in policy/_model.py's namespace
