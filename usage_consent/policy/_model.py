"""The policy model: what a TOML policy document may say, checked strictly.

Unknown keys are errors, every source has a unique ``name`` and a known ``kind``, a source
placed after the ``default`` source (which could never decide) is rejected, and a ``managed``
source (an administrator's ceiling) must come first.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "BLANKS",
    "CI_VARIABLES",
    "MANAGED_FIRST",
    "MANAGED_FIXED_PATH",
    "SOURCE_KINDS",
    "SOURCE_MODELS",
    "VARIABLE",
    "CiSource",
    "Commands",
    "ConfigFileSource",
    "DefaultSource",
    "DoNotTrackSource",
    "EnvSource",
    "FileFormat",
    "ManagedSource",
    "Mode",
    "NoticeSource",
    "NoticeText",
    "OnInvalid",
    "Policy",
    "ReporterSettings",
    "Source",
    "Spellings",
    "duplicate_names",
    "strip_blanks",
]

Mode = Literal["on", "off", "local"]
OnInvalid = Literal["off", "skip", "raise"]
FileFormat = Literal["json", "ini", "toml"]
SOURCE_KINDS = ("env", "do_not_track", "config_file", "ci", "managed", "notice", "default")
VARIABLE = r"^[A-Za-z_][A-Za-z0-9_]*$"
MANAGED_FIRST = "a managed source must be the first source"
MANAGED_FIXED_PATH = ("a managed source has no path_variable: the users it caps could set the variable to a file "
                      "of their own and lift the administrator's ceiling; remove it")
# The CI systems whose runners set one of these (GitHub Actions, GitLab, Buildkite, CircleCI,
# Jenkins, Azure Pipelines, Travis, TeamCity, Bitbucket Pipelines, AWS CodeBuild, and the
# generic CI / CONTINUOUS_INTEGRATION that most others set too).
CI_VARIABLES = ("CI", "CONTINUOUS_INTEGRATION", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI",
                "JENKINS_URL", "TF_BUILD", "TRAVIS", "TEAMCITY_VERSION", "BITBUCKET_BUILD_NUMBER",
                "CODEBUILD_BUILD_ID")
BLANKS = " \t"  # the only characters ignored around a value; any other makes it invalid


def strip_blanks(text: str) -> str:
    """The one blank rule of every source (env, do_not_track, ci, config and managed files): only
    ASCII spaces and tabs around a value are ignored; a newline, NBSP or any other character stays."""
    return text.strip(BLANKS)



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

class _Strict(BaseModel):
    # Validators are built on first validation: a host deciding with the embedded policy never
    # pays for them (see load.trusted_policy).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class Spellings(_Strict):
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

    def parse(self, text: str, exact: bool = False) -> Mode | None:
        """The mode that ``text`` spells (in any ASCII case, with only ASCII spaces and tabs around it
        ignored: a newline, NBSP or control character makes it invalid; or ``exact``ly), or None."""
        word = text if exact else strip_blanks(text)
        if not exact:
            if not word.isascii():
                return None
            word = word.lower()
        for mode in ("on", "off", "local"):
            if word in (s if exact else s.lower() for s in getattr(self, mode)):
                return mode
        return None

    def accepted(self) -> str:
        return ", ".join(s for mode in ("on", "off", "local") for s in getattr(self, mode))


class EnvSource(_Strict):
    """An environment variable holding one of the policy's spellings."""

    kind: Literal["env"]
    name: str = Field(min_length=1)
    variable: str = Field(min_length=1, pattern=VARIABLE)
    spellings: Spellings | None = None  # this variable's own spellings (default: the policy's)
    strip: bool = True  # False: compared exactly, no stripping, case kept
    empty: Literal["unset", "invalid"] = "unset"
    on_invalid: OnInvalid | None = None


class DoNotTrackSource(_Strict):
    """The DO_NOT_TRACK convention: set and not empty, 0 or false turns collection off, never on."""

    kind: Literal["do_not_track"]
    name: str = Field(min_length=1)
    variable: str = Field(default="DO_NOT_TRACK", pattern=VARIABLE)
    on_invalid: OnInvalid | None = None


class _FileLocation(_Strict):
    """Where a file source reads: path, format, section, key."""

    path: str | None = Field(default=None, min_length=1)
    format: FileFormat | None = None  # default: from the extension (.ini, .cfg, .toml), else json
    section: str | None = Field(default=None, min_length=1)
    key: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _ini_needs_a_section(self) -> "_FileLocation":
        if self.format == "ini" and self.section is None:
            raise ValueError("section: missing; an INI file needs the section that holds the key")
        return self


class ConfigFileSource(_FileLocation):
    """A key in the user's config file; path and key default to the policy's ``config_file`` and ``key``."""

    kind: Literal["config_file"]
    name: str = Field(min_length=1)
    path_variable: str | None = Field(default=None, pattern=VARIABLE)  # a variable naming the file instead
    accept_local: bool = True
    on_invalid: OnInvalid | None = None
    on_unreadable: Literal["invalid", "unset"] = "invalid"
    writable: bool = False  # config get reads, config set writes first, the first writable one (default: the first)


class CiSource(_Strict):
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


class ManagedSource(_FileLocation):
    """An administrator's machine-wide file: a ceiling (off, local or on) that users cannot raise."""

    kind: Literal["managed"]
    name: str = Field(min_length=1)
    path: str = Field(min_length=1)


class NoticeSource(_Strict):
    """Off while the user has not been shown the notice for the current schema version."""

    kind: Literal["notice"]
    name: str = Field(min_length=1)
    on_invalid: OnInvalid | None = None


class DefaultSource(_Strict):
    """The value used when no source above has one."""

    kind: Literal["default"]
    name: str = Field(min_length=1)
    value: Mode


SOURCE_MODELS: dict[str, type[_Strict]] = {
    "env": EnvSource, "do_not_track": DoNotTrackSource, "config_file": ConfigFileSource, "ci": CiSource,
    "managed": ManagedSource, "notice": NoticeSource, "default": DefaultSource}

Source = Annotated[
    EnvSource | DoNotTrackSource | ConfigFileSource | CiSource | ManagedSource | NoticeSource | DefaultSource,
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
