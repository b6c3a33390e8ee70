"""Check the peers' case tables against the real packages (manual; not run in CI, not collected
by pytest: its name does not start with test_).

    python tests/peers/check_real.py [--keep DIR] [TOOL ...]

Installs huggingface_hub 2.4.0 and streamlit 1.67.0 into a virtual environment, and next
16.4.6, @angular/cli 21.2.28 and @astrojs/telemetry 3.3.3 with ``npm install --prefix``, all
under a temporary folder (or DIR, reused when it already holds them). Then each case of
tests/peers/cases/<tool>.toml is laid out in its own HOME, TMPDIR and working folder and the
package's own decision code runs on it in a subprocess, with only the case's variables set.
Nothing is sent: the drivers replace ``fetch`` (Node) and the telemetry thread (huggingface_hub)
and record whether the package would have sent, printed or done neither. It prints the
package's answer beside the table's, per case, and the agreement per tool.

With ``--brew-git DIR`` (a git directory of Homebrew/brew holding commit aad366f, e.g. a clone)
it also checks the Homebrew table: brew's own shell code (bin/brew's brew.env loader,
utils/git.sh's git config reader, utils/analytics.sh) runs in bash on each case, and Ruby's two
checks (Utils::Analytics.disabled?: HOMEBREW_NO_ANALYTICS present, or `git config` value exactly
"true"; not_this_run?) are applied to what it leaves, with git itself reading the config.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _peer_cases import Case, Table, lay_out, load_tables, skip_reason

PIP = {"huggingface-hub": "huggingface_hub==2.4.0", "streamlit": "streamlit==1.67.0"}
NPM = {"nextjs": "next@16.4.6", "angular-cli": "@angular/cli@21.2.28", "astro": "@astrojs/telemetry@3.3.3"}
TIMEOUT_S = 60

# Each driver prints one word: on, off, local or error. They call the package's own decision code.
HF_DRIVER = r"""
from huggingface_hub.utils import _telemetry as telemetry
telemetry._start_telemetry_thread = lambda: None  # the queue is filled, no thread sends it
telemetry.send_telemetry("usage-consent-check")
print("off" if telemetry._TELEMETRY_QUEUE.empty() else "on")
"""

STREAMLIT_DRIVER = r"""
import os, sys
from streamlit.web import cli

def decide(*args, **kwargs):
    # `streamlit run` has loaded config.toml files, variables and flags (cli._main_run); the
    # browser session is told the option by app_session._populate_config_msg.
    from streamlit.proto.NewSession_pb2 import Config
    from streamlit.runtime.app_session import _populate_config_msg
    msg = Config()
    try:
        _populate_config_msg(msg)
    except TypeError:
        print("error", flush=True)
    else:
        print("on" if msg.gather_usage_stats else "off", flush=True)
    os._exit(0)

cli.check_credentials = decide
try:
    cli.main(["run", "app.py"], prog_name="streamlit")
except SystemExit as stop:
    print("error" if stop.code else "off", flush=True)
"""

NEXT_DRIVER = r"""
const path = require('path');
if (process.env.CHECK_NOT_CONTAINER) {  // a machine that is not a container, as is-docker checks it
  const fs = require('fs');
  const [statSync, readFileSync] = [fs.statSync, fs.readFileSync];
  fs.statSync = (file, ...rest) => {
    if (file === '/.dockerenv') throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    return statSync(file, ...rest);
  };
  fs.readFileSync = (file, ...rest) => (file === '/proc/self/cgroup' ? '0::/\n' : readFileSync(file, ...rest));
}
let sent = false, printed = false;
globalThis.fetch = async () => { sent = true; return new Response('{}', { status: 200 }); };
const error = console.error;
console.error = (...args) => { if (String(args[0]).startsWith('[telemetry]')) printed = true; };
console.log = () => {};
const { Telemetry } = require(process.env.CHECK_PACKAGE + '/dist/telemetry/storage.js');
(async () => {
  const telemetry = new Telemetry({ distDir: path.join(process.cwd(), '.next') });
  await telemetry.record({ eventName: 'USAGE_CONSENT_CHECK', payload: {} });
  await telemetry.flush();
  process.stdout.write((sent ? 'on' : printed ? 'local' : 'off') + '\n');
})().catch((e) => { error(e); process.stdout.write('error\n'); });
"""

ANGULAR_DRIVER = r"""
const config = require(process.env.CHECK_PACKAGE + '/src/utilities/config.js');
const analytics = require(process.env.CHECK_PACKAGE + '/src/analytics/analytics.js');
console.warn = () => {};
(async () => {
  let workspace, globalConfiguration;
  try {  // command-runner.js: both are loaded at start; a failure stops the CLI
    [workspace, globalConfiguration] = await Promise.all([config.getWorkspace('local'), config.getWorkspace('global')]);
  } catch (e) {
    process.stdout.write('error\n');
    return;
  }
  const id = await analytics.getAnalyticsUserId({ workspace, globalConfiguration }, true);
  process.stdout.write((id ? 'on' : 'off') + '\n');  // command-module.js: no id, no collector
})();
"""

ASTRO_DRIVER = r"""
let sent = false, printed = false;
globalThis.fetch = async () => { sent = true; return new Response('', { status: 200 }); };
// astro's logger (core/logger/node.js) sets this global in the CLI (3.3.1 and later use it)
globalThis._astroGlobalDebug = (type, ...args) => {
  if (args[0] && typeof args[0] === 'object' && 'context' in args[0]) printed = true;
};
const write = process.stderr.write.bind(process.stderr);  // 3.3.0 prints with the debug package
process.stderr.write = (chunk, ...rest) => {
  if (String(chunk).includes('USAGE_CONSENT_CHECK')) printed = true;
  return write(chunk, ...rest);
};
console.log = () => {};
const { AstroTelemetry } = await import(process.env.CHECK_PACKAGE + '/dist/index.js');
const telemetry = new AstroTelemetry({ astroVersion: '7.0.0', viteVersion: '7.0.0' });
await telemetry.notify(() => true);  // cli/index.ts calls notify() before each command
await telemetry.record({ eventName: 'USAGE_CONSENT_CHECK', payload: {} });
process.stdout.write((sent ? 'on' : printed ? 'local' : 'off') + '\n');
"""

BREW_COMMIT = "aad366ffaf6a8c94c66d35e4b990d42ac4195305"
BREW_DRIVER = r"""
source "$CHECK_BREW/envfile.sh"
source "$CHECK_BREW/git.sh"
source "$CHECK_BREW/analytics.sh"
export_homebrew_env_file "${HOMEBREW_PREFIX}/etc/homebrew/brew.env"
if [[ -n "${XDG_CONFIG_HOME-}" ]]; then HOMEBREW_USER_CONFIG_HOME="${XDG_CONFIG_HOME}/homebrew"
elif [[ -n "${HOMEBREW_XDG_CONFIG_HOME-}" ]]; then HOMEBREW_USER_CONFIG_HOME="${HOMEBREW_XDG_CONFIG_HOME}/homebrew"
else HOMEBREW_USER_CONFIG_HOME="${HOME}/.homebrew"; fi
export_homebrew_env_file "${HOMEBREW_USER_CONFIG_HOME}/brew.env"
read-homebrew-git-config
setup-analytics
printf '%s\0%s\0' "${HOMEBREW_NO_ANALYTICS-}" "${HOMEBREW_NO_ANALYTICS_THIS_RUN-}"
"""
# The parts of Homebrew/brew the driver sources: (file, first line, last line) at BREW_COMMIT.
BREW_PARTS = {"envfile.sh": ("bin/brew", 110, 145), "git.sh": ("Library/Homebrew/utils/git.sh", 53, 107),
              "analytics.sh": ("Library/Homebrew/utils/analytics.sh", 1, 10_000)}

DRIVERS = {
    "huggingface-hub": ("python", HF_DRIVER, None),
    "streamlit": ("python", STREAMLIT_DRIVER, None),
    "nextjs": ("node", NEXT_DRIVER, "next"),
    "angular-cli": ("node", ANGULAR_DRIVER, "@angular/cli"),
    "astro": ("node-esm", ASTRO_DRIVER, "@astrojs/telemetry"),
}


def _prefix(folder: Path, tool: str) -> Path:
    """The npm prefix for a tool's package spec (one per version, so that versions can be compared)."""
    return folder / "npm" / NPM[tool].replace("/", "+")


def install(folder: Path, tools: list[str]) -> dict[str, str]:
    """Install what the tools need under ``folder`` (kept when already there); the versions installed."""
    versions: dict[str, str] = {}
    venv = folder / "venv"
    pip_wanted = [PIP[tool] for tool in tools if tool in PIP]
    if pip_wanted:
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *pip_wanted], check=True,
                       stderr=subprocess.DEVNULL)
        for tool in tools:
            if tool in PIP:
                name = PIP[tool].split("==")[0]
                shown = subprocess.run([str(venv / "bin" / "pip"), "show", name], capture_output=True, text=True,
                                       check=True).stdout
                versions[tool] = name + " " + next(line.split(": ", 1)[1] for line in shown.splitlines()
                                                   if line.startswith("Version: "))
    for tool in tools:
        if tool in NPM:
            prefix = _prefix(folder, tool)
            package = NPM[tool].rsplit("@", 1)[0]
            if not (prefix / "node_modules" / package / "package.json").exists():
                subprocess.run(["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent",
                                NPM[tool]], check=True)
            meta = json.loads((prefix / "node_modules" / package / "package.json").read_text())
            versions[tool] = f"{package} {meta['version']}"
    return versions


def extract_brew(folder: Path, git_dir: Path) -> str:
    """Homebrew's shell functions at BREW_COMMIT, as files the driver sources."""
    target = folder / "brew"
    target.mkdir(parents=True, exist_ok=True)
    for name, (path, first, last) in BREW_PARTS.items():
        text = subprocess.run(["git", "-C", str(git_dir), "show", f"{BREW_COMMIT}:{path}"], capture_output=True,
                              text=True, check=True).stdout
        (target / name).write_text("\n".join(text.splitlines()[first - 1:last]) + "\n")
    return f"Homebrew/brew {BREW_COMMIT[:7]}"


def run_brew_case(folder: Path, case: Case) -> str:
    """Homebrew's decision: its shell code for real, then Ruby's disabled? and not_this_run? rules."""
    with tempfile.TemporaryDirectory(prefix="check-homebrew-") as scratch:
        _, env = lay_out(case, Path(scratch))
        env["CHECK_BREW"] = str(folder / "brew")
        result = subprocess.run(["bash", "-c", BREW_DRIVER], env=env, capture_output=True, timeout=TIMEOUT_S)
        no_analytics, this_run = result.stdout.split(b"\0")[:2]
        config = Path(env["HOMEBREW_REPOSITORY"]) / ".git" / "config"
        settings: dict[str, str] = {}
        if config.exists():  # Homebrew::Settings.all: git config --null --get-regexp ^homebrew\.
            listed = subprocess.run(["git", "config", "--file", str(config), "--null", "--get-regexp",
                                     r"^homebrew\."], capture_output=True, text=True).stdout
            for entry in filter(None, listed.split("\0")):
                name, _, value = entry.partition("\n")
                settings[name.removeprefix("homebrew.")] = value
        present = bool(no_analytics.strip())  # Ruby's present?: not blank
        disabled = present or settings.get("analyticsdisabled") == "true"  # config_true?
        return "off" if this_run.strip() or disabled else "on"


def run_case(folder: Path, case: Case) -> str:
    """The package's own answer for the case: on, off, local or error (or why it could not run)."""
    if case.tool == "homebrew":
        return run_brew_case(folder, case)
    language, driver, package = DRIVERS[case.tool]
    with tempfile.TemporaryDirectory(prefix=f"check-{case.tool}-") as scratch:
        root = Path(scratch)
        layout, env = lay_out(case, root)
        (layout.cwd / "app.py").write_text("import streamlit as st\nst.write('hi')\n")
        if case.when == "not_container":
            env["CHECK_NOT_CONTAINER"] = "1"
        if language == "python":
            command = [str(folder / "venv" / "bin" / "python"), "-c", driver]
        else:
            env["CHECK_PACKAGE"] = str(_prefix(folder, case.tool) / "node_modules" / package)
            flag = "--input-type=module" if language == "node-esm" else "--input-type=commonjs"
            command = ["node", flag, "-e", driver]
        try:
            result = subprocess.run(command, cwd=layout.cwd, env=env, capture_output=True, text=True,
                                    timeout=TIMEOUT_S)
        finally:
            layout.home.chmod(0o755)
        words = result.stdout.split()
        if not words:
            return "no answer: " + (result.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1][:160]
        return words[-1]


def check(folder: Path, table: Table) -> tuple[int, int, int]:
    agree = disagree = skipped = 0
    for case in table.cases:
        reason = skip_reason(case)
        if reason and case.tool == "nextjs" and case.when == "not_container":
            reason = None  # the driver hides /.dockerenv and the cgroup from is-docker
        if reason:
            skipped += 1
            print(f"  skip  {case.id}: {reason}")
            continue
        answer = run_case(folder, case)
        same = answer == case.expect
        agree += same
        disagree += not same
        print(f"  {'ok  ' if same else 'DIFF'}  {case.id}: table {case.expect}, package {answer}")
    return agree, disagree, skipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="install into this folder and keep it (reused when present)")
    parser.add_argument("--package", action="append", default=[], metavar="TOOL=SPEC",
                        help="install another version, e.g. astro=@astrojs/telemetry@3.3.0")
    parser.add_argument("--brew-git", type=Path, help="a git directory of Homebrew/brew: check the Homebrew table too")
    parser.add_argument("tools", nargs="*", help=f"the tools to check (default: {', '.join(DRIVERS)})")
    args = parser.parse_args()
    checked = set(DRIVERS) | ({"homebrew"} if args.brew_git else set())
    tables = {table.tool: table for table in load_tables() if table.tool in checked}
    tools = args.tools or list(tables)
    if unknown := [tool for tool in tools if tool not in tables]:
        parser.error(f"no real-package check for {', '.join(unknown)}; choose from {', '.join(tables)}")
    for override in args.package:
        tool, _, spec = override.partition("=")
        (NPM if tool in NPM else PIP)[tool] = spec
    folder = args.keep or Path(tempfile.mkdtemp(prefix="peers-real-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        versions = install(folder, [tool for tool in tools if tool in DRIVERS])
        if "homebrew" in tools:
            versions["homebrew"] = extract_brew(folder, args.brew_git)
        summary = []
        for tool in tools:
            print(f"{tool} ({versions.get(tool, '?')}; table: {tables[tool].version})")
            agree, disagree, skipped = check(folder, tables[tool])
            summary.append((tool, versions.get(tool, "?"), agree, disagree, skipped))
        print("\ntool             installed                     agree  disagree  skipped")
        for tool, version, agree, disagree, skipped in summary:
            print(f"{tool:<16} {version:<29} {agree:>5}  {disagree:>8}  {skipped:>7}")
        return 1 if any(row[3] for row in summary) else 0
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
