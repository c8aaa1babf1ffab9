"""The HTTP API at /api/v1/ (django-ninja). Each app contributes one Router, mounted here.

Errors: every ApplicationError becomes ``{"code", "message", "extra"}`` with its HTTP status;
request validation errors become 422 ``invalid_input`` with per-field messages.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError as NinjaValidationError

import haochaping
from haochaping.core.exceptions import ApplicationError, InvalidInput

api = NinjaAPI(
    title="haochaping API",
    version="1",
    description=(
        "Government-service good/bad review (好差评) API. Field names follow the national-style "
        "rating record (projectNo, taskCode, satisfaction ...)."
    ),
    urls_namespace="api-v1",
)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        errors.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", "invalid"))
    body = InvalidInput(extra={"errors": errors}).as_dict()
    return api.create_response(request, body, status=422)


class MetaOut(Schema):
    name: str
    version: str


@api.get("/meta", response=MetaOut, tags=["meta"], auth=None)
def meta(request: HttpRequest) -> dict[str, str]:
    """Name and version of this server."""
    return {"name": "haochaping", "version": haochaping.__version__}


# --- ratings and integration (issue 5) ---
from haochaping.integration.api import bench_endpoints_enabled, bench_router  # noqa: E402
from haochaping.integration.api import router as integration_router  # noqa: E402
from haochaping.ratings.api import router as ratings_router  # noqa: E402

api.add_router("", integration_router)
api.add_router("", ratings_router)
if bench_endpoints_enabled():  # the benchmark's baseline endpoint, never on by default
    api.add_router("", bench_router)

from ninja.errors import HttpError  # noqa: E402

from haochaping.integration.exceptions import MalformedBody  # noqa: E402


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja raises HttpError(400) for a body that is not JSON: answer in our error shape."""
    if exc.status_code == 400:
        return _application_error(request, MalformedBody())
    return api.create_response(
        request, {"detail": str(exc)}, status=exc.status_code
    )  # ninja's default


from haochaping.rectification.api import router as rectification_router  # noqa: E402

api.add_router("/rectifications", rectification_router)

from haochaping.channels.api import router as channels_router  # noqa: E402

api.add_router("", channels_router)

from haochaping.appeals.api import router as appeals_router  # noqa: E402

api.add_router("/appeals", appeals_router)

from haochaping.coverage.api import router as coverage_router  # noqa: E402

api.add_router("", coverage_router)
