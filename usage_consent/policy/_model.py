"""The policy model: what a TOML policy document may say, checked strictly.

Unknown keys are errors, every source has a unique ``name`` and a known ``kind``, a source
placed after the ``default`` source (which could never decide) is rejected, and a ``managed``
source (an administrator's ceiling) must come first.

The model's optional parts, which only some policies use (conditions, value maps and requirements,
format options, project files, overlays, markers, dates, indirection, managed and fixed sources,
paths by platform), are defined in policy/_model_parts.py and built on first use: when a model is
first validated or its schema written (pydantic rebuilds it then, see ``_Strict.model_rebuild``), or
when one of them is named here. A decision with the embedded policy, built without validation
(load.trusted_policy), never builds them.
"""

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from usage_consent.policy._plain import (
    BLANKS,
    EXACT,
    MATCHERS,
    TODAY,
    VARIABLE,
    EnvRules,
    LocationRules,
    SpellingRules,
    is_template,
    strip_blanks,
)

if TYPE_CHECKING:
    from pydantic._internal._namespace_utils import MappingNamespace

    from usage_consent.policy._model_parts import (
        AsOf,
        Condition,
        FixedSource,
        Indirection,
        IniOptions,
        KeyLines,
        ManagedSource,
        Member,
        NoticeMarker,
        Overlay,
        ProjectFiles,
        Requirement,
        ValueEntry,
        ValueMap,
    )

__all__ = [
    "BLANKS",
    "CI_VARIABLES",
    "EXACT",
    "MANAGED_FAIL_OPEN",
    "MANAGED_FIRST",
    "MANAGED_FIXED_PATH",
    "MANAGED_INDIRECTION",
    "MATCHERS",
    "SOURCE_KINDS",
    "TODAY",
    "VARIABLE",
    "CiSource",
    "Commands",
    "ConfigFileSource",
    "DefaultSource",
    "DoNotTrackSource",
    "EnvSource",
    "FileFormat",
    "Indirection",
    "KeyPath",
    "ManagedSource",
    "Match",
    "Member",
    "Mode",
    "NoticeSource",
    "NoticeText",
    "OnInvalid",
    "OnUnrecognised",
    "Policy",
    "ReporterSettings",
    "Requirement",
    "Source",
    "Spellings",
    "ValueEntry",
    "ValueType",
    "duplicate_names",
    "is_template",
    "source_model",
    "strip_blanks",
]

Mode = Literal["on", "off", "local"]
OnInvalid = Literal["off", "skip", "raise"]
FileFormat = Literal["json", "ini", "toml", "mode_line", "key_lines", "jsonc"]
# The model of each kind, by its class's name (a managed or fixed source's is one of the optional parts).
_SOURCE_CLASSES = {"env": "EnvSource", "do_not_track": "DoNotTrackSource", "config_file": "ConfigFileSource",
                   "ci": "CiSource", "managed": "ManagedSource", "notice": "NoticeSource", "fixed": "FixedSource",
                   "default": "DefaultSource"}
SOURCE_KINDS = tuple(_SOURCE_CLASSES)
MANAGED_FREE = ("a managed source takes nothing a user controls (a variable, the working folder): the users it "
                "caps could move the administrator's ceiling")
OnUnrecognised = Literal["invalid", "ignore", "on", "off", "local"]
ValueType = Literal["string", "boolean", "integer", "float", "null", "table", "array"]
Typed = str | bool | int | float  # a TOML value a file key is compared with (typed: true is not 1)
MANAGED_FIRST = "a managed source must be the first source"
MANAGED_FAIL_OPEN = ("a managed source takes no on_unrecognised: a value the administrator's file does not map "
                     "fails closed (off), so that no value can lift the ceiling; remove it")
MANAGED_FIXED_PATH = ("a managed source has no path_variable: the users it caps could set the variable to a file "
                      "of their own and lift the administrator's ceiling; remove it")
MANAGED_INDIRECTION = ("a managed source has no indirection: its value would name a variable the users it caps "
                       "could set, and lift the administrator's ceiling; remove it")
# The CI systems whose runners set one of these (GitHub Actions, GitLab, Buildkite, CircleCI,
# Jenkins, Azure Pipelines, Travis, TeamCity, Bitbucket Pipelines, AWS CodeBuild, and the
# generic CI / CONTINUOUS_INTEGRATION that most others set too).
CI_VARIABLES = ("CI", "CONTINUOUS_INTEGRATION", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI",
                "JENKINS_URL", "TF_BUILD", "TRAVIS", "TEAMCITY_VERSION", "BITBUCKET_BUILD_NUMBER",
                "CODEBUILD_BUILD_ID")


def duplicate_names(names: list[object]) -> list[tuple[int, str]]:
    """The rule that every source's name is unique: ``(index, problem)`` for each repeated name
    (entries that are not strings are skipped: another check names them)."""
    first: dict[str, int] = {}
    problems = []
    for index, name in enumerate(names):
        if isinstance(name, str) and name in first:
            problems.append((index, f'"{name}" is already the name of sources[{first[name]}]; names must be unique'))
        elif isinstance(name, str):
            first[name] = index
    return problems

# The names policy/_model_parts.py defines, which this module gives on first use.
PARTS = ("AsOf", "CiCondition", "Condition", "FixedSource", "Indirection", "IniOptions", "KeyLines", "ManagedSource",
         "MarkerVersion", "Member", "NoticeMarker", "Overlay", "PlatformPath", "ProjectFiles", "Requirement",
         "ValueEntry", "ValueMap")


def _load_parts() -> None:
    """Build the optional parts (once) and give their names here, where the annotations that
    name them are resolved."""
    from usage_consent.policy import _model_parts

    globals().update((name, getattr(_model_parts, name)) for name in PARTS)


def __getattr__(name: str) -> Any:
    """An optional part, built on first use."""
    if name in PARTS:
        _load_parts()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Strict(BaseModel):
    # Validators are built on first validation: a host deciding with the embedded policy never
    # pays for them (see load.trusted_policy).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)

    @classmethod
    def model_rebuild(cls, *, force: bool = False, raise_errors: bool = True, _parent_namespace_depth: int = 2,
                      _types_namespace: "MappingNamespace | None" = None) -> bool | None:
        """Pydantic rebuilds a model before its first validation or schema: the optional parts its
        annotations name are built first."""
        _load_parts()
        return super().model_rebuild(force=force, raise_errors=raise_errors,
                                     _parent_namespace_depth=_parent_namespace_depth + 1,
                                     _types_namespace=_types_namespace)


class Spellings(_Strict, SpellingRules):
    """Accepted spellings (compared stripped and case-insensitively) for each mode."""

    on: tuple[str, ...] = ("1", "true", "yes", "on")
    off: tuple[str, ...] = ("0", "false", "no", "off")
    local: tuple[str, ...] = ("local",)

    @field_validator("on", "off", "local", mode="before")
    @classmethod
    def _lists_are_tuples(cls, value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _no_spelling_twice(self) -> "Spellings":
        seen: dict[str, str] = {}
        for mode in ("on", "off", "local"):
            for spelling in getattr(self, mode):
                word = strip_blanks(spelling).lower()
                if not word:
                    raise ValueError(f"{mode}: an empty spelling would make unset mean {mode}")
                if word in seen and seen[word] != mode:
                    raise ValueError(f'"{spelling}" is listed under both {seen[word]} and {mode}')
                seen[word] = mode
        return self


def _tuple(value: object) -> object:
    """TOML arrays arrive as lists; the model keeps tuples (frozen, hashable)."""
    return tuple(value) if isinstance(value, list) else value


VariableName = Annotated[str, Field(pattern=VARIABLE)]
KeyPath = Annotated[tuple[Annotated[str, Field(min_length=1)], ...], Field(min_length=1, max_length=8)]


class Match(_Strict):
    """How a text value is compared with a spelling or a value-map entry."""

    case: Literal["insensitive", "sensitive"] = Field(default=TODAY.case, description=(
        "insensitive: ASCII letters in any case (no other character is folded); sensitive: exactly."))
    trim: Literal["none", "blanks", "whitespace"] = Field(default=TODAY.trim, description=(
        "What is removed around the value before it is compared: nothing, ASCII spaces and tabs, or every "
        "Unicode white space character (Python's str.strip()). A value empty after trimming is empty."))




_VALUES_DOC = ("The value map: the first entry whose matcher matches decides the mode (or \"unset\"); a value no entry "
               "matches is unrecognised (see on_unrecognised). Replaces spellings (env) or the format's own values.")
_MATCH_DOC = "How text values are compared (default: { case = \"insensitive\", trim = \"blanks\" })."
_UNRECOGNISED_DOC = ("A value no spelling or entry maps: \"invalid\" (on_invalid applies; never sends), "
                     "\"ignore\" (the explicit fail-open choice: the source is unset, status ignored, the "
                     "decision may be on), or a mode the value then stands for.")


def _template(text: str) -> str:
    from usage_consent.policy._template import TemplateError, parse

    try:
        parse(text)
    except TemplateError as error:
        raise ValueError(f"not a valid path template: {error}") from None
    return text


def _for_this_platform(value: object) -> object:
    """A table by platform becomes this platform's path (or its default) when the policy is loaded:
    a policy is used where it is loaded, and a path stays a string for everything that reads it."""
    if not isinstance(value, dict):
        return value
    from usage_consent.policy._model_parts import PlatformPath
    from usage_consent.policy._template import PLATFORMS, platform_name

    table = PlatformPath.model_validate(value)
    name = platform_name()
    chosen = (getattr(table, name) if name in PLATFORMS else None) or table.default
    if chosen is None:
        raise ValueError(f"no path for this platform ({name}) and no default; give {name} or default")
    return chosen


PathSpec = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_template),
                     BeforeValidator(_for_this_platform, json_schema_input_type="str | PlatformPath")]


class _Conditional(_Strict):
    """Keys every source takes: when it reads at all."""

    when: "Condition | None" = Field(default=None, description=(
        "The source reads only when this holds; else its status is skipped (the trace names the condition)."))
    unless: "Condition | None" = Field(default=None, description="The source reads only when this does not hold.")


class _Location(_Strict, LocationRules):
    """Where a file is: ``path`` (a template, or a table by platform), or ``paths``."""

    path: PathSpec | None = Field(default=None, description=(
        "The file: ~, ${VAR}, ${VAR:-alt}, ${VAR-alt}, ${VAR:+text}, {config_dir}; or a table by platform "
        "(linux, darwin, windows, default). A relative path is relative to the policy file's folder."))
    paths: tuple[PathSpec, ...] | None = Field(default=None, min_length=1, max_length=8, description=(
        "Candidate files, in order (instead of path): see first."))
    first: Literal["existing", "resolved"] = Field(default="existing", description=(
        "With paths: the first whose file exists (none: unset), or the first that resolves."))
    relative: Literal["unresolved", "cwd"] = Field(default="unresolved", description=(
        "A template that expands to a relative path (an empty or relative variable): resolves nothing, or is "
        "relative to the working folder."))
    on_unresolved: Literal["unset", "invalid", "on", "off", "local"] = Field(default="unset", description=(
        "A path that does not resolve: the source is unset, invalid (its on_invalid applies), or decides that mode."))
    format: FileFormat | None = Field(default=None, description=(
        "json, ini, toml, mode_line, key_lines, jsonc; default: from the extension (.ini, .cfg, .conf, .toml), "
        "else json."))
    key_lines: "KeyLines | None" = Field(default=None, description="Options of the key_lines format.")
    ini: "IniOptions | None" = Field(default=None, description="Options of the ini format.")

    _lists = field_validator("paths", mode="before")(classmethod(lambda cls, value: _tuple(value)))

    @model_validator(mode="after")
    def _location_is_coherent(self) -> "_Location":
        if self.path is not None and self.paths is not None:
            raise ValueError("paths: give path or paths, not both")
        if self.key_lines is not None and self.format != "key_lines":
            raise ValueError('key_lines: only with format = "key_lines"')
        if self.ini is not None and self.format != "ini":
            raise ValueError('ini: only with format = "ini"')
        return self



class _FileLocation(_Location):
    """Where a file source reads: the file, its format, the section and the key."""

    section: str | None = Field(default=None, min_length=1)
    key: str | None = Field(default=None, min_length=1)
    project: "ProjectFiles | None" = Field(default=None, description=(
        "Files relative to the working folder instead of path/paths (e.g. a project's own config)."))

    @model_validator(mode="after")
    def _ini_needs_a_section(self) -> "_FileLocation":
        if self.format == "ini" and self.section is None and getattr(self, "key_path", None) is None:
            raise ValueError("section: missing; an INI file needs the section that holds the key")
        if self.format == "mode_line" and (self.section is not None or self.key is not None):
            raise ValueError("format: a mode_line file holds one value: it has no section or key")
        if self.project is not None and (self.path is not None or self.paths is not None):
            raise ValueError("project: give project, path or paths, not two of them")
        return self


class EnvSource(_Conditional, EnvRules):
    """An environment variable holding one of the policy's spellings."""

    kind: Literal["env"]
    name: str = Field(min_length=1)
    variable: str | None = Field(default=None, min_length=1, pattern=VARIABLE, description=(
        "The variable read (or give variables)."))
    variables: tuple[VariableName, ...] | None = Field(default=None, min_length=2, max_length=8, description=(
        "Instead of variable: the first of these that is set and not empty is read (Python's "
        "os.environ.get(A) or os.environ.get(B)); explain names the one read."))
    spellings: Spellings | None = None  # this variable's own spellings (default: the policy's)
    values: "ValueMap | None" = Field(default=None, description=_VALUES_DOC)
    strip: bool = True  # False: compared exactly, no stripping, case kept
    match: Match | None = Field(default=None, description=_MATCH_DOC + " strip = false means "
                                "{ case = \"sensitive\", trim = \"none\" }.")
    empty: Literal["unset", "invalid"] = "unset"
    on_unrecognised: OnUnrecognised = Field(default="invalid", description=_UNRECOGNISED_DOC)
    on_invalid: OnInvalid | None = None
    overlays: tuple["Overlay", ...] | None = Field(default=None, min_length=1, max_length=8, description=(
        "key_lines files loaded over the environment, in order: the variable's last assignment in them wins "
        "(an empty one sets it empty), as Homebrew's brew.env files."))
    key_lines: "KeyLines | None" = Field(default=None, description="The key_lines options of overlays that give none.")

    _lists = field_validator("overlays", mode="before")(classmethod(lambda cls, value: _tuple(value)))

    @field_validator("variables", "values", mode="before")
    @classmethod
    def _lists_are_tuples(cls, value: object) -> object:
        return _tuple(value)

    @model_validator(mode="after")
    def _one_form_each(self) -> "EnvSource":
        if (self.variable is None) == (self.variables is None):
            raise ValueError("variables: give variable or variables (a fallback between several), not both"
                             if self.variable else "variable: missing; this field is required (or give variables, a "
                             "fallback between several)")
        if self.variables is not None and len(set(self.variables)) != len(self.variables):
            raise ValueError("variables: a variable is listed twice")
        if self.values is not None and self.spellings is not None:
            raise ValueError("values: give values or spellings, not both")
        if self.match is not None and "strip" in self.model_fields_set:
            raise ValueError('match: give match or strip, not both (strip = false is match = { case = "sensitive", '
                             'trim = "none" })')
        for index, entry in enumerate(self.values or ()):
            if entry.member is not None or (entry.type or "string") != "string" or not isinstance(
                    entry.equals if entry.equals is not None else "", str):
                raise ValueError(f"values[{index}]: a variable's value is text: equals takes a string, type only "
                                 f'"string", and member never matches; got {entry.matcher()}')
        return self


class DoNotTrackSource(_Conditional):
    """The DO_NOT_TRACK convention: set and not empty, 0 or false turns collection off, never on."""

    kind: Literal["do_not_track"]
    name: str = Field(min_length=1)
    variable: str = Field(default="DO_NOT_TRACK", pattern=VARIABLE)
    on_invalid: OnInvalid | None = None


class _ValueRules(_Strict):
    """How a file source reads its value: at a nested key path, by a value map, after its requirements."""

    key_path: KeyPath | None = Field(default=None, description=(
        "The path to the value inside the file (tables of JSON or TOML; an INI file's [section, key]), instead of "
        "section and key. A step that is missing, or whose parent is not a table, means unset."))
    values: "ValueMap | None" = Field(default=None, description=_VALUES_DOC + " With values a JSON null is offered "
                                    "to the map too (type = \"null\").")
    match: Match | None = Field(default=None, description=_MATCH_DOC + " Only with values.")
    requires: "tuple[Requirement, ...] | None" = Field(default=None, min_length=1, max_length=8, description=(
        "What a file that exists must hold, else the source is invalid naming the file, the key, the value required "
        "and the value found (a file that does not parse fails it too)."))

    @field_validator("key_path", "values", "requires", mode="before")
    @classmethod
    def _lists_are_tuples(cls, value: object) -> object:
        return _tuple(value)

    @model_validator(mode="after")
    def _value_rules_are_coherent(self) -> "_ValueRules":
        section, key, fmt = (getattr(self, name, None) for name in ("section", "key", "format"))
        if self.key_path is not None and (section is not None or key is not None):
            raise ValueError("key_path: replaces section and key; give one form or the other")
        if self.key_path is not None and fmt in ("ini", "mode_line", "key_lines") and len(self.key_path) != (
                2 if fmt == "ini" else 1 if fmt == "key_lines" else 0):
            raise ValueError("key_path: an INI file's key is two steps, [section, key]; a key_lines file's one step; "
                             "a mode_line file has none")
        if self.match is not None and self.values is None:
            raise ValueError("match: only with values (without them a file's values are read as its format reads "
                             "them)")
        return self


class ConfigFileSource(_FileLocation, _ValueRules, _Conditional):
    """A key in the user's config file; path and key default to the policy's ``config_file`` and ``key``."""

    kind: Literal["config_file"]
    name: str = Field(min_length=1)
    path_variable: str | None = Field(default=None, pattern=VARIABLE)  # a variable naming the file instead
    accept_local: bool = True
    on_invalid: OnInvalid | None = None
    on_unreadable: Literal["invalid", "unset"] = "invalid"
    on_unrecognised: OnUnrecognised = Field(default="invalid", description=_UNRECOGNISED_DOC)
    writable: bool = False  # config get reads, config set writes first, the first writable one (default: the first)
    as_of: "AsOf | None" = Field(default=None, description=(
        "mode_line only: a value meaning on with a date is on only once days full days have passed since it "
        "(UTC), until before."))
    indirection: "Indirection | None" = Field(default=None, description=(
        "A string value starting with prefix (e.g. { prefix = \"env:\", convert = \"number\" }) names an "
        "environment variable whose value is read instead, converted as convert says, then mapped as any value "
        "(values, match, on_unrecognised). Decisions of a policy with it are not cached (the file names the "
        "variable). Not on a managed source."))

    @model_validator(mode="after")
    def _as_of_needs_dates(self) -> "ConfigFileSource":
        if self.as_of is not None and self.format != "mode_line":
            raise ValueError('as_of: only on format = "mode_line" (the only format whose values carry a date)')
        if self.project is not None and self.path_variable is not None:
            raise ValueError("project: give project or path_variable, not both")
        return self

    @model_validator(mode="after")
    def _value_rules_fit(self) -> "ConfigFileSource":
        if self.values is not None and "accept_local" in self.model_fields_set:
            raise ValueError('accept_local: only without values (the value map says what "local" is)')
        if self.key_path is not None and len(self.key_path) > 2 and self.writable:
            raise ValueError("writable: config set writes a key at most two steps deep; this key_path has "
                             f"{len(self.key_path)}")
        return self


class CiSource(_Conditional):
    """On a CI runner (one of ``variables`` set, not empty, 0 or false): ``value`` for this run only."""

    kind: Literal["ci"]
    name: str = Field(min_length=1)
    variables: tuple[Annotated[str, Field(pattern=VARIABLE)], ...] = CI_VARIABLES
    value: Literal["off", "local"] = "off"

    @field_validator("variables", mode="before")
    @classmethod
    def _list_is_tuple(cls, value: object) -> object:
        if value == []:
            raise ValueError("name at least one variable, or leave the key out for the documented list")
        return tuple(value) if isinstance(value, list) else value


class NoticeSource(_Conditional):
    """Off while the user has not been shown the notice for the current schema version; with a
    ``marker``, off until the host's own marker holds (the host shows its own notice)."""

    kind: Literal["notice"]
    name: str = Field(min_length=1)
    on_invalid: OnInvalid | None = None
    marker: "NoticeMarker | None" = Field(default=None, description=(
        "The host's own first-run marker instead of usage-consent's state file; needs show = false."))
    show: bool = Field(default=True, description=(
        "false (required with marker): usage-consent never shows or records its own notice for this source."))

    @model_validator(mode="after")
    def _marker_is_not_shown(self) -> "NoticeSource":
        if (self.marker is not None) == self.show:
            raise ValueError("show: a marker needs show = false (the host shows its own notice), and show = false "
                             "needs a marker")
        return self


class DefaultSource(_Conditional):
    """The value used when no source above has one."""

    kind: Literal["default"]
    name: str = Field(min_length=1)
    value: Mode


def source_model(kind: str) -> type[_Strict]:
    """The model of a source ``kind`` (without building the optional parts for a kind that is not
    one of them)."""
    name = _SOURCE_CLASSES[kind]
    model: type[_Strict] = globals()[name] if name in globals() else __getattr__(name)
    return model


Source = Annotated[
    "EnvSource | DoNotTrackSource | ConfigFileSource | CiSource | ManagedSource | NoticeSource | FixedSource"
    " | DefaultSource",
    Field(discriminator="kind"),
]


class NoticeText(_Strict):
    """The words of the notice; the field list is added from the current schema."""

    enabled: bool = True  # false: no notice is ever shown or recorded; a notice source is unset
    title: str = ""
    summary: str = ""  # what is collected and why, in a sentence or two (default: the body's first paragraph)
    body: str = ""

    @model_validator(mode="after")
    def _words_when_shown(self) -> "NoticeText":
        for name in ("title", "body"):
            if self.enabled and not getattr(self, name):
                raise ValueError(f"{name}: missing; a notice that is shown needs a {name}")
        return self


class Commands(_Strict):
    """The host's own commands that the notice names (default: the usage-consent command's)."""

    opt_out: str | None = Field(default=None, min_length=1)  # opt out for good
    opt_out_run: str | None = Field(default=None, min_length=1)  # opt out for one run
    local: str | None = Field(default=None, min_length=1)  # keep reports on this machine only
    records: str | None = Field(default=None, min_length=1)  # see the local copy of every report
    forget: str | None = Field(default=None, min_length=1)  # erase them and start a new client id
    notice: str | None = Field(default=None, min_length=1)  # print the full notice, field by field


class ReporterSettings(_Strict):
    """Where and how reports are sent, and how long local records and pending reports are kept."""

    endpoint: str | None = Field(default=None, min_length=1, max_length=2048, description=(
        "Where reports are sent (https://; http:// only to loopback). None: the policy names no endpoint "
        "and nothing is sent unless the user's config file names one (endpoint_key); records are kept."))
    connect_timeout_s: float = Field(default=1.0, gt=0, le=30)
    read_timeout_s: float = Field(default=2.0, gt=0, le=60)
    exit_wait_s: float = Field(default=2.0, ge=0, le=30)
    keep_sessions: int = Field(default=100, ge=1, le=100_000)
    retry_attempts: int = Field(default=5, ge=0, le=100)
    retry_max_age_days: float = Field(default=7.0, gt=0, le=365)
    max_response_bytes: int = Field(default=65536, ge=0, le=1 << 24)
    client_id: Literal["persistent", "per_session"] = "persistent"
    deletion_contact: str | None = Field(default=None, min_length=1, max_length=200, description=(
        "Whom `forget` tells the user to ask where no collector confirmed a deletion (an email address "
        "or a page). None: the host names none."))
    endpoint_key: str = "usage_stats_endpoint"
    additional_endpoints_key: str = "usage_stats_additional_endpoints"


class Policy(_Strict):
    """A consent policy: who is asking, which sources decide in which order, and what users are told."""

    app: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    key: str = Field(min_length=1)
    schema_name: str = Field(pattern=r"^[a-z0-9_]+$")
    config_file: str = Field(min_length=1)
    state_file: str = Field(min_length=1)
    schemas_dir: str | None = Field(default=None, description=(
        "The host's released schemas, <schemas_dir>/<schema_name>/v<N>.json; a relative path is relative to "
        "the policy file's folder. Default: usage-consent's own."))
    schema_model: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$",
        description="The host's report model, MODULE:CLASS, a subclass of usage_consent.BaseReport: "
                    "`schema init`, `check` and `bump` use it without --model.")
    on_invalid: Literal["off", "skip"] = "off"
    spellings: Spellings = Spellings.model_construct()
    sources: tuple[Source, ...] = Field(min_length=1)
    notice: NoticeText
    commands: Commands = Commands.model_construct()
    reporter: ReporterSettings = ReporterSettings.model_construct()

    @field_validator("sources", mode="before")
    @classmethod
    def _list_is_tuple(cls, value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="after")
    def _sources_are_coherent(self) -> "Policy":
        for index, problem in duplicate_names([source.name for source in self.sources]):
            raise ValueError(f"sources[{index}].name: {problem}")
        kinds = [source.kind for source in self.sources]
        for once in ("managed", "notice", "default"):
            if kinds.count(once) > 1:
                raise ValueError(f"sources: at most one source of kind {once}")
        if "managed" in kinds[1:]:
            index = kinds.index("managed", 1)
            raise ValueError(f"sources[{index}].kind: {MANAGED_FIRST}")
        if "default" in kinds and kinds.index("default") != len(kinds) - 1:
            index = kinds.index("default") + 1
            raise ValueError(f"sources[{index}]: comes after the default source and could never decide")
        return self
