"""Settings from the config file (TOML in the XDG config dir) and the command line."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import platformdirs

from triage_tui.domain.accounts import (
    API_NAME,
    DEFAULT_SALESFORCE_FIELDS,
    OPTIONAL_SALESFORCE_FIELDS,
)
from triage_tui.domain.health import Health
from triage_tui.domain.soql import filter_problem
from triage_tui.domain.vocabulary import IDENTITY, LabelVocabulary, VocabularyError
from triage_tui.domain.weekly import bot_names

APP_NAME = "triage-tui"

EXAMPLE = """\
# triage-tui configuration. Every key is optional.
# gitlab_url = "https://gitlab.example.com"
# project = "customer-success/account-triage"   # or the numeric id
# cache = "/srv/triage/cache.db"                # a team cache shared through a group
# shared = true                                  # ...made group-writable (see README)
# sync_interval = 300                            # seconds between syncs in the board
# busy_timeout = 5                               # seconds to wait for another writer
# bots = ["gitlab-bot", "renovate-bot"]          # notes by these are no weekly update
#                                                # (GitLab's token bots need no listing)
# graphql = false                                # notes by REST only, one request an
#                                                # issue (when /api/graphql is blocked)

# Your org's label names, when they are not the handbook's (Red, Amber, Yellow, Green,
# New, US-WEST, US-EAST, EMEA, APAC, LATAM, E&A, E&U, U&A, U&U). Board word = the
# project's label; a word left out keeps its own name. The board reads and writes
# these names on GitLab and shows its own words.
# [labels]
# Red = "health::red"
# Amber = "health::amber"
# Yellow = "health::yellow"
# Green = "health::green"
# New = "triage::new"
# "US-WEST" = "region::us-west"
# EMEA = "region::emea"
# "E&A" = "churn::expected-avoidable"

# Remap keys by binding id (`?` in the board lists them), e.g.:
# [keymap]
# "board.switch" = "tab"
# "board.cursor-down" = "down,j,ctrl+n"

# Salesforce, the system of record for health. Secrets never go here: sign in with
# `triage-tui auth salesforce` (the device flow keeps a refresh token in the OS
# keyring), or set the JWT sign-in below (nothing secret but a 0600 key file), or use
# the environment (SALESFORCE_CONSUMER_KEY with SALESFORCE_PRIVATE_KEY_FILE and
# SALESFORCE_USERNAME, or with SALESFORCE_CONSUMER_SECRET; SOAP's SALESFORCE_USERNAME,
# SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN for old orgs only).
# [salesforce]
# instance_url = "https://acme.my.salesforce.com"
# domain = "login"                # "test" for a sandbox, "acme.my" for a My Domain login
# api_version = "59.0"
# ca_bundle = "/etc/ssl/certs/company-ca.pem"   # a PEM bundle to trust instead of the system's
# timeout = 30                    # seconds per request
# account_filter = "Type = 'Customer' AND Region__c IN ('EMEA', 'APAC')"   # which accounts
#
# The JWT bearer sign-in for a shared host's sync user (`triage-tui config check` tries it):
# [salesforce.jwt]
# consumer_key = "3MVG9...from-the-connected-app"
# username = "triage-sync@acme.com"
# private_key_file = "/etc/triage-tui/salesforce.key"   # chmod 600
#
# Health values your org spells differently (the first listed for a colour is written):
# [salesforce.health_values]
# "1-Red" = "Red"
# "2-Amber" = "Amber"
# "3-Yellow" = "Yellow"
# "4-Green" = "Green"
#
# Field API names, when your org's differ from these defaults:
# [salesforce.fields]
# health = "Health_Score__c"
# health_date = "Health_Score_Date__c"
# health_reasons = "Health_Score_Reasons__c"
# renewal_date = "Next_Renewal_Date__c"
# arr = "ARR__c"
# region = "Region__c"
# owner = "Account_Owner__c"      # or a lookup: "Owner.Name"
# tam = "TAM__c"                  # or a lookup: "TAM__r.Name"
# A score sent from the ER call comes with a dated reason line. It goes below what
# health_reasons holds (the link to the running call notes stays), unless you name a
# field of its own for it here; then health_reasons is left alone:
# health_note = "Triage_Reason__c"
"""


#: In a board's environment: why it may only read, whatever its cache and tokens allow
#: (`triage-tui serve` starts a follower's board so; see triage_tui.serve).
READ_ONLY_ENV = "TRIAGE_TUI_READ_ONLY"


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


_DOMAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
_API_VERSION = re.compile(r"\d{2,3}\.\d")


@dataclass(frozen=True, slots=True)
class JwtSignIn:
    """The OAuth 2.0 JWT bearer sign-in (`[salesforce.jwt]`): nothing secret, so it may be
    in the config file; the private key file it names stays readable by its owner only."""

    consumer_key: str
    """The connected app's consumer key (its `iss`)."""
    username: str
    """The user the sync acts as (its `sub`), pre-authorized for the app."""
    private_key_file: str
    """The PEM private key whose certificate the connected app holds."""


@dataclass(frozen=True, slots=True)
class SalesforceSettings:
    """Where Salesforce is and what its Account fields are called (no credentials)."""

    instance_url: str = ""
    """The org's URL, e.g. https://acme.my.salesforce.com (used with a session id)."""
    domain: str = "login"
    """The SOAP login host before .salesforce.com: "login", "test" or a My Domain "acme.my"."""
    api_version: str = "59.0"
    ca_bundle: str = ""
    """A PEM bundle to trust instead of the system's (a company's TLS-inspecting proxy)."""
    timeout: float = 30.0
    """Seconds before any one request is given up (simple-salesforce sets none itself)."""
    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SALESFORCE_FIELDS))
    """Logical name -> API name, every key of DEFAULT_SALESFORCE_FIELDS present, and those
    of OPTIONAL_SALESFORCE_FIELDS that the config names."""
    health_values: Mapping[str, str] = field(default_factory=dict)
    """The org's health values -> a colour label ("1-Red" -> "Red"), for reading and, the
    first listed for a colour, writing; Green/Yellow/Amber/Red themselves need none."""
    account_filter: str = ""
    """A SOQL condition choosing which accounts to read (`Type = 'Customer'`)."""
    jwt: JwtSignIn | None = None
    """`[salesforce.jwt]`: the JWT bearer sign-in, when it is set in the config file."""


@dataclass(frozen=True, slots=True)
class Settings:
    gitlab_url: str = ""
    """Base URL of the GitLab instance."""
    project: str = ""
    """The triage project: numeric id or "group/path"."""
    cache_path: Path = field(default_factory=default_cache_path)
    """The SQLite cache the board reads."""
    shared: bool = False
    """A team cache that a Unix group shares (`shared = true` or `--shared`): created 0660
    in a setgid 0770 directory, opened with a umask that keeps group write. False: a
    private cache, 0600 in a 0700 directory."""
    sync_interval: int = 300
    """Seconds between background syncs while the board is open (0: never)."""
    busy_timeout: float = 5.0
    """Seconds to wait for another process's write lock on the cache before giving up."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> keys, overriding the defaults."""
    salesforce: SalesforceSettings | None = None
    """The `[salesforce]` table; None when the file has none (no Salesforce sync)."""
    bots: tuple[str, ...] = ()
    """Usernames whose notes are no weekly update (lower-case, no "@"); GitLab's own
    access-token bots are recognised without being listed (domain.weekly.is_bot)."""
    graphql: bool = True
    """Fetch notes in bulk through GitLab's GraphQL API (REST fills in what it leaves
    out); False: by REST only, one request per issue."""
    labels: LabelVocabulary = IDENTITY
    """`[labels]`: the org's name for each board label ("Red" -> "health::red"); the
    handbook's own names (the identity) when the file has none."""


def with_source(settings: Settings, gitlab_url: str, project: str) -> Settings:
    """The settings, with the GitLab project a cache was synced from filling in what
    they leave out: `triage-tui --cache PATH` then syncs and edits where the cache came
    from. What the settings (or the command line) give wins; and when what they give
    names another source, nothing is taken from the cache (a project of one GitLab with
    another's URL would be neither)."""
    if not (gitlab_url and project):
        return settings
    given = {"gitlab_url": settings.gitlab_url, "project": settings.project}
    stored = {"gitlab_url": gitlab_url, "project": project}
    if any(value and value != stored[key] for key, value in given.items()):
        return settings
    return replace(settings, gitlab_url=gitlab_url, project=project)


def _expect(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: Path) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        names = " or ".join(k.__name__ for k in kinds)
        raise ConfigError(f"{path}: `{key}` should be a {names}, not {value!r}.")
    return value


def _number(
    data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], default: Any, path: Path
) -> Any:
    """A number setting, `default` only when it is missing: 0 is a value (sync_interval
    0 means never). Negative numbers mean nothing here and are refused."""
    value = _expect(data, key, kind, path)
    if value is None:
        return default
    if isinstance(value, bool) or value < 0:
        raise ConfigError(f"{path}: `{key}` should be a number of seconds, 0 or more.")
    return type(default)(value)


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
    project = _expect(data, "project", (str, int), path)
    cache = _expect(data, "cache", str, path)
    settings = Settings(
        gitlab_url=(_expect(data, "gitlab_url", str, path) or "").rstrip("/"),
        project=str(project) if project is not None else "",
        cache_path=Path(cache).expanduser() if cache else default_cache_path(),
        shared=bool(_expect(data, "shared", bool, path) or False),
        sync_interval=_number(data, "sync_interval", int, 300, path),
        busy_timeout=_number(data, "busy_timeout", (int, float), 5.0, path),
        keymap=dict(keymap),
        salesforce=_salesforce(data, path),
        bots=_bots(data, path),
        graphql=_expect(data, "graphql", bool, path) is not False,
        labels=_labels(data, path),
    )
    values = {k: v for k, v in overrides.items() if v is not None}
    if "cache_path" in values:
        values["cache_path"] = Path(values["cache_path"]).expanduser()
    return Settings(**{**_as_dict(settings), **values})


#: A GitLab username, with or without its "@".
_USERNAME = re.compile(r"@?[A-Za-z0-9_.][A-Za-z0-9_.\-]*")


def _bots(data: Mapping[str, Any], path: Path) -> tuple[str, ...]:
    """The `bots` list, checked: a name that is no username would silently match nobody."""
    names = _expect(data, "bots", list, path) or []
    for name in names:
        if not isinstance(name, str) or not _USERNAME.fullmatch(name.strip()):
            raise ConfigError(
                f'{path}: `bots` should list GitLab usernames such as "gitlab-bot", not {name!r}.'
            )
    return tuple(sorted(bot_names(names)))


def _labels(data: Mapping[str, Any], path: Path) -> LabelVocabulary:
    """The `[labels]` table, checked (domain.vocabulary): one org label per board word."""
    table = _expect(data, "labels", dict, path)
    if not table:
        return IDENTITY
    try:
        return LabelVocabulary.from_table(table)
    except VocabularyError as error:
        raise ConfigError(f"{path} [labels]: {error}") from error


def _salesforce(data: Mapping[str, Any], path: Path) -> SalesforceSettings | None:
    """The `[salesforce]` table, checked: a wrong value is named with the fix, not guessed."""
    table = _expect(data, "salesforce", dict, path)
    if table is None:
        return None
    where = f"{path} [salesforce]"
    known = {
        "instance_url",
        "domain",
        "api_version",
        "ca_bundle",
        "timeout",
        "fields",
        "health_values",
        "account_filter",
        "jwt",
    }
    if unknown := sorted(set(table) - known):
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}.")
    instance_url = (_expect(table, "instance_url", str, path) or "").strip().rstrip("/")
    if instance_url and not instance_url.startswith("https://"):
        raise ConfigError(
            f"{where}: `instance_url` should start with https://, not {instance_url!r}."
        )
    domain = (_expect(table, "domain", str, path) or "login").strip()
    if not _DOMAIN.fullmatch(domain) or domain.endswith("salesforce.com"):
        raise ConfigError(
            f"{where}: `domain` is the login host before .salesforce.com "
            f'("login", "test" or "acme.my"), not {domain!r}.'
        )
    version = str(_expect(table, "api_version", str, path) or "59.0").strip()
    if not _API_VERSION.fullmatch(version):
        raise ConfigError(f'{where}: `api_version` should look like "59.0", not {version!r}.')
    timeout = _expect(table, "timeout", (int, float), path)
    if timeout is not None and (isinstance(timeout, bool) or timeout <= 0):
        raise ConfigError(f"{where}: `timeout` should be a number of seconds above 0.")
    ca_bundle = _expect(table, "ca_bundle", str, path) or ""
    account_filter = (_expect(table, "account_filter", str, path) or "").strip()
    if problem := filter_problem(account_filter):
        raise ConfigError(f"{where}: `account_filter` cannot be used: {problem}.")
    return SalesforceSettings(
        instance_url=instance_url,
        domain=domain,
        api_version=version,
        ca_bundle=str(Path(ca_bundle).expanduser()) if ca_bundle else "",
        timeout=float(timeout) if timeout is not None else 30.0,
        fields=_salesforce_fields(table, path),
        health_values=_health_values(table, path),
        account_filter=account_filter,
        jwt=_jwt(table, path),
    )


def _health_values(table: Mapping[str, Any], path: Path) -> dict[str, str]:
    """`[salesforce.health_values]`: org value = "Green" | "Yellow" | "Amber" | "Red"."""
    values = _expect(table, "health_values", dict, path) or {}
    where = f"{path} [salesforce.health_values]"
    mapped: dict[str, str] = {}
    for value, colour in values.items():
        health = Health.parse(colour) if isinstance(colour, str) else None
        if health is None:
            raise ConfigError(
                f'{where}: "{value}" should map to Green, Yellow, Amber or Red, not {colour!r}.'
            )
        if not value.strip():
            raise ConfigError(f"{where}: an empty value cannot be mapped.")
        mapped[value] = health.label
    return mapped


def _jwt(table: Mapping[str, Any], path: Path) -> JwtSignIn | None:
    """`[salesforce.jwt]`: consumer_key, username, private_key_file, all three."""
    jwt = _expect(table, "jwt", dict, path)
    if jwt is None:
        return None
    where = f"{path} [salesforce.jwt]"
    keys = ("consumer_key", "username", "private_key_file")
    if unknown := sorted(set(jwt) - set(keys)):
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)} (a secret never goes in this file)."
        )
    values = {key: (_expect(jwt, key, str, path) or "").strip() for key in keys}
    if missing := [key for key in keys if not values[key]]:
        raise ConfigError(f"{where}: set {', '.join(missing)} (the JWT sign-in needs all three).")
    return JwtSignIn(
        consumer_key=values["consumer_key"],
        username=values["username"],
        private_key_file=str(Path(values["private_key_file"]).expanduser()),
    )


def _salesforce_fields(table: Mapping[str, Any], path: Path) -> dict[str, str]:
    overrides = _expect(table, "fields", dict, path) or {}
    where = f"{path} [salesforce.fields]"
    fields = dict(DEFAULT_SALESFORCE_FIELDS)
    known = [*fields, *sorted(OPTIONAL_SALESFORCE_FIELDS)]
    for key, value in overrides.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown field `{key}`; known: {', '.join(known)}.")
        if not isinstance(value, str) or not API_NAME.fullmatch(value.strip()):
            raise ConfigError(
                f'{where}: `{key}` should be a field API name such as "Health_Score__c", '
                f"not {value!r}."
            )
        fields[key] = value.strip()
    return fields


def _as_dict(settings: Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in Settings.__slots__}
