"""Find the Pulumi project the offline preview runs, and gather its config.

Config comes, lowest precedence first, from the ``config:`` defaults in ``Pulumi.yaml``, the stack file
``Pulumi.<stack>.yaml``, ``AI_KEYS_PREVIEW_SECRET_<KEY>`` environment variables, ``--config KEY=VALUE``
and ``--secret KEY=VALUE``. ``secure:`` values in the stack file are encrypted with the stack's secrets
provider and cannot be read offline: they become the placeholder secret ``preview-placeholder``.
"""

import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ._render import PreviewResult

__all__ = [
    "ENV_SECRET_PREFIX",
    "EXIT_PROGRAM",
    "EXIT_USAGE",
    "PLACEHOLDER_SECRET",
    "PreviewConfig",
    "PreviewError",
    "Project",
    "env_secrets",
    "gather_config",
    "load_project",
    "parse_pair",
]

# PyYAML ships with the Pulumi SDK but without type information; typed as Any on purpose.
_yaml: Any = importlib.import_module("yaml")

EXIT_PROGRAM = 1
"""Exit status when the program itself fails."""
EXIT_USAGE = 2
"""Exit status for a bad command line, path, project file or missing config."""

PLACEHOLDER_SECRET = "preview-placeholder"
"""The secret value used for ``secure:`` stack config, which cannot be decrypted offline."""

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
    """Config values by qualified key (``project:key`` or ``provider:key``)."""
    secret_keys: tuple[str, ...]
    """Keys whose values the program sees as secrets."""
    placeholders: tuple[str, ...]
    """Keys that got :data:`PLACEHOLDER_SECRET` because the stack file holds them encrypted."""
    secret_values: tuple[str, ...]
    """Every secret value given on the command line or in the environment (scrubbed from all output)."""
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
    secrets: Iterable[tuple[str, str]] = (),
    environ: Optional[Mapping[str, str]] = None,
) -> PreviewConfig:
    """Merge every config source for ``stack`` (later sources win; see the module docstring)."""
    values: dict[str, str] = {}
    secret: set[str] = set()
    placeholders: list[str] = []
    secret_values: list[str] = []

    def put(key: str, value: str, *, is_secret: bool) -> None:
        qualified = _qualify(project.name, key)
        values[qualified] = value
        if is_secret:
            secret.add(qualified)
        else:
            secret.discard(qualified)
        if qualified in placeholders:
            placeholders.remove(qualified)

    for key, value in project.config_defaults.items():
        put(key, value, is_secret=False)
    stack_file = _stack_file(project.root, stack)
    if stack_file is not None:
        for key, (value, encrypted) in _stack_config(stack_file).items():
            put(key, value, is_secret=encrypted)
            if encrypted:
                placeholders.append(_qualify(project.name, key))
    for key, value in env_secrets(environ or {}).items():
        put(key, value, is_secret=True)
        secret_values.append(value)
    for key, value in config:
        put(key, value, is_secret=False)
    for key, value in secrets:
        put(key, value, is_secret=True)
        secret_values.append(value)
    return PreviewConfig(
        values=values,
        secret_keys=tuple(sorted(secret)),
        placeholders=tuple(placeholders),
        secret_values=tuple(secret_values),
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
    if not sep or not key.strip():
        shown = f" (got {text!r})" if echo else ""
        raise ValueError(f"{flag} expects KEY=VALUE{shown}")
    return key.strip(), value


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


def _stack_config(path: Path) -> dict[str, tuple[str, bool]]:
    """Stack config as ``key -> (text, encrypted)``; encrypted entries carry the placeholder."""
    config = _read_yaml(path).get("config") or {}
    if not isinstance(config, dict):
        raise PreviewError(f"{path}: 'config' must be a mapping", EXIT_USAGE)
    found: dict[str, tuple[str, bool]] = {}
    for key, value in config.items():
        plain, encrypted = _without_secure(value)
        found[str(key)] = (_config_text(plain), encrypted)
    return found


def _without_secure(value: Any) -> tuple[Any, bool]:
    """``value`` with every ``{secure: ...}`` entry replaced by the placeholder, and whether there was one."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return PLACEHOLDER_SECRET, True
        items = {k: _without_secure(v) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(e for _, e in items.values())
    if isinstance(value, list):
        entries = [_without_secure(v) for v in value]
        return [v for v, _ in entries], any(e for _, e in entries)
    return value, False


def _config_text(value: Any) -> str:
    """Config as the Pulumi engine hands it to programs: strings as-is, everything else as JSON."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value)
