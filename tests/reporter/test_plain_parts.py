"""What a report process uses instead of the standard modules it no longer imports: ids from os.urandom
(uuid), the temporary folder found as tempfile finds it, the Python version (platform), a record's
folder removed without shutil, a file replaced in one step without contextlib or the file locks."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from helpers import without_file_override

from usage_consent._files._replace import remove_temporaries, replace_at
from usage_consent._files.tempdirs import open_dir
from usage_consent.reporter._identity import is_uuid4, new_id
from usage_consent.reporter._payload import python_version
from usage_consent.reporter._store import _remove_folder
from usage_consent.schemas._patterns import UUID4_PATTERN

ROOT = str(Path(__file__).resolve().parent.parent.parent)


def test_new_ids_are_random_uuid4s_written_as_uuid_writes_them():
    """Each id parses as a UUID of version 4 and RFC 4122 variant, is written as str(uuid) writes it,
    matches the schemas' pattern, and 2,000 of them are all different."""
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)
        assert re.match(UUID4_PATTERN, text) and is_uuid4(text)


@pytest.mark.parametrize("value", ["", "not-a-uuid", str(uuid.uuid1()), new_id().upper(), new_id() + "0", 7, None],
                         ids=["empty", "words", "uuid1", "upper-case", "too-long", "number", "none"])
def test_what_is_not_a_uuid4_is_not_a_client_id(value):
    """is_uuid4 says what the schemas' pattern says (re.match), and nothing but a string passes."""
    assert is_uuid4(value) is (isinstance(value, str) and re.match(UUID4_PATTERN, value) is not None)


def test_the_python_version_is_major_minor_micro():
    """The interpreter's version as the schemas' pattern wants it; platform's, without a release level."""
    assert python_version() == "{}.{}.{}".format(*sys.version_info[:3])
    assert platform.python_version().startswith(python_version())


FOUND = ("import sys, json; sys.path.insert(0, {root!r}); from usage_consent._run import default_temp_dir; "
         "folder = default_temp_dir(); print(json.dumps([folder, 'tempfile' in sys.modules]))")
STDLIB = "import json, tempfile; print(json.dumps([tempfile.gettempdir(), True]))"


@pytest.mark.parametrize("variables", [
    pytest.param({"TMPDIR": "{tmp}/given"}, id="tmpdir"),
    pytest.param({"TMPDIR": "{tmp}/missing", "TEMP": "{tmp}/given"}, id="tmpdir-missing-then-temp"),
    pytest.param({"TMPDIR": "{tmp}/locked", "TMP": "{tmp}/given"}, id="tmpdir-unwritable-then-tmp"),
    pytest.param({"TMPDIR": "{tmp}/given/../given"}, id="made-absolute"),
    pytest.param({}, id="none-set"),
])
def test_the_temporary_folder_is_the_one_tempfile_finds(tmp_path, variables):
    """Without tempfile imported, default_temp_dir() finds the folder tempfile.gettempdir() finds in the
    same environment (TMPDIR, TEMP, TMP, then /tmp...), and imports no tempfile."""
    (tmp_path / "given").mkdir()
    (tmp_path / "locked").mkdir(mode=0o500)
    env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TEMP", "TMP")}
    env.update({name: value.format(tmp=tmp_path) for name, value in variables.items()})
    run = {"env": env, "capture_output": True, "text": True, "check": True, "cwd": str(tmp_path),
           "preexec_fn": without_file_override}  # root, too, cannot write into the 0500 folder
    ours = subprocess.run([sys.executable, "-S", "-c", FOUND.format(root=ROOT)], **run).stdout
    theirs = subprocess.run([sys.executable, "-S", "-c", STDLIB], **run).stdout
    assert ours.replace("true", "false") == theirs.replace("true", "false") and ours.endswith("false]\n")


@pytest.mark.parametrize("inside", [
    pytest.param(["usage_stats.json", "status.json"], id="files"),
    pytest.param(["usage_stats.json", ".status.json.0123456789ab.tmp"], id="a-temporary-left"),
    pytest.param(["usage_stats.json", "folder/"], id="a-folder-inside"),
    pytest.param(["link->../outside.json"], id="a-symlink-inside"),
    pytest.param([], id="empty"),
])
def test_a_record_folder_is_removed_as_rmtree_removes_it(tmp_path, inside):
    """A record's folder and whatever it holds is removed (a symlink inside is removed, never followed; a
    folder inside is left to shutil)."""
    target = tmp_path / "session"
    target.mkdir()
    (tmp_path / "outside.json").write_text("{}")
    for name in inside:
        if name.endswith("/"):
            (target / name).mkdir()
            (target / name / "deep.json").write_text("{}")
        elif "->" in name:
            link, pointed = name.split("->")
            (target / link).symlink_to(pointed)
        else:
            (target / name).write_text("{}")
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _remove_folder(fd, "session")
    finally:
        os.close(fd)
    assert not target.exists() and (tmp_path / "outside.json").read_text() == "{}"


@pytest.mark.parametrize("make", [
    pytest.param(lambda where: (where / "real").mkdir() or (where / "session").symlink_to(where / "real"),
                 id="the-folder-is-a-symlink"),
    pytest.param(lambda where: None, id="missing"),
])
def test_a_record_folder_that_is_a_symlink_or_missing_fails_as_rmtree_fails(tmp_path, make):
    """A symlink in place of the folder is refused (OSError, nothing behind it removed); a missing one is
    FileNotFoundError: shutil.rmtree's answers."""
    make(tmp_path)
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with pytest.raises(OSError):
            _remove_folder(fd, "session")
    finally:
        os.close(fd)
    assert not (tmp_path / "real").exists() or (tmp_path / "real").is_dir()


def _folder_fd(path: Path) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY)


@pytest.mark.parametrize("durable", [True, False], ids=["durable", "not-durable"])
def test_a_file_is_replaced_in_one_step_and_no_temporary_is_left(tmp_path, durable):
    """replace_at writes the new bytes with the mode asked for, over the old file, and leaves no temporary."""
    (tmp_path / "record.json").write_text("old")
    fd = _folder_fd(tmp_path)
    try:
        replace_at(fd, "record.json", b"new", mode=0o640, durable=durable)
    finally:
        os.close(fd)
    assert (tmp_path / "record.json").read_bytes() == b"new"
    assert (tmp_path / "record.json").stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]


def test_a_replace_that_fails_removes_its_temporary_and_raises(tmp_path):
    """A rename that fails (a folder in the file's place) raises that error, leaves the folder as it was and
    removes the temporary file it wrote."""
    (tmp_path / "record.json").mkdir()
    fd = _folder_fd(tmp_path)
    try:
        with pytest.raises(IsADirectoryError):
            replace_at(fd, "record.json", b"new")
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"] and (tmp_path / "record.json").is_dir()


def test_only_our_temporaries_of_that_file_are_removed(tmp_path):
    """remove_temporaries deletes the temporary copies of that file of our own naming, counts them, and
    leaves every other file (another file's temporary, a name that only looks alike)."""
    ours = [".state.json.0123456789ab.tmp", ".state.json.ffffffffffff.tmp"]
    others = ["state.json", ".other.json.0123456789ab.tmp", ".state.json.0123.tmp", ".state.json.0123456789ab.tmpx"]
    for name in ours + others:
        (tmp_path / name).write_text("x")
    fd = _folder_fd(tmp_path)
    try:
        assert remove_temporaries(fd, "state.json") == 2
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(others)


def test_record_folders_are_made_0700_and_opened_again_when_there(tmp_path):
    """open_dir makes the missing folders 0700, and opens them, unchanged, when they are already there."""
    (tmp_path / "app" / "usage").mkdir(parents=True, mode=0o700)
    fd = open_dir(["app", "usage", "client"], root=str(tmp_path))
    os.close(fd)
    again = open_dir(["app", "usage", "client"], root=str(tmp_path))
    os.close(again)
    assert [(p.name, p.stat().st_mode & 0o777) for p in sorted((tmp_path / "app").rglob("*"))] == [
        ("usage", 0o700), ("client", 0o700)]
