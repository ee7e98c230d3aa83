"""Where the GitLab token comes from, in order, and where `auth login` keeps it.

1. GITLAB_TOKEN in the environment;
2. the user's python-gitlab config (~/.python-gitlab.cfg or PYTHON_GITLAB_CFG),
   including its `helper:` command form, for the section whose url matches;
3. glab's config, where glab (GitLab's CLI) is set up: the first of
   $GLAB_CONFIG_DIR/config.yml, ~/.config/glab-cli/config.yml,
   $XDG_CONFIG_HOME/glab-cli/config.yml and $XDG_CONFIG_DIRS/glab-cli/config.yml that
   exists (glab's own search order), its `hosts:` entry for this GitLab (by `api_host`,
   else the host name, and `api_protocol`); refused, as glab refuses it, unless only
   its owner can read it. A token glab keeps in the keyring (`use_keyring`) is not read;
4. the OS keyring, where one is usable;
5. a token file written by `triage-tui auth login` when there is no keyring:
   0600 in a 0700 directory, refused if group or world can read it.

Never from argv; never written to SQLite, logs or the screen.

Salesforce credentials (resolve_salesforce_credentials) come from the environment or
the keyring only (a password, secret or refresh token has no file fallback); a JWT
sign-in, which needs nothing secret but its private key file, may be set in the config.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from triage_tui.sync.secrets import keep_out

KEYRING_SERVICE = "triage-tui"


class CredentialError(Exception):
    """The token cannot be used safely; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Token:
    value: str = field(repr=False)
    source: str

    def __post_init__(self) -> None:
        keep_out(self.value)

    def __str__(self) -> str:
        return f"<token from {self.source}>"


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def token_file(url: str, config_dir: Path) -> Path:
    return config_dir / "tokens" / _host(url).replace(":", "_")


def _python_gitlab_files() -> list[Path]:
    """The files python-gitlab itself reads, in its order (PYTHON_GITLAB_CFG wins)."""
    override = os.environ.get("PYTHON_GITLAB_CFG")
    if override:
        return [Path(override).expanduser()]
    xdg = Path(os.environ.get("XDG_CONFIG_HOME", "~/.config")).expanduser()
    return [
        xdg / "python-gitlab" / "config",
        Path("~/.python-gitlab.cfg").expanduser(),
        Path("/etc/python-gitlab.cfg"),
    ]


def _from_python_gitlab_cfg(url: str) -> Token | None:
    import configparser

    from gitlab import config as gl_config

    for path in _python_gitlab_files():
        if not path.is_file():
            continue
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path)
        except configparser.Error as error:
            raise CredentialError(f"{path} is not a valid python-gitlab config: {error}") from error
        for section in parser.sections():
            if section == "global":
                continue
            if parser.get(section, "url", fallback="").rstrip("/") != url.rstrip("/"):
                continue
            # python-gitlab's own parser resolves `helper:` commands and token kinds.
            cfg = gl_config.GitlabConfigParser(gitlab_id=section, config_files=[str(path)])
            value = cfg.private_token or cfg.oauth_token or cfg.job_token
            if value:
                return Token(value, f"python-gitlab config [{section}]")
    return None


def _glab_files() -> list[Path]:
    """glab's config files in its search order (internal/config/config_file.go)."""
    override = os.environ.get("GLAB_CONFIG_DIR")
    if override:
        return [Path(override).expanduser() / "config.yml"]
    xdg_home = Path(os.environ.get("XDG_CONFIG_HOME") or "~/.config").expanduser()
    dirs = [d for d in (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if d]
    return [
        Path("~/.config/glab-cli/config.yml").expanduser(),
        xdg_home / "glab-cli" / "config.yml",
        *(Path(d) / "glab-cli" / "config.yml" for d in dirs),
    ]


def _scalar(text: str) -> str:
    """A YAML scalar as glab writes them: plain, 'single' or "double" quoted, or null."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    text = text.split(" #", 1)[0].strip()
    return "" if text in ("~", "null", "Null", "NULL") else text


def glab_hosts(text: str) -> dict[str, dict[str, str]]:
    """The `hosts:` section of a glab config.yml: host -> its scalar settings.

    Only the block-style mappings glab writes (yaml.v3, any indent); anything else is
    skipped, never an error: a config this cannot read simply yields no token."""
    hosts: dict[str, dict[str, str]] = {}
    in_hosts = False
    host_indent: int | None = None
    host = ""
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.lstrip()
        if not stripped or stripped.startswith(("#", "- ", "---")):
            continue
        indent = len(line) - len(stripped)
        key, colon, value = stripped.partition(":")
        if not colon:
            continue
        key = _scalar(key)
        if indent == 0:
            in_hosts, host_indent, host = key == "hosts", None, ""
            continue
        if not in_hosts:
            continue
        if host_indent is None or indent <= host_indent:
            host_indent, host = indent, key
            hosts.setdefault(host, {})
        elif host:
            hosts[host][key] = _scalar(value)
    return hosts


def _from_glab(url: str) -> Token | None:
    parts = urlsplit(url)
    netloc, hostname = parts.netloc.lower(), (parts.hostname or "").lower()
    default_port = parts.port is None
    for path in _glab_files():
        if not path.is_file():
            continue
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialError(
                f"Refusing glab's config {path}: it is readable by others (mode "
                f"{stat.S_IMODE(mode):o}); glab refuses it too. Run `chmod 600 {path}`."
            )
        try:
            hosts = glab_hosts(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None
        for name, fields in hosts.items():
            api_host = (fields.get("api_host") or name).lower()
            protocol = (fields.get("api_protocol") or "https").lower()
            names = {api_host, name.lower()}
            if protocol == parts.scheme and (
                netloc in names or (default_port and hostname in names)
            ):
                value = fields.get("token", "").strip()
                if value:
                    return Token(value, f"glab's config {path} (host {name})")
        return None  # glab reads the first config it finds, and so does this
    return None


def _from_keyring(url: str) -> Token | None:
    try:
        import keyring
        from keyring.errors import KeyringError

        value = keyring.get_password(KEYRING_SERVICE, url)
    except (ImportError, RuntimeError, KeyringError):
        return None
    except Exception:  # backends raise their own types (dbus, secretstorage): treat as absent
        return None
    return Token(value, "keyring") if value else None


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialError(
            f"Refusing the token file {path}: it is readable by others "
            f"(mode {stat.S_IMODE(mode):o}). Run `chmod 600 {path}` or `triage-tui auth login`."
        )


def _from_file(url: str, config_dir: Path) -> Token | None:
    path = token_file(url, config_dir)
    if not path.exists():
        return None
    _check_private(path)
    value = path.read_text(encoding="utf-8").strip()
    return Token(value, f"token file {path}") if value else None


def resolve_token(url: str, config_dir: Path) -> Token | None:
    env = os.environ.get("GITLAB_TOKEN", "").strip()
    if env:
        return Token(env, "GITLAB_TOKEN")
    return (
        _from_python_gitlab_cfg(url)
        or _from_glab(url)
        or _from_keyring(url)
        or _from_file(url, config_dir)
    )


def store_token(url: str, value: str, config_dir: Path) -> str:
    """Keep a token: in the keyring if one works, else a private file. Returns where."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, url, value)
        if keyring.get_password(KEYRING_SERVICE, url) == value:
            return "the OS keyring"
    except Exception:  # no usable keyring backend on this host: fall back to a file
        pass
    path = token_file(url, config_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    os.chmod(path, 0o600)
    return str(path)


# -- Salesforce ---------------------------------------------------------------------------

SALESFORCE_KEYRING_SERVICE = "triage-tui-salesforce"
_SF_PASSWORD_VARS = ("SALESFORCE_USERNAME", "SALESFORCE_PASSWORD", "SALESFORCE_SECURITY_TOKEN")
_SF_SESSION_VARS = ("SALESFORCE_INSTANCE_URL", "SALESFORCE_SESSION_ID")
_SF_OAUTH_VARS = (
    "SALESFORCE_CONSUMER_KEY",
    "SALESFORCE_CONSUMER_SECRET",
    "SALESFORCE_PRIVATE_KEY_FILE",
    "SALESFORCE_REFRESH_TOKEN",
)
#: Every variable the Salesforce credentials are read from (tests clear them all).
SALESFORCE_ENV_VARS = _SF_PASSWORD_VARS + _SF_SESSION_VARS + _SF_OAUTH_VARS

#: How to sign in. OAuth first: SOAP login() is off by default in orgs created since
#: Winter '26, gone from API version 65.0, and retired for every version in Summer '27.
JWT = "jwt"
"""OAuth 2.0 JWT bearer: consumer key + private key file + username (a shared host's sync
user; nothing secret is stored but the key file, which stays 0600)."""
CLIENT_CREDENTIALS = "client_credentials"
"""OAuth 2.0 client credentials: consumer key + secret, on the org's My Domain."""
REFRESH_TOKEN = "refresh_token"
"""A refresh token from the device flow (a person at a terminal), kept in the keyring and
turned into an access token at each sync."""
PASSWORD = "password"
"""SOAP login(): username + password + security token (old orgs only)."""
SESSION = "session"
"""A pasted session id (expires within hours)."""
FLOWS = (JWT, CLIENT_CREDENTIALS, REFRESH_TOKEN, PASSWORD, SESSION)

SOAP_RETIREMENT = (
    "SOAP login() (username, password and security token) is off by default in new orgs, "
    "gone from API version 65.0 and retired for every version in Summer '27: "
    "move to OAuth with `triage-tui auth salesforce`."
)


@dataclass(frozen=True, slots=True)
class SalesforceCredentials:
    """How to sign in to Salesforce (see FLOWS). Secrets stay out of repr and str."""

    source: str
    username: str = ""
    password: str = field(default="", repr=False)
    security_token: str = field(default="", repr=False)
    session_id: str = field(default="", repr=False)
    instance_url: str = ""
    flow: str = ""
    """One of FLOWS; "" reads as SESSION with a session id, else PASSWORD (older entries)."""
    consumer_key: str = ""
    consumer_secret: str = field(default="", repr=False)
    private_key_file: str = ""
    refresh_token: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        secrets = (self.password, self.security_token, self.session_id, self.consumer_secret)
        keep_out(*secrets, self.refresh_token)

    @property
    def kind(self) -> str:
        """The flow, one of FLOWS."""
        if self.flow:
            return self.flow
        return SESSION if self.session_id else PASSWORD

    @property
    def uses_session(self) -> bool:
        """A fixed session id: nothing can sign in again when it expires."""
        return self.kind == SESSION

    def __str__(self) -> str:
        kind = {
            JWT: f"JWT bearer for {self.username}",
            CLIENT_CREDENTIALS: "client credentials",
            REFRESH_TOKEN: "refresh token",
            SESSION: "session id",
        }.get(self.kind, f"login for {self.username}")
        return f"<Salesforce {kind} from {self.source}>"


def _missing(env: dict[str, str | None], *names: str) -> list[str]:
    return [name for name in names if not (env.get(name) or "").strip()]


def _oauth_from_env(env: dict[str, str | None]) -> SalesforceCredentials | None:
    """JWT (a private key file), a refresh token, or client credentials (a secret), in
    that order, whenever SALESFORCE_CONSUMER_KEY or one of them is set."""
    key, secret, key_file, refresh = (env[n] for n in _SF_OAUTH_VARS)
    if not any((key, secret, key_file, refresh)):
        return None
    needed: tuple[str, ...]
    if key_file:
        needed = ("SALESFORCE_CONSUMER_KEY", "SALESFORCE_PRIVATE_KEY_FILE", "SALESFORCE_USERNAME")
        flow = JWT
    elif refresh:
        needed = ("SALESFORCE_CONSUMER_KEY", "SALESFORCE_REFRESH_TOKEN")
        flow = REFRESH_TOKEN
    else:
        needed = ("SALESFORCE_CONSUMER_KEY", "SALESFORCE_CONSUMER_SECRET")
        flow = CLIENT_CREDENTIALS
    if missing := _missing(env, *needed):
        raise CredentialError(
            f"{', '.join(missing)} not set: Salesforce's {flow.replace('_', ' ')} sign-in "
            f"needs {', '.join(needed)}."
        )
    return SalesforceCredentials(
        "environment",
        flow=flow,
        username=(env["SALESFORCE_USERNAME"] or "").strip() if flow == JWT else "",
        consumer_key=(key or "").strip(),
        consumer_secret=(secret or "").strip(),
        private_key_file=str(Path(key_file).expanduser()) if key_file else "",
        refresh_token=(refresh or "").strip(),
        instance_url=(env["SALESFORCE_INSTANCE_URL"] or "").strip().rstrip("/"),
    )


def salesforce_from_env() -> SalesforceCredentials | None:
    """Credentials from SALESFORCE_* variables (see SALESFORCE_ENV_VARS), or None."""
    env = {name: os.environ.get(name) for name in SALESFORCE_ENV_VARS}
    oauth = _oauth_from_env(env)
    if oauth is not None:
        return oauth
    username, password, token = (env[name] for name in _SF_PASSWORD_VARS)
    if username or password:
        # The token may be set and empty: an org that trusts the caller's IP range needs none.
        missing = [n for n in _SF_PASSWORD_VARS[:2] if not (env[n] or "").strip()]
        if token is None:
            missing.append(_SF_PASSWORD_VARS[2])
        if missing:
            raise CredentialError(
                f"{', '.join(missing)} not set: Salesforce needs {', '.join(_SF_PASSWORD_VARS)} "
                "together (the token may be empty when your IP range is trusted)."
            )
        return SalesforceCredentials(
            "environment",
            username=(username or "").strip(),
            password=password or "",
            security_token=(token or "").strip(),
        )
    instance_url, session_id = (env[name] for name in _SF_SESSION_VARS)
    if (session_id or "").strip():
        if not (instance_url or "").strip().startswith("https://"):
            raise CredentialError(
                "SALESFORCE_SESSION_ID needs SALESFORCE_INSTANCE_URL, the org's https:// URL."
            )
        return SalesforceCredentials(
            "environment",
            session_id=(session_id or "").strip(),
            instance_url=(instance_url or "").strip().rstrip("/"),
        )
    return None


#: The keyring entry's keys (a JSON object): the dataclass's fields but `source`.
_STORED = (
    "flow",
    "username",
    "password",
    "security_token",
    "session_id",
    "instance_url",
    "consumer_key",
    "consumer_secret",
    "private_key_file",
    "refresh_token",
)


def _usable(credentials: SalesforceCredentials) -> bool:
    c = credentials
    return {
        JWT: bool(c.consumer_key and c.private_key_file and c.username),
        CLIENT_CREDENTIALS: bool(c.consumer_key and c.consumer_secret),
        REFRESH_TOKEN: bool(c.consumer_key and c.refresh_token),
        PASSWORD: bool(c.username and c.password),
        SESSION: bool(c.session_id),
    }.get(c.kind, False)


def _salesforce_from_keyring(key: str) -> SalesforceCredentials | None:
    """A JSON object (see _STORED; an entry from before OAuth has no "flow") kept under
    the service triage-tui-salesforce, keyed by instance URL."""
    import json

    try:
        import keyring

        raw = keyring.get_password(SALESFORCE_KEYRING_SERVICE, key)
    except Exception:  # no usable backend (dbus, secretstorage, ...): treat as absent
        return None
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if (
        not isinstance(data, dict)
        or not all(isinstance(v, str) for v in data.values())
        or data.get("flow", "") not in ("", *FLOWS)
    ):
        raise CredentialError(
            f"The keyring entry {SALESFORCE_KEYRING_SERVICE} / {key} is not usable: "
            "store it again with `triage-tui auth salesforce`."
        )
    credentials = SalesforceCredentials("keyring", **{k: data.get(k, "") for k in _STORED})
    return credentials if _usable(credentials) else None


def resolve_salesforce_credentials(instance_url: str = "") -> SalesforceCredentials | None:
    """The Salesforce credentials, in order: the environment, then the OS keyring (under the
    instance URL, else "default"). None when there are none: Salesforce sync stays off.
    Never from argv; never written to the cache, logs or the screen. (A JWT sign-in set in
    the config file's [salesforce.jwt] is read by the caller, which has the settings.)"""
    found = salesforce_from_env()
    if found is not None:
        return found
    keys = [k for k in (instance_url.rstrip("/"), "default") if k]
    return next((c for k in keys if (c := _salesforce_from_keyring(k)) is not None), None)


def store_salesforce_credentials(
    credentials: SalesforceCredentials, instance_url: str = ""
) -> None:
    """Keep credentials in the OS keyring (there is no file fallback for a password, a
    secret or a refresh token). Raises CredentialError when no keyring is usable."""
    import json

    fields = {k: getattr(credentials, k) for k in _STORED}
    fields["flow"] = credentials.kind
    value = json.dumps({k: v for k, v in fields.items() if v})
    key = instance_url.rstrip("/") or "default"
    try:
        import keyring

        keyring.set_password(SALESFORCE_KEYRING_SERVICE, key, value)
        stored = keyring.get_password(SALESFORCE_KEYRING_SERVICE, key) == value
    except Exception as error:  # backends raise their own types
        raise CredentialError(f"No usable OS keyring ({type(error).__name__}).") from None
    if not stored:
        raise CredentialError("The OS keyring did not keep the Salesforce credentials.")


def check_private_key_file(path: str) -> None:
    """The JWT flow's private key: a readable file that only its owner can read (like a
    token file); CredentialError saying what to do otherwise."""
    key = Path(path).expanduser()
    if not key.is_file():
        raise CredentialError(
            f"The private key file {key} does not exist: set private_key_file under "
            "[salesforce.jwt] (or SALESFORCE_PRIVATE_KEY_FILE) to the key whose certificate "
            "the connected app holds."
        )
    mode = key.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CredentialError(
            f"Refusing the private key file {key}: it is readable by others "
            f"(mode {stat.S_IMODE(mode):o}). Run `chmod 600 {key}`."
        )
