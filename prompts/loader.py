"""The only way prompts are read: prompts/<agent>/v<N>.md, chosen through prompt_sets.yaml.

A prompt file is YAML front matter (id, version, inputs, notes) followed by a Jinja2 body.
The body has a system part and, optionally, a user part, separated by HTML comments that stay
invisible when the file is viewed as Markdown:

    <!-- system -->   instructions (trusted)
    <!-- user -->     the case: SQL, errors, diff figures, sample rows (untrusted data)

Keeping data out of the system message is deliberate: sample rows come from the user's
database and may contain text that reads like instructions.

Released prompt versions are frozen: prompts/locked.yaml records the sha256 of each one, and
`check_locked()` (run by the test suite) reports any released file whose bytes changed.
To change a released prompt, add v<N+1>.md and point a prompt set at it, then run
`python -m prompts.loader --lock` to record the new version's hash.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import yaml

from tools.errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent
"""Where prompt files live (tests point it at a copy)."""
SETS_NAME = "prompt_sets.yaml"
LOCK_NAME = "locked.yaml"
BY_MODEL_KEY = "by_model"
"""prompt_sets.yaml key mapping model-name globs to a set name (not itself a set)."""

_FRONT_MATTER = re.compile(r"\A---\s*\n(?P<meta>.*?)\n---\s*\n(?P<body>.*)\Z", re.DOTALL)
_SYSTEM_MARK = "<!-- system -->"
_USER_MARK = "<!-- user -->"
_REQUIRED_KEYS = ("id", "version", "inputs")

# StrictUndefined: a missing variable is an error, not a silently empty hole in the prompt.
_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,  # plain text for a model, not HTML
)
# Jinja's own `tojson` escapes <, > and & for HTML; a model should see the values as they are.
_ENV.filters["json"] = lambda value: json.dumps(value, default=str, ensure_ascii=False)


@dataclass(frozen=True)
class Prompt:
    """One prompt version, parsed and hashed."""

    agent: str
    version: int
    path: Path
    sha256: str
    """sha256 of the file's bytes: what spec.json, traces and eval logs record."""
    front_matter: dict[str, Any] = field(default_factory=dict)
    system_source: str = ""
    user_source: str | None = None

    @property
    def id(self) -> str:
        return f"{self.agent}/v{self.version}"

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    @property
    def inputs(self) -> list[str]:
        return list(self.front_matter.get("inputs") or [])

    @cached_property
    def _system_template(self) -> jinja2.Template:
        return self._compile(self.system_source, "system")

    @cached_property
    def _user_template(self) -> jinja2.Template | None:
        if self.user_source is None:
            return None
        return self._compile(self.user_source, "user")

    def _compile(self, source: str, part: str) -> jinja2.Template:
        try:
            return _ENV.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"prompt {self.path} ({part} part), line {exc.lineno}: Jinja2 "
                              f"syntax error: {exc.message}") from exc

    def variables(self) -> set[str]:
        """Every variable the system and user parts reference (to check `inputs` against)."""
        names: set[str] = set()
        for source in (self.system_source, self.user_source):
            if source is not None:
                names |= jinja2.meta.find_undeclared_variables(_ENV.parse(source))
        return names

    def render(self, **variables: Any) -> str:
        """The system message: the agent's instructions."""
        return self._render(self._system_template, "system", variables)

    def render_user(self, **variables: Any) -> str:
        """The user message: the case at hand (raises ConfigError if the prompt has none)."""
        template = self._user_template
        if template is None:
            raise ConfigError(f"prompt {self.path} has no '{_USER_MARK}' part; pass the user "
                              f"message yourself or add the part to a new prompt version")
        return self._render(template, "user", variables)

    def _render(self, template: jinja2.Template, part: str, variables: dict[str, Any]) -> str:
        try:
            return template.render(**variables).strip() + "\n"
        except jinja2.UndefinedError as exc:
            raise ConfigError(f"prompt {self.path} ({part} part) needs a variable the caller did "
                              f"not pass: {exc.message}. Declared inputs: "
                              f"{', '.join(self.inputs) or '(none)'}") from exc


# ------------------------------------------------------------------------------- loading
def prompt_path(agent: str, version: int) -> Path:
    return PROMPTS_DIR / agent / f"v{version}.md"


def load_prompt_version(agent: str, version: int) -> Prompt:
    """Load prompts/<agent>/v<version>.md."""
    path = prompt_path(agent, version)
    if not path.is_file():
        available = ", ".join(sorted(p.name for p in (PROMPTS_DIR / agent).glob("v*.md"))) \
            if (PROMPTS_DIR / agent).is_dir() else "(no such agent folder)"
        raise ConfigError(f"prompt file not found: {path}. Versions present for {agent!r}: "
                          f"{available}")
    raw = path.read_bytes()
    meta, system, user = _split(path, raw)
    _check_meta(path, meta, agent, version)
    return Prompt(agent=agent, version=version, path=path,
                  sha256=hashlib.sha256(raw).hexdigest(), front_matter=meta,
                  system_source=system, user_source=user)


def load_prompt(agent: str, prompt_set: str = "default") -> Prompt:
    """The prompt the named set chooses for `agent` (see prompts/prompt_sets.yaml)."""
    chosen = load_prompt_sets()
    sets_file = PROMPTS_DIR / SETS_NAME
    if prompt_set not in chosen:
        raise ConfigError(f"prompt set {prompt_set!r} is not defined in {sets_file} "
                          f"(defined: {', '.join(sorted(chosen))})")
    versions = chosen[prompt_set]
    if agent not in versions:
        raise ConfigError(f"prompt set {prompt_set!r} in {sets_file} names no prompt for agent "
                          f"{agent!r} (it covers: {', '.join(sorted(versions))})")
    return load_prompt_version(agent, versions[agent])


def load_prompt_for_model(agent: str, prompt_set: str, model: str | None) -> Prompt:
    """The prompt for `agent`: the named set, or, when the run keeps the "default" set, the set
    prompt_sets.yaml's `by_model` chooses for this model (small models get a compact prompt)."""
    return load_prompt(agent, prompt_set_for_model(prompt_set, model))


def prompt_set_for_model(prompt_set: str, model: str | None) -> str:
    """`by_model` maps model-name globs (case-insensitive) to sets; the first match wins."""
    if prompt_set != "default" or not model:
        return prompt_set
    by_model = _read_yaml(PROMPTS_DIR / SETS_NAME).get(BY_MODEL_KEY) or {}
    for pattern, chosen in by_model.items():
        if fnmatch.fnmatch(model.lower(), str(pattern).lower()):
            return str(chosen)
    return prompt_set


def load_prompt_sets() -> dict[str, dict[str, int]]:
    """prompt_sets.yaml: {set name: {agent: version}}; versions may be written 1 or "v1"."""
    path = PROMPTS_DIR / SETS_NAME
    data = _read_yaml(path)
    data.pop(BY_MODEL_KEY, None)
    sets: dict[str, dict[str, int]] = {}
    for name, mapping in data.items():
        if not isinstance(mapping, dict):
            raise ConfigError(f"{path}: prompt set {name!r} must map agent names to versions, "
                              f"e.g. `fixer: 1`")
        sets[str(name)] = {str(agent): _version_number(path, name, agent, v)
                           for agent, v in mapping.items()}
    return sets


def prompt_set_hashes(prompt_set: str = "default") -> dict[str, str]:
    """{prompt id: sha256} for every prompt in a set — recorded in spec.json and eval logs."""
    return {p.id: p.sha256 for p in (load_prompt(agent, prompt_set)
                                     for agent in load_prompt_sets()[prompt_set])}


def _version_number(path: Path, set_name: str, agent: Any, value: Any) -> int:
    text = str(value).lstrip("vV")
    if not text.isdigit():
        raise ConfigError(f"{path}: prompt set {set_name!r}, agent {agent!r}: version "
                          f"{value!r} is not a number like 1 or v1")
    return int(text)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping at the top level")
    return data


def _split(path: Path, raw: bytes) -> tuple[dict[str, Any], str, str | None]:
    """Front matter, system part, user part (None when the file has no user marker)."""
    text = raw.decode("utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ConfigError(f"prompt {path} must start with YAML front matter between two '---' "
                          f"lines (id, version, inputs, notes)")
    try:
        meta = yaml.safe_load(match["meta"]) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"prompt {path}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ConfigError(f"prompt {path}: front matter must be a YAML mapping")
    body = match["body"]
    system, _, user = body.partition(_USER_MARK)
    system = system.replace(_SYSTEM_MARK, "", 1)
    return meta, system, (user if _USER_MARK in body else None)


def _check_meta(path: Path, meta: dict[str, Any], agent: str, version: int) -> None:
    missing = [k for k in _REQUIRED_KEYS if k not in meta]
    if missing:
        raise ConfigError(f"prompt {path}: front matter lacks {', '.join(missing)}")
    expected = f"{agent}/v{version}"
    if str(meta["id"]) != expected or str(meta["version"]).lstrip("vV") != str(version):
        raise ConfigError(f"prompt {path}: front matter says id={meta['id']!r}, "
                          f"version={meta['version']!r} but the file's place says {expected}")
    if not isinstance(meta["inputs"], list):
        raise ConfigError(f"prompt {path}: `inputs` must be a list of variable names")


# ------------------------------------------------------------------------------- locking
def all_prompt_files() -> list[tuple[str, int]]:
    """(agent, version) for every prompts/<agent>/v<N>.md on disk."""
    found = []
    for path in sorted(PROMPTS_DIR.glob("*/v*.md")):
        number = path.stem[1:]
        if number.isdigit():
            found.append((path.parent.name, int(number)))
    return found


def read_lock() -> dict[str, str]:
    path = PROMPTS_DIR / LOCK_NAME
    if not path.is_file():
        return {}
    return {str(k): str(v) for k, v in _read_yaml(path).items()}


def check_locked() -> list[str]:
    """Problems with released prompts: changed bytes, deleted files, unlocked set members.

    An empty list means every released prompt is exactly what was released. Prompts chosen by
    a prompt set count as released: eval results compare sets, so they must not drift.
    """
    lock = read_lock()
    problems = []
    for prompt_id, digest in sorted(lock.items()):
        agent, _, number = prompt_id.partition("/v")
        file = prompt_path(agent, int(number))
        if not file.is_file():
            problems.append(f"{prompt_id}: released but {file} is gone")
        elif hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            problems.append(f"{prompt_id}: {file} changed after release; put the change in a "
                            f"new version file instead")
    for set_name, versions in load_prompt_sets().items():
        for agent, version in versions.items():
            if f"{agent}/v{version}" not in lock:
                problems.append(f"{agent}/v{version}: used by prompt set {set_name!r} but not "
                                f"in {LOCK_NAME}; run `python -m prompts.loader --lock`")
    return problems


def lock_new_prompts() -> list[str]:
    """Record hashes of prompt files not yet locked. Never rewrites an existing entry."""
    lock = read_lock()
    added = []
    for agent, version in all_prompt_files():
        prompt = load_prompt_version(agent, version)  # validates before locking
        if prompt.id not in lock:
            lock[prompt.id] = prompt.sha256
            added.append(prompt.id)
    header = ("# sha256 of each released prompt file. Never edit an entry: add a new version.\n"
              "# Written by `python -m prompts.loader --lock`; checked by the test suite\n")
    body = yaml.safe_dump(dict(sorted(lock.items())), sort_keys=False)
    (PROMPTS_DIR / LOCK_NAME).write_text(header + body, encoding="utf-8")
    return added


def _main() -> None:
    parser = argparse.ArgumentParser(description="Check or lock released prompt versions.")
    parser.add_argument("--lock", action="store_true", help="record hashes of new prompt files")
    args = parser.parse_args()
    if args.lock:
        print("locked:", ", ".join(lock_new_prompts()) or "(nothing new)")
    problems = check_locked()
    print("\n".join(problems) or "all released prompts unchanged")
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    _main()
