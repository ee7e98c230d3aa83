"""Settings from the config file (TOML in the XDG config dir) and the command line."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "triage-tui"

EXAMPLE = """\
# triage-tui configuration. Every key is optional.
# gitlab_url = "https://gitlab.example.com"
# project = "customer-success/account-triage"   # or the numeric id
# cache = "/srv/triage/cache.db"                # a team cache shared through a group
# sync_interval = 300                            # seconds between syncs in the board
# busy_timeout = 5                               # seconds to wait for another writer

# Remap keys by binding id (`?` in the board lists them), e.g.:
# [keymap]
# "board.switch" = "tab"
# "board.cursor-down" = "down,j,n"
"""


class ConfigError(Exception):
    """The config file cannot be used; the message says why and where."""


def config_path() -> Path:
    override = os.environ.get("TRIAGE_TUI_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_cache_path() -> Path:
    return data_dir() / "cache.db"


def demo_cache_path() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "demo.db"


@dataclass(frozen=True, slots=True)
class Settings:
    gitlab_url: str = ""
    """Base URL of the GitLab instance."""
    project: str = ""
    """The triage project: numeric id or "group/path"."""
    cache_path: Path = field(default_factory=default_cache_path)
    """The SQLite cache the board reads."""
    sync_interval: int = 300
    """Seconds between background syncs while the board is open (0: never)."""
    busy_timeout: float = 5.0
    """Seconds to wait for another process's write lock on the cache before giving up."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> keys, overriding the defaults."""


def _expect(data: Mapping[str, Any], key: str, kind: type, path: Path) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise ConfigError(f"{path}: `{key}` should be a {kind.__name__}, not {value!r}.")
    return value


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read the config file (a missing file means defaults), then apply non-None overrides."""
    path = path or config_path()
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path} is not valid TOML: {error}") from error
        except OSError as error:
            raise ConfigError(f"Cannot read {path}: {error.strerror}") from error
    keymap = _expect(data, "keymap", dict, path) or {}
    for binding_id, keys in keymap.items():
        if not isinstance(keys, str):
            raise ConfigError(f"{path}: keymap entry `{binding_id}` should be a string of keys.")
    project = _expect(data, "project", (str, int), path)  # type: ignore[arg-type]
    cache = _expect(data, "cache", str, path)
    settings = Settings(
        gitlab_url=(_expect(data, "gitlab_url", str, path) or "").rstrip("/"),
        project=str(project) if project is not None else "",
        cache_path=Path(cache).expanduser() if cache else default_cache_path(),
        sync_interval=int(_expect(data, "sync_interval", int, path) or 300),
        busy_timeout=float(_expect(data, "busy_timeout", (int, float), path) or 5.0),  # type: ignore[arg-type]
        keymap=dict(keymap),
    )
    values = {k: v for k, v in overrides.items() if v is not None}
    if "cache_path" in values:
        values["cache_path"] = Path(values["cache_path"]).expanduser()
    return Settings(**{**_as_dict(settings), **values})


def _as_dict(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in Settings.__slots__}
