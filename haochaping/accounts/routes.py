"""Every page URL pattern and every API operation of the project, as matrix keys.

Pages are keyed by their URL name (``namespace:name``; an unnamed fixed URL by its path), API
operations by ``METHOD /path`` as in
the OpenAPI schema. The access matrix (:mod:`haochaping.accounts.matrix`) must classify each key;
the access-matrix test fails on a key the matrix does not know.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

API_NAMESPACE = "api-v1"
API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Route:
    key: str  # "rectification:detail" or "POST /api/v1/appeals/{appeal_id}"
    path: str  # the pattern ("rectification/<int:rectification_id>/") or the API path
    params: tuple[str, ...]  # URL keyword arguments, in order
    method: str = ""  # API operations only


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else (p.name or "")
            yield name, prefix + str(p.pattern), tuple(p.pattern.regex.groupindex)


def page_routes() -> list[Route]:
    """Every URL pattern except the API's operations (listed by :func:`api_routes`) and the
    Django admin's (one key, ``admin``: the admin site is for superusers only)."""
    routes: dict[str, Route] = {}
    for name, path, params in _walk(get_resolver()):
        if name.startswith("admin:"):
            name, path, params = "admin", "admin/", ()
        elif name.startswith(f"{API_NAMESPACE}:") and name not in (
            f"{API_NAMESPACE}:openapi-json",
            f"{API_NAMESPACE}:openapi-view",
            f"{API_NAMESPACE}:api-root",
        ):
            continue
        if not name:
            if params:
                raise AssertionError(f"URL pattern {path!r} takes arguments but has no name")
            name = "/" + path  # an unnamed fixed URL is keyed by its path
        if name in routes and name != "admin" and routes[name].path != path:
            raise AssertionError(f"URL name {name!r} is used twice ({routes[name].path}, {path})")
        routes.setdefault(name, Route(key=name, path=path, params=params))
    return sorted(routes.values(), key=lambda r: r.key)


def api_routes() -> list[Route]:
    from haochaping.api import api

    schema = api.get_openapi_schema(path_prefix=API_PREFIX)
    routes = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            params = tuple(p["name"] for p in op.get("parameters", []) if p.get("in") == "path")
            key = f"{method.upper()} {path}"
            routes.append(Route(key=key, path=path, params=params, method=method.upper()))
    return sorted(routes, key=lambda r: r.key)


def all_routes() -> list[Route]:
    return page_routes() + api_routes()
