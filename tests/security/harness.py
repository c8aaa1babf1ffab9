"""Requests for the access-matrix test: one client per principal, URLs filled with world objects."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from haochaping.accounts.enums import Role
from haochaping.accounts.routes import Route
from haochaping.integration.testclient import SignedClient

PDF = b"%PDF-1.4\n" + b"0" * 64
ANONYMOUS = "anonymous"
SIGNED = "signed"
MISSING = 987654321  # an id no object has


@dataclass(frozen=True)
class Principal:
    name: str  # "handler-in", "anonymous", "signed-out" ...
    role: str  # a Role value, "anonymous" or "signed"
    side: str  # "in": the world's objects are in scope; "out": they are not; "" for anonymous


@dataclass
class Outcome:
    status: int
    body: str
    location: str


def principals() -> list[Principal]:
    found = [Principal(ANONYMOUS, ANONYMOUS, "")]
    for role in Role.values:
        found += [Principal(f"{role}-in", role, "in"), Principal(f"{role}-out", role, "out")]
    found += [Principal("signed-in", SIGNED, "in"), Principal("signed-out", SIGNED, "out")]
    return found


def clients(world: Any) -> dict[str, Any]:
    """A logged-in Django test client per user principal, a signing client per integration
    client, and a plain client for the anonymous visitor."""
    from haochaping.integration.services import integration_client_create

    made: dict[str, Any] = {ANONYMOUS: Client(headers={"accept-language": "en"})}
    for (role, side), user in world.users.items():
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        made[f"{role}-{side}"] = client
    for side, code in (("in", world.tree.chengguan.code), ("out", world.tree.damxung.code)):
        ic, secret = integration_client_create(name=f"业务系统 {side}", scope_code=code)
        made[f"signed-{side}"] = SignedClient(
            ic.app_id, secret, Client(headers={"accept-language": "en"})
        )
    return made


def _value(route: Route, param: str, world: Any) -> Any:
    o = world.objects
    key = route.key
    if param == "evidence_id":
        return o["evidence_id:appeal" if "appeal" in key else "evidence_id:rectification"]
    if param == "entry_id":
        return o["workdays_entry"] if key.startswith("workdays:") else o["entry_id:sample"]
    if param == "rectification_id" and key == "appeals:file":
        return o["rectification_id:fileable"]
    if param == "token":
        return o["token"] if key == "channels:rate" else "not-a-token"
    if param == "code":
        return o["receipt"] if key.startswith("channels:") else o["code"]
    if param == "pk":
        return o["unit_id"] if key == "public:unit" else o.get(key.split(":")[0] + "_pk", MISSING)
    if param == "fmt":
        return "csv" if key.startswith("public:") else "html"
    fixed = {
        "target": "rating",
        "object_id": o["rating_pk"],
        "action": "contact",
        "operation": "comment",
        "name": "comment",
        "job_id": "no-such-job",
        "reference": o.get("reference", "X"),
        "message_id": o.get("message_id", MISSING),
        "file_id": MISSING,
        "prompt_id": MISSING,
    }
    if param in fixed:
        return fixed[param]
    return o[param]


# What a page's form posts: a note and a reason, so a request gets past "give a reason"; some
# pages also name what they act on.
FORM = {"note": "已处理", "reason": "核实身份"}


def form(route: Route, world: Any) -> dict[str, Any]:
    extra = {
        "coverage:task": {"action": "sms"},
        "coverage:sample": {"entry": world.objects["entry_id:sample"], "outcome": "reached"},
        "coverage:visit": {
            "description": "整改",
            "unit": world.objects["unit_id"],
            "due_date": "2099-12-31",
        },
    }
    return {**FORM, **extra.get(route.key, {})}


def url(route: Route, world: Any) -> str:
    from django.urls import reverse

    values = {p: _value(route, p, world) for p in route.params}
    if route.method:
        path = route.path
        for p, v in values.items():
            path = path.replace("{" + p + "}", str(v))
        return path
    if route.key == "admin":
        return "/admin/"
    if route.key.startswith("/"):
        return route.key
    return reverse(route.key, kwargs=values)


def send(
    client: Any, method: str, path: str, body: Any = None, *, multipart: bool = False
) -> Outcome:
    """One request, its effects rolled back (each probe starts from the same world): the
    database's and the client's cookies (logging out must not log the next probe out)."""
    plain = client.client if isinstance(client, SignedClient) else client
    cookies = copy.deepcopy(plain.cookies)
    with transaction.atomic():
        if isinstance(client, SignedClient):
            response = client.request(method, path, None if method == "GET" else (body or {}))
        elif method == "GET":
            response = client.get(path)
        elif path.startswith("/api/") and not multipart:
            response = client.generic(
                method, path, json.dumps(body or {}), content_type="application/json"
            )
        else:
            response = client.post(path, body or {})
        transaction.set_rollback(True)
    plain.cookies = cookies
    content = b"" if getattr(response, "streaming", False) else response.content
    text = content.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:  # JSON escapes non-ASCII: compare identifiers in their own script
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return Outcome(response.status_code, text, response.get("Location", ""))


# --- request bodies for API operations: valid in shape, so the request reaches the access check ---

_PLAUSIBLE = {
    "note": "已处理",
    "reason": "理由充分",
    "text": "窗口排队太久",
    "reasons": "材料不全,已一次性告知",
    "description": "整改",
    "scenario": "办理户口迁移",
    "findings": "离岗",
    "name": "抽样",
    "outcome": "upheld",
    "method": "phone",
    "kind": "not_reached",
    "sentiment": "negative",
    "source": "box",
    "about": "unit",
    "satisfaction": 1,
    "strata": ["unit"],
    "perStratum": 5,
    "language": "zh-hans",
    "pf": 1,
    "assessTime": "2026-11-01 10:00:00",
}


_TYPES = {"string": str, "integer": int, "array": list, "boolean": bool}


def _fits(value: Any, schema: dict) -> bool:
    return value is not None and _TYPES.get(schema.get("type"), object) is type(value)


def _example(schema: dict, components: dict, name: str = "") -> Any:
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components, name)
    if "anyOf" in schema:
        return _example(schema["anyOf"][0], components, name)
    if "allOf" in schema:
        return _example(schema["allOf"][0], components, name)
    kind = schema.get("type")
    plausible = _PLAUSIBLE.get(name)
    if plausible is not None and _TYPES.get(kind, object) is type(plausible):
        return plausible
    if kind == "object":
        props = schema.get("properties", {})
        required = schema.get("required", [])
        return {
            k: _example(v, components, k)
            for k, v in props.items()
            if k in required or _fits(_PLAUSIBLE.get(k), v)
        }
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "boolean":
        return False
    fmt = schema.get("format", "")
    if fmt == "date-time":
        return "2026-11-01T10:00:00+08:00"
    if fmt == "date":
        return "2026-11-01"
    return "x"


def api_body(route: Route, world: Any, schema: dict) -> tuple[str, Any]:
    """("json" | "multipart", body) for an API operation; ids in the body name world objects."""
    if route.key.endswith("/callback"):  # a valid outcome, so the request reaches the checks
        return "json", {"method": "phone", "outcome": "unreachable", "note": "无人接听"}
    op = schema["paths"][route.path][route.method.lower()]
    content = op.get("requestBody", {}).get("content", {})
    components = schema.get("components", {}).get("schemas", {})
    refs = {
        "rectificationId": world.objects["rectification_id:fileable"],
        "unitId": world.objects["unit_id"],
        "projectNo": world.objects["projectNo"],
        "entryId": None,
        "hallId": None,
        "files": [SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf")],
        "records": [
            {
                "projectNo": world.objects["projectNo"],
                "pf": 1,
                "satisfaction": 5,
                "assessTime": "2026-11-01 10:00:00",
            }
        ],
    }
    for kind, media in (("json", "application/json"), ("multipart", "multipart/form-data")):
        if media in content:
            body = _example(content[media]["schema"], components)
            if isinstance(body, dict):
                for k in list(body) + [
                    k for k in refs if k in _props(content[media]["schema"], components)
                ]:
                    if k in refs:
                        body[k] = refs[k]
                body = {k: v for k, v in body.items() if v is not None}
            return kind, body
    return "json", {}


def _props(schema: dict, components: dict) -> dict:
    if "$ref" in schema:
        return _props(components[schema["$ref"].rsplit("/", 1)[1]], components)
    return schema.get("properties", {})
