"""Find the Pulumi project the offline preview runs, and gather its config.

Config comes, lowest precedence first, from the ``config:`` defaults in ``Pulumi.yaml``, the stack file
``Pulumi.<stack>.yaml``, ``AI_KEYS_PREVIEW_SECRET_<KEY>`` environment variables, ``--config KEY=VALUE``
and ``--secret NAME[=VALUE]``. ``secure:`` values in the stack file are encrypted with the stack's secrets
provider and cannot be read offline. The program gets a stand-in for every secret, whatever its source
(see :mod:`ai_keys.preview._standin`).
"""

import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ._render import PreviewResult
from ._standin import new_stand_in, stand_in_for

__all__ = [
    "ENV_SECRET_PREFIX",
    "EXIT_PROGRAM",
    "EXIT_USAGE",
    "PreviewConfig",
    "PreviewError",
    "Project",
    "env_secrets",
    "gather_config",
    "load_project",
    "parse_pair",
    "parse_secret",
]

# PyYAML ships with the Pulumi SDK but without type information; typed as Any on purpose.
_yaml: Any = importlib.import_module("yaml")

EXIT_PROGRAM = 1
"""Exit status when the program itself fails."""
EXIT_USAGE = 2
"""Exit status for a bad command line, path, project file or missing config."""

ENV_SECRET_PREFIX = "AI_KEYS_PREVIEW_SECRET_"
"""Environment variables with this prefix provide secret config values."""

_PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


class PreviewError(Exception):
    """A failure the preview reports as one line; ``exit_code`` is 2 for usage errors, 1 for program errors."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.result: Optional[PreviewResult] = None
        """When the program failed: what it registered before the failure."""
        self.program_traceback = ""
        """When the program raised: its traceback, scrubbed."""


@dataclass(frozen=True)
class Project:
    """A Pulumi project with a Python program."""

    name: str
    """The ``name:`` from ``Pulumi.yaml`` (the default config namespace)."""
    root: Path
    """The directory holding ``Pulumi.yaml`` (stack files live here too)."""
    program: Path
    """The file to run: ``__main__.py`` in the root or in the ``main:`` directory, or the ``main:`` file."""
    workdir: Path
    """The working directory while the program runs (the ``main:`` directory when it is one)."""
    config_defaults: Mapping[str, str]
    """Config values declared in ``Pulumi.yaml`` (``value`` or ``default``), keys qualified."""


@dataclass(frozen=True)
class PreviewConfig:
    """The config one preview run gets."""

    values: Mapping[str, str]
    """Config values by qualified key (``project:key`` or ``provider:key``), secrets as their stand-ins."""
    secret_keys: tuple[str, ...]
    """Keys whose values the program sees as secrets."""
    placeholders: tuple[str, ...]
    """Keys the stack file holds encrypted (``secure:``), which cannot be read offline."""
    stand_ins: Mapping[str, str]
    """Each stand-in the program gets, and the qualified key it stands in for (searched for and scrubbed)."""
    stack_file: Optional[Path]
    """The stack file that was read, if any."""


def load_project(path: str) -> Project:
    """The project at ``path`` (a directory, or its ``Pulumi.yaml``); :class:`PreviewError` when it cannot run."""
    target = Path(path)
    if target.is_file() and target.name in _PROJECT_FILES:
        target = target.parent
    if not target.exists():
        raise PreviewError(f"{path}: no such directory", EXIT_USAGE)
    if not target.is_dir():
        raise PreviewError(f"{path}: not a directory (expected a Pulumi project directory)", EXIT_USAGE)
    root = target.resolve()
    project_file = next((root / n for n in _PROJECT_FILES if (root / n).is_file()), None)
    if project_file is None:
        raise PreviewError(f"{path}: no Pulumi.yaml found (expected a Pulumi project directory)", EXIT_USAGE)
    document = _read_yaml(project_file)
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PreviewError(f"{project_file}: 'name' is missing or not a string", EXIT_USAGE)
    runtime = _runtime_name(document.get("runtime"))
    if runtime != "python":
        raise PreviewError(
            f"{project_file}: runtime {runtime!r} is not supported (only Python programs can be previewed)", EXIT_USAGE
        )
    program, workdir = _program(root, project_file, document.get("main"))
    return Project(
        name=name.strip(),
        root=root,
        program=program,
        workdir=workdir,
        config_defaults=_project_config(name.strip(), project_file, document.get("config")),
    )


def gather_config(
    project: Project,
    stack: str,
    config: Iterable[tuple[str, str]] = (),
    secrets: Iterable[tuple[str, Optional[str]]] = (),
    environ: Optional[Mapping[str, str]] = None,
) -> PreviewConfig:
    """Merge every config source for ``stack`` (later sources win; see the module docstring).

    A ``secrets`` value of None means "no value given". Every secret gets a stand-in, whatever its value.
    """
    values: dict[str, str] = {}
    made: dict[str, list[str]] = {}  # the stand-ins in each secret key's value
    placeholders: list[str] = []

    def put(key: str, value: str, stand_ins: Optional[list[str]] = None) -> None:
        qualified = _qualify(project.name, key)
        values[qualified] = value
        made.pop(qualified, None)
        if stand_ins is not None:
            made[qualified] = stand_ins
        if qualified in placeholders:
            placeholders.remove(qualified)

    for key, value in project.config_defaults.items():
        put(key, value)
    stack_file = _stack_file(project.root, stack)
    if stack_file is not None:
        for key, (value, stand_ins) in _stack_config(stack_file).items():
            put(key, value, stand_ins or None)
            if stand_ins:
                placeholders.append(_qualify(project.name, key))
    for key, given in env_secrets(environ or {}).items():
        put(key, *stand_in_for(given))
    for key, value in config:
        put(key, value)
    for key, maybe in secrets:
        put(key, *stand_in_for(maybe))
    return PreviewConfig(
        values=values,
        secret_keys=tuple(sorted(made)),
        placeholders=tuple(placeholders),
        stand_ins={stand_in: key for key, stand_ins in made.items() for stand_in in stand_ins},
        stack_file=stack_file,
    )


def env_secrets(environ: Mapping[str, str]) -> dict[str, str]:
    """Secret config from ``AI_KEYS_PREVIEW_SECRET_<KEY>`` variables.

    ``<KEY>`` in upper case stands for the key in lower case (``..._OPENAI_API_KEY`` -> ``openai_api_key``);
    a key with lower-case letters is taken as written (``..._openaiApiKey``); ``__`` stands for the
    namespace separator ``:`` (``..._MYPROJ__DB_PASSWORD`` -> ``myproj:db_password``).
    """
    found: dict[str, str] = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_SECRET_PREFIX) or len(name) == len(ENV_SECRET_PREFIX):
            continue
        key = name[len(ENV_SECRET_PREFIX) :]
        if key == key.upper():
            key = key.lower()
        found[key.replace("__", ":")] = value
    return found


def parse_pair(text: str, flag: str, *, echo: bool) -> tuple[str, str]:
    """``KEY=VALUE`` split at the first ``=``; :class:`ValueError` otherwise (``echo=False`` keeps ``text`` out of it)."""
    key, sep, value = text.partition("=")
    if not sep or not _is_key(key.strip()):
        shown = f" (got {text!r})" if echo else ""
        raise ValueError(f"{flag} expects KEY=VALUE, where {_key_rule('KEY')}{shown}")
    return key.strip(), value


def parse_secret(text: str) -> tuple[str, Optional[str]]:
    """A ``--secret`` argument: ``NAME`` (value None) or ``NAME=VALUE``; :class:`ValueError` otherwise.

    The error never contains ``text``: it may be a key's value that lost its name.
    """
    name, sep, value = text.partition("=")
    if not _is_key(name.strip()):
        raise ValueError(f"--secret expects NAME or NAME=VALUE, where {_key_rule('NAME')}")
    return name.strip(), value if sep else None


def _key_rule(word: str) -> str:
    return f"{word} is a config key such as openai_api_key or aws:region (no spaces, one ':' at most)"


def _is_key(key: str) -> bool:
    """Whether ``key`` is a Pulumi config key: ``name`` or ``namespace:name`` (or the old ``namespace:config:name``)."""
    parts = key.split(":")
    if not all(parts) or any(c.isspace() for c in key):
        return False
    return len(parts) <= 2 or (len(parts) == 3 and parts[1] == "config")


def _qualify(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = _yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise PreviewError(f"{path}: cannot read: {error}", EXIT_USAGE) from error
    except _yaml.YAMLError as error:
        problem = str(getattr(error, "problem", None) or "invalid YAML")
        raise PreviewError(f"{path}: not valid YAML: {problem}", EXIT_USAGE) from error
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise PreviewError(f"{path}: expected a YAML mapping at the top level", EXIT_USAGE)
    return document


def _runtime_name(runtime: Any) -> str:
    if isinstance(runtime, dict):
        runtime = runtime.get("name")
    return runtime if isinstance(runtime, str) else repr(runtime)


def _program(root: Path, project_file: Path, main: Any) -> tuple[Path, Path]:
    if main is None:
        program = root / "__main__.py"
        if not program.is_file():
            raise PreviewError(f"{root}: no __main__.py found (the Python program to preview)", EXIT_USAGE)
        if not program.resolve().is_relative_to(root):
            raise PreviewError(f"{program}: links outside the project", EXIT_USAGE)
        return program, root
    if not isinstance(main, str) or not main.strip():
        raise PreviewError(f"{project_file}: 'main' must be a path", EXIT_USAGE)
    target = (root / main.strip()).resolve()
    if not target.is_relative_to(root):
        # The preview runs what 'main' names: never code from outside the project it was pointed at.
        raise PreviewError(f"{project_file}: 'main' points outside the project ({main.strip()!r})", EXIT_USAGE)
    if target.is_dir():
        program = target / "__main__.py"
        if not program.is_file():
            raise PreviewError(f"{target}: no __main__.py found (set by 'main' in {project_file.name})", EXIT_USAGE)
        if not program.resolve().is_relative_to(root):
            raise PreviewError(f"{program}: links outside the project", EXIT_USAGE)
        return program, target
    if not target.is_file():
        raise PreviewError(f"{target}: not found (set by 'main' in {project_file.name})", EXIT_USAGE)
    return target, root


def _project_config(project: str, project_file: Path, config: Any) -> dict[str, str]:
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise PreviewError(f"{project_file}: 'config' must be a mapping", EXIT_USAGE)
    defaults: dict[str, str] = {}
    for key, entry in config.items():
        if isinstance(entry, dict):
            # A declared key: {type, description, default} or a provider setting {value}.
            if "value" in entry:
                defaults[_qualify(project, str(key))] = _config_text(entry["value"])
            elif "default" in entry:
                defaults[_qualify(project, str(key))] = _config_text(entry["default"])
        else:
            defaults[_qualify(project, str(key))] = _config_text(entry)
    return defaults


def _stack_file(root: Path, stack: str) -> Optional[Path]:
    short = stack.rsplit("/", 1)[-1]  # org/project/stack names the same stack file as stack
    return next((p for p in (root / f"Pulumi.{short}.yaml", root / f"Pulumi.{short}.yml") if p.is_file()), None)


def _stack_config(path: Path) -> dict[str, tuple[str, list[str]]]:
    """Stack config as ``key -> (text, the stand-ins for its secure: entries)``."""
    config = _read_yaml(path).get("config") or {}
    if not isinstance(config, dict):
        raise PreviewError(f"{path}: 'config' must be a mapping", EXIT_USAGE)
    found: dict[str, tuple[str, list[str]]] = {}
    for key, value in config.items():
        stand_ins: list[str] = []
        found[str(key)] = (_config_text(_without_secure(value, stand_ins)), stand_ins)
    return found


def _without_secure(value: Any, stand_ins: list[str]) -> Any:
    """``value`` with every ``{secure: ...}`` entry replaced by a new stand-in, each appended to ``stand_ins``."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            stand_ins.append(new_stand_in())
            return stand_ins[-1]
        return {k: _without_secure(v, stand_ins) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secure(v, stand_ins) for v in value]
    return value


def _config_text(value: Any) -> str:
    """Config as the Pulumi engine hands it to programs: strings as-is, everything else as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value)
