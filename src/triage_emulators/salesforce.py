"""A Salesforce REST emulator on 127.0.0.1 over real HTTPS, for tests and manual runs.

It speaks what the unmodified simple-salesforce client sends, faithfully enough
to run its own code paths: the SOAP username/password login (sessionId and
serverUrl in the envelope, a SOAP fault for a wrong password), Bearer session
ids with Salesforce's 401 body, SOQL queries over Account with paging through
nextRecordsUrl, sobject GET and PATCH with If-Unmodified-Since (412), JSON-array
error bodies, and the Sforce-Limit-Info header. TLS uses a certificate from a
throwaway CA made at start with trustme: `ca_pem_path` is what a client trusts,
so tests prove certificate verification is on rather than switching it off.
Faults (latency, 403 REQUEST_LIMIT_EXCEEDED, 5xx, dropped connections) can be
scheduled so tests prove retries and plain error messages.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from triage_emulators.salesforce_oauth import OAuthServer, form_of
from triage_emulators.soql import (
    USER_FIELDS,
    Relation,
    SoqlError,
    parse_soql,
    run_query,
    typed,
)
from triage_emulators.stamps import parse_stamp, stamp
from triage_tui.demo_data import demo_account_id

__all__ = [
    "Fault",
    "Relation",
    "SalesforceEmulator",
    "SoqlError",
    "demo_account_id",
    "demo_accounts",
    "parse_soql",
    "parse_stamp",
    "stamp",
]

JSON = dict[str, Any]
API_LIMIT = 15_000
ORG_ID = "00D000000000001EAA"
HEALTH_VALUES = ("Green", "Yellow", "Amber", "Red")
REGIONS = ("US-WEST", "US-EAST", "EMEA", "APAC", "LATAM")

#: The Account fields this org has (API name -> SOQL type), as the handbook's org names them.
FIELD_TYPES: dict[str, str] = {
    "Id": "id",
    "Name": "string",
    "Type": "picklist",
    "Health_Score__c": "picklist",
    "Health_Score_Date__c": "date",
    "Health_Score_Reasons__c": "textarea",
    "Next_Renewal_Date__c": "date",
    "ARR__c": "double",
    "Region__c": "picklist",
    "Account_Owner__c": "string",
    "TAM__c": "string",
    "OwnerId": "reference",
    "LastModifiedDate": "datetime",
}
READ_ONLY = frozenset({"Id", "LastModifiedDate"})
#: Text fields' lengths, in characters. Salesforce refuses a longer value (API 15.0 and
#: later: STRING_TOO_LONG, see AllowFieldTruncationHeader in the SOAP API guide) instead
#: of cutting it. Health_Score_Reasons__c is a Long Text Area of the default 32,768.
FIELD_LENGTHS: dict[str, int] = {
    "Name": 255,
    "Health_Score_Reasons__c": 32_768,
    "Account_Owner__c": 255,
    "TAM__c": 255,
}

#: What describe calls each type (the emulator's types are describe's own names).
_LABELS = {"Id": "Account ID", "Name": "Account Name", "OwnerId": "Owner ID"}

_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("MALFORMED_QUERY", "emulated malformed request"),
    401: ("INVALID_SESSION_ID", "Session expired or invalid"),
    403: ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
    404: ("NOT_FOUND", "The requested resource does not exist"),
    412: ("PRECONDITION_FAILED", "The requested resource has been modified."),
    500: ("UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId."),
}


@dataclass
class Fault:
    """Answer the next `times` requests matching `method` and `path` (a regex) with
    `status` and Salesforce's error body for it (or drop the connection when status is
    0), after `delay` seconds. Status 200 only delays: the real answer follows. Status -1
    handles the request and then drops the connection instead of answering: a write that
    landed and whose answer was lost."""

    method: str
    path: str
    status: int
    times: int = 1
    delay: float = 0.0
    error_code: str = ""
    message: str = ""
    retry_after: int | None = None


# -- the emulator ------------------------------------------------------------------------------


class SalesforceEmulator:
    """Start with `with SalesforceEmulator.from_demo(today) as emu:`; then `emu.url`,
    `emu.instance`, `emu.ca_pem_path`, `emu.username` / `emu.password` /
    `emu.security_token` for the SOAP login, or `emu.session_id` for a session."""

    def __init__(
        self,
        accounts: dict[str, JSON] | None = None,
        *,
        username: str = "tam@example.com",
        password: str = "correct-horse-battery",
        security_token: str = "EMUTOKEN123",
    ) -> None:
        self.accounts: dict[str, JSON] = accounts if accounts is not None else {}
        """Id -> record (API names as keys): state a test reads and changes directly."""
        self.schema: dict[str, str] = dict(FIELD_TYPES)
        self.picklists: dict[str, tuple[str, ...]] = {"Health_Score__c": HEALTH_VALUES}
        """Restricted picklists: a write of any other value gets Salesforce's 400."""
        self.lengths: dict[str, int] = dict(FIELD_LENGTHS)
        """Text fields' lengths: a longer value gets Salesforce's 400 STRING_TOO_LONG."""
        self.open_picklists: dict[str, tuple[str, ...]] = {
            "Region__c": REGIONS,
            "Type": ("Customer", "Prospect", "Partner", "Other"),
        }
        """Unrestricted picklists: describe lists these values; any value can be written."""
        self.picklist_labels: dict[str, dict[str, str]] = {}
        """Field -> API value -> label, where a picklist's labels differ from its values."""
        self.field_meta: dict[str, JSON] = {}
        """Describe's properties that differ from a plain field's, e.g. a formula:
        {"calculated": True, "updateable": False, "calculatedFormula": "..."}. A field
        that is not updateable refuses writes, as Salesforce does."""
        self.relations: dict[str, Relation] = {
            "Owner": Relation("OwnerId", "User", dict(USER_FIELDS))
        }
        """Relationship name -> lookup, for `Owner.Name` in SOQL (see make_lookup)."""
        self.objects: dict[str, dict[str, JSON]] = {"User": {}}
        """Other records, by sobject and id: the Users accounts point at."""
        self.username, self.password, self.security_token = username, password, security_token
        self.users: dict[str, str] = {username: password + security_token}
        """Username -> password followed by security token, as the SOAP login sends them."""
        self.user_ids: dict[str, str] = {}
        """Username -> User record id, for every user who can sign in."""
        self._new_user(username, "Emulated TAM")
        self._own_accounts()
        self.soap_login_enabled = True
        """The org's "Enable SOAP API login()" (off in orgs created in Winter '26 or later)."""
        self.sessions: set[str] = set()
        self.session_id = self.new_session()
        self.oauth = OAuthServer(
            instance_url=lambda: self.url,
            new_session=self._locked_session,
            user_id=self.user_ids.get,
        )
        """The OAuth 2.0 token endpoint: register connected apps here (`register_app`)."""
        self.page_size = 2000
        self.api_usage = 0
        self.api_limit = API_LIMIT
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.requests: list[tuple[str, str]] = []
        self.queries: list[str] = []
        """Every SOQL text received, as sent."""
        self.writes: list[tuple[str, JSON, str]] = []
        """Every PATCH applied: (id, body, If-Unmodified-Since or "")."""
        self.logins: list[str] = []
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.lock = threading.Lock()
        self._cursors: dict[str, list[JSON]] = {}
        self.server: ThreadingHTTPServer | None = None
        self.ssl_context: ssl.SSLContext | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    @classmethod
    def from_demo(
        cls, today: date, count: int = 300, seed: int = 11, **kwargs: Any
    ) -> SalesforceEmulator:
        """Accounts behind the demo GitLab project (same seed day and count), with the
        differences the weekly ER call looks for; see demo_accounts."""
        return cls({a["Id"]: a for a in demo_accounts(today, count, seed)}, **kwargs)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> SalesforceEmulator:
        try:
            import trustme
        except ImportError as error:  # a dev extra: the wheel does not depend on it
            raise RuntimeError(
                "The Salesforce emulator needs trustme (pip install trustme)."
            ) from error
        ca = trustme.CA()
        self._tmp = tempfile.TemporaryDirectory(prefix="sf-emulator-")
        ca.cert_pem.write_to_path(str(Path(self._tmp.name) / "ca.pem"))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.ssl_context = context
        emulator = self

        class Handler(_Handler):
            emu = emulator

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll interval: stop() (shutdown) waits up to one interval.
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self._tmp:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SalesforceEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def instance(self) -> str:
        """ "127.0.0.1:PORT", what simple-salesforce calls the instance (sf_instance)."""
        assert self.server is not None, "start the emulator first"
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"https://{self.instance}"

    @property
    def ca_pem_path(self) -> str:
        """The test CA's certificate (PEM): the file a client puts in its verify/ca_bundle."""
        assert self._tmp is not None, "start the emulator first"
        return str(Path(self._tmp.name) / "ca.pem")

    # -- state a test drives ------------------------------------------------------------------

    def new_session(self) -> str:
        session = f"{ORG_ID[:15]}!AQ{secrets.token_urlsafe(32)}"
        self.sessions.add(session)
        return session

    def _locked_session(self) -> str:
        with self.lock:
            return self.new_session()

    def add_user(self, username: str, password: str = "", security_token: str = "") -> str:
        """Another user of the org (for the OAuth flows, or the SOAP login); their id."""
        with self.lock:
            if password:
                self.users[username] = password + security_token
            return self._new_user(username, username.split("@", 1)[0])

    def _new_user(self, username: str, name: str) -> str:
        users = self.objects["User"]
        user_id = f"005{len(users) + 1:012d}AAA"
        users[user_id] = {"Id": user_id, "Name": name, "Username": username, "Email": username}
        self.user_ids[username] = user_id
        return user_id

    def _user_named(self, name: str) -> str:
        """The id of the User with this name (one made for it when there is none)."""
        for user in self.objects["User"].values():
            if user["Name"] == name:
                return str(user["Id"])
        slug = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") or "user"
        return self._new_user(f"{slug}@example.com", name)

    def _own_accounts(self) -> None:
        """Every account has an owner, as in Salesforce: the User named in
        Account_Owner__c (the handbook org's text copy of it), else the first user."""
        for record in self.accounts.values():
            if record.get("OwnerId") is None:
                name = record.get("Account_Owner__c")
                record["OwnerId"] = (
                    self._user_named(name)
                    if isinstance(name, str) and name
                    else "005000000000001AAA"
                )

    def make_lookup(self, field: str, relationship: str, target: str = "User") -> None:
        """This org's `field` (a text field holding a person's name, e.g. TAM__c) is a
        lookup to a User instead, read as `relationship.Name` (e.g. TAM__r.Name)."""
        with self.lock:
            for record in self.accounts.values():
                name = record.get(field)
                record[field] = self._user_named(name) if isinstance(name, str) and name else None
            self.schema[field] = "reference"
            self.relations[relationship] = Relation(field, target, dict(USER_FIELDS))

    def describe(self, sobject: str) -> JSON | None:
        """GET /sobjects/{sobject}/describe: the fields, with what describe says of each."""
        if sobject == "User":
            schema, relations = USER_FIELDS, {}
        elif sobject == "Account":
            schema = self.schema
            relations = {r.field: (name, r.target) for name, r in self.relations.items()}
        else:
            return None
        fields = []
        for name, kind in schema.items():
            values = self.picklists.get(name) or self.open_picklists.get(name) or ()
            labels = self.picklist_labels.get(name, {})
            relationship, target = relations.get(name, (None, None))
            described: JSON = {
                "name": name,
                "label": _LABELS.get(name, name.removesuffix("__c").replace("_", " ")),
                "type": kind,
                "custom": name.endswith("__c"),
                "calculated": False,
                "calculatedFormula": None,
                "updateable": name not in READ_ONLY and kind != "id",
                "createable": name not in READ_ONLY and kind != "id",
                "nillable": name not in READ_ONLY,
                "picklistValues": [
                    {
                        "active": True,
                        "defaultValue": False,
                        "label": labels.get(value, value),
                        "validFor": None,
                        "value": value,
                    }
                    for value in values
                ],
                "restrictedPicklist": name in self.picklists,
                "referenceTo": [target] if target else [],
                "relationshipName": relationship,
                **(self.field_meta.get(name, {}) if sobject == "Account" else {}),
            }
            fields.append(described)
        return {"name": sobject, "label": sobject, "updateable": True, "fields": fields}

    def value_of(self, record: JSON, path: str) -> Any:
        """A field of an account, following one relationship (`Owner.Name`)."""
        if "." not in path:
            return record.get(path)
        relationship, _, name = path.partition(".")
        relation = self.relations[relationship]
        target = self.objects.get(relation.target, {}).get(str(record.get(relation.field)))
        return target.get(name) if target is not None else None

    def expire_sessions(self) -> None:
        """Every session id stops working (as after a timeout or a password reset)."""
        with self.lock:
            self.sessions.clear()

    def account(self, account_id: str) -> JSON:
        with self.lock:
            return dict(self.accounts[account_id])

    def _bump(self, record: JSON) -> None:
        """LastModifiedDate moves on by at least a second: If-Unmodified-Since has whole
        seconds, so two changes in one second would otherwise look like none."""
        previous = parse_stamp(str(record.get("LastModifiedDate") or "")) or datetime.min.replace(
            tzinfo=UTC
        )
        now = self.clock().astimezone(UTC).replace(microsecond=0)
        record["LastModifiedDate"] = stamp(max(now, previous + timedelta(seconds=1)))

    def touch(self, account_id: str, **fields: Any) -> JSON:
        """Change an account as a person in Salesforce would (bumps LastModifiedDate)."""
        with self.lock:
            record = self.accounts[account_id]
            record.update(fields)
            self._bump(record)
            return dict(record)

    def rename_field(self, old: str, new: str) -> None:
        """This org calls a field differently (e.g. Customer_Health__c): schema and data."""
        with self.lock:
            self.schema[new] = self.schema.pop(old)
            for table in (self.picklists, self.open_picklists):
                if old in table:
                    table[new] = table.pop(old)
            if old in self.picklist_labels:
                self.picklist_labels[new] = self.picklist_labels.pop(old)
            if old in self.field_meta:
                self.field_meta[new] = self.field_meta.pop(old)
            if old in self.lengths:
                self.lengths[new] = self.lengths.pop(old)
            for record in self.accounts.values():
                record[new] = record.pop(old, None)

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and re.search(fault.path, path) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    # -- what the REST handlers call (under no lock: they take it) ----------------------------

    def query(self, soql: str, version: str, batch: int) -> JSON:
        with self.lock:
            self.queries.append(soql)
            query = parse_soql(soql, self.schema, self.relations)
            rows = run_query(query, list(self.accounts.values()), self.value_of)
            records = [self._project(r, query.fields, version) for r in rows]
            locator = f"01g{secrets.token_hex(6).upper()}AAA"
            self._cursors[locator] = records
        return self.page(locator, 0, version, batch)

    def page(self, locator: str, offset: int, version: str, batch: int) -> JSON:
        with self.lock:
            records = self._cursors.get(locator)
        if records is None:
            raise SoqlError("INVALID_QUERY_LOCATOR", "invalid query locator")
        end = offset + batch
        body: JSON = {"totalSize": len(records), "done": end >= len(records)}
        if end < len(records):
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
        body["records"] = records[offset:end]
        return body

    def _project(self, record: JSON, fields: list[str], version: str) -> JSON:
        """A record as the REST API returns it: a relationship's fields nested in an object
        with its own attributes ({"Owner": {"attributes": ..., "Name": ...}}), or null."""
        projected: JSON = {
            "attributes": {
                "type": "Account",
                "url": f"/services/data/v{version}/sobjects/Account/{record.get('Id')}",
            }
        }
        for name in fields:
            if "." not in name:
                projected[name] = record.get(name)
                continue
            relationship, _, sub = name.partition(".")
            relation = self.relations[relationship]
            target_id = record.get(relation.field)
            target = self.objects.get(relation.target, {}).get(str(target_id))
            if target is None:
                projected[relationship] = None
                continue
            nested = projected.get(relationship) or {
                "attributes": {
                    "type": relation.target,
                    "url": f"/services/data/v{version}/sobjects/{relation.target}/{target_id}",
                }
            }
            nested[sub] = target.get(sub)
            projected[relationship] = nested
        return projected

    def record(self, account_id: str, version: str) -> JSON | None:
        with self.lock:
            record = self.accounts.get(account_id)
            return self._project(record, list(self.schema), version) if record else None


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # handshakes refused by untrusting clients, clients that gave up: expected


def _error(code: str, message: str, fields: list[str] | None = None) -> list[JSON]:
    body: JSON = {"message": message, "errorCode": code}
    if fields is not None:
        body["fields"] = fields
    return [body]


class _Handler(BaseHTTPRequestHandler):
    emu: SalesforceEmulator
    protocol_version = "HTTP/1.1"  # keep-alive, as Salesforce: requests reuses connections

    def setup(self) -> None:
        # The TLS handshake happens here, in the connection's own thread, so a client that
        # stalls or refuses the certificate never blocks the accept loop.
        assert self.emu.ssl_context is not None
        self.request.settimeout(30)
        self.request = self.emu.ssl_context.wrap_socket(self.request, server_side=True)
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read emu.requests instead

    def _send(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json;charset=UTF-8",
        *,
        limit_info: bool = True,
    ) -> None:
        """Answer; `limit_info`: with Sforce-Limit-Info (every REST API answer; not the
        sign-in endpoints, whose calls count toward the login rate, not the API limit)."""
        if getattr(self, "_lose_answer", False):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        data = (
            b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
        )
        self.send_response(status)
        if limit_info:
            self.send_header(
                "Sforce-Limit-Info", f"api-usage={self.emu.api_usage}/{self.emu.api_limit}"
            )
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if status != 204:
            self.wfile.write(data)

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        # Read the body before any early answer: bytes left unread on a keep-alive
        # connection would be parsed as the next request.
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.emu.requests.append((method, parts.path))
        if self.emu.latency:
            time.sleep(self.emu.latency)
        fault = self.emu.take_fault(method, parts.path)
        self._lose_answer = fault is not None and fault.status == -1
        if fault and not self._lose_answer:
            time.sleep(fault.delay)
            if fault.status == 0:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.status != 200:
                self._fault(fault)
                return
        if method == "POST" and re.fullmatch(r"/services/Soap/u/\d+\.\d/?", parts.path):
            self._login(raw, parts.path.rstrip("/").rsplit("/", 1)[1])
            return
        if method == "POST" and parts.path.rstrip("/") == "/services/oauth2/token":
            auth, host = self.headers.get("Authorization") or "", self.headers.get("Host") or ""
            status, answer = self.emu.oauth.token(form_of(raw), auth, host)
            self._send(status, answer, limit_info=False)
            return
        if not self._authorized():
            self._send(401, _error("INVALID_SESSION_ID", "Session expired or invalid"))
            return
        with self.emu.lock:
            self.emu.api_usage += 1
            over = self.emu.api_usage > self.emu.api_limit
        if over:
            self._send(403, _error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
            return
        match = re.fullmatch(r"/services/data/v(\d+\.\d)/(.*)", parts.path)
        if not match:
            self._send(404, _error("NOT_FOUND", "The requested resource does not exist"))
            return
        try:
            self._route(method, match.group(1), match.group(2), parse_qs(parts.query), raw)
        except SoqlError as error:
            self._send(400, _error(error.code, error.message))

    do_GET = lambda self: self._handle("GET")  # noqa: E731
    do_POST = lambda self: self._handle("POST")  # noqa: E731
    do_PATCH = lambda self: self._handle("PATCH")  # noqa: E731
    do_DELETE = lambda self: self._handle("DELETE")  # noqa: E731

    def _fault(self, fault: Fault) -> None:
        code, message = _STATUS_ERRORS.get(
            fault.status, ("SERVER_UNAVAILABLE", "Server temporarily unavailable")
        )
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        body = _error(fault.error_code or code, fault.message or message)
        self._send(fault.status, body, headers)

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization") or ""
        scheme, _, session = auth.partition(" ")
        return scheme in ("Bearer", "OAuth") and session.strip() in self.emu.sessions

    # -- SOAP login ---------------------------------------------------------------------------

    def _login(self, raw: bytes, version: str) -> None:
        try:
            root = ElementTree.fromstring(raw)
        except ElementTree.ParseError:
            self._soap_fault("INVALID_LOGIN", "Invalid username, password, security token.")
            return
        values = {el.tag.rsplit("}", 1)[-1]: (el.text or "") for el in root.iter()}
        username, password = values.get("username", ""), values.get("password", "")
        self.emu.logins.append(username)
        if float(version) >= 65.0:
            # "login() remains available in API version 64.0 and earlier" (SOAP API
            # Developer Guide, login()); the fault is the one clients report at 65.0
            # (forcedotcom/wsc#363).
            self._soap_fault(
                "INVALID_OPERATION",
                f"The SOAP Login operation is not available in the API version specified "
                f"({version}). Refer to the documentation for supported versions.",
            )
            return
        if not self.emu.soap_login_enabled:
            # "It is disabled by default for orgs created in Winter '26 and later" (login()
            # docs); the fault as clients report it (OpenFn/adaptors#1715).
            self._soap_fault(
                "INVALID_OPERATION",
                "SOAP API login() is disabled by default in this org. Contact the org "
                "administrator to enable SOAP API login().",
            )
            return
        if not username or self.emu.users.get(username) != password:
            self._soap_fault(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
            return
        with self.emu.lock:
            session = self.emu.new_session()
        host = self.emu.instance
        body = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<soapenv:Body><loginResponse><result>\
<metadataServerUrl>https://{host}/services/Soap/m/{version}/{ORG_ID[:15]}</metadataServerUrl>\
<passwordExpired>false</passwordExpired><sandbox>false</sandbox>\
<serverUrl>https://{host}/services/Soap/u/{version}/{ORG_ID[:15]}</serverUrl>\
<sessionId>{escape(session)}</sessionId><userId>005000000000001AAA</userId>\
<userInfo><organizationId>{ORG_ID}</organizationId>\
<userName>{escape(username)}</userName></userInfo>\
</result></loginResponse></soapenv:Body></soapenv:Envelope>"""
        self._send(200, body.encode(), content_type="text/xml;charset=UTF-8", limit_info=False)

    def _soap_fault(self, code: str, message: str) -> None:
        body = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode>\
<faultstring>{code}: {escape(message)}</faultstring><detail>\
<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>\
<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:LoginFault>\
</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"""
        self._send(500, body.encode(), content_type="text/xml;charset=UTF-8", limit_info=False)

    # -- REST ---------------------------------------------------------------------------------

    def _batch(self) -> int:
        options = self.headers.get("Sforce-Query-Options") or ""
        match = re.search(r"batchSize=(\d+)", options)
        size = int(match.group(1)) if match else self.emu.page_size
        return max(1, min(size, self.emu.page_size))

    def _route(
        self, method: str, version: str, rest: str, query: dict[str, list[str]], raw: bytes
    ) -> None:
        rest = rest.rstrip("/")
        if rest in ("query", "queryAll") and method == "GET":
            soql = (query.get("q") or [""])[-1]
            self._send(200, self.emu.query(soql, version, self._batch()))
        elif (m := re.fullmatch(r"query(?:All)?/(01g\w+)-(\d+)", rest)) and method == "GET":
            self._send(200, self.emu.page(m.group(1), int(m.group(2)), version, self._batch()))
        elif (m := re.fullmatch(r"sobjects/(\w+)/describe", rest)) and method == "GET":
            described = self.emu.describe(m.group(1))
            if described is None:
                self._send(404, _error("NOT_FOUND", "The requested resource does not exist"))
            else:
                self._send(200, described)
        elif (m := re.fullmatch(r"sobjects/Account/(\w+)", rest)) and method == "GET":
            record = self.emu.record(m.group(1), version)
            if record is None:
                self._send(404, _error("NOT_FOUND", "The requested resource does not exist"))
            else:
                self._send(200, record)
        elif (m := re.fullmatch(r"sobjects/Account/(\w+)", rest)) and method == "PATCH":
            self._patch(m.group(1), raw)
        else:
            self._send(404, _error("NOT_FOUND", "The requested resource does not exist"))

    def _patch(self, account_id: str, raw: bytes) -> None:
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, _error("JSON_PARSER_ERROR", "Unexpected character in the body"))
            return
        if not isinstance(body, dict):
            self._send(400, _error("JSON_PARSER_ERROR", "Expected a JSON object"))
            return
        if problem := self._invalid(body):
            self._send(400, _error(*problem))
            return
        if too_long := self._too_long(body):
            self._send(400, too_long)
            return
        since_text = self.headers.get("If-Unmodified-Since") or ""
        with self.emu.lock:
            record = self.emu.accounts.get(account_id)
            if record is None:
                self._send(404, _error("NOT_FOUND", "The requested resource does not exist"))
                return
            modified = parse_stamp(str(record.get("LastModifiedDate") or ""))
            since = _http_date(since_text)
            if since and modified and modified.replace(microsecond=0) > since:
                self._send(
                    412,
                    _error(
                        "PRECONDITION_FAILED",
                        "The requested resource has been modified since the time specified "
                        "in the If-Unmodified-Since header.",
                    ),
                )
                return
            record.update(body)
            self.emu._bump(record)
            self.emu.writes.append((account_id, dict(body), since_text))
        self._send(204)

    def _invalid(self, body: JSON) -> tuple[str, str] | None:
        """Salesforce's 400 for a field it does not have, cannot write, or a value of the
        wrong kind; None when the body can be applied."""
        for name, value in body.items():
            kind = self.emu.schema.get(name)
            if kind is None:
                return "INVALID_FIELD", f"No such column '{name}' on sobject of type Account"
            meta = self.emu.field_meta.get(name, {})
            if name in READ_ONLY or meta.get("updateable") is False or meta.get("calculated"):
                return (
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {name}. Please check the security "
                    "settings of this field and verify that it is read/write for your profile "
                    "or permission set.",
                )
            if value is None:
                continue
            allowed = self.emu.picklists.get(name)
            if allowed is not None and value not in allowed:
                return (
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{name}: bad value for restricted picklist field: {value}",
                )
            if kind == "date" and typed(value, "date") is None:
                return (
                    "JSON_PARSER_ERROR",
                    f"Cannot deserialize instance of date from VALUE_STRING value {value}",
                )
            if kind == "double" and (isinstance(value, bool) or not isinstance(value, int | float)):
                return "JSON_PARSER_ERROR", f"Cannot deserialize instance of double from {value}"
        return None

    def _too_long(self, body: JSON) -> list[JSON] | None:
        """Salesforce's 400 for text longer than its field: nothing of the write is applied,
        and the message names the field by its label and the length it allows."""
        for name, value in body.items():
            limit = self.emu.lengths.get(name)
            if isinstance(value, str) and limit is not None and len(value) > limit:
                message = f"{_label(name)}: data value too large: {value} (max length={limit})"
                return _error("STRING_TOO_LONG", message, [name])
        return None


def _label(api_name: str) -> str:
    """A custom field's label as Salesforce makes it by default ("Health Score Reasons")."""
    return api_name.removesuffix("__c").replace("_", " ")


def _http_date(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- demo data ---------------------------------------------------------------------------------


def demo_accounts(today: date, count: int = 300, seed: int = 11) -> list[JSON]:
    """The demo project's Salesforce accounts (see triage_tui.demo_data.salesforce_accounts)."""
    from triage_tui.demo_data import generate, salesforce_accounts

    return salesforce_accounts(generate(today, count=count), today, seed)
