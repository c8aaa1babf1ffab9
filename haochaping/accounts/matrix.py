"""The authorization matrix: who may use each page and API operation, on which objects.

One rule per page URL name and per API operation (``METHOD /api/v1/path``), as listed by
:mod:`haochaping.accounts.routes`. The rules are enforced by the views through the access helpers
(:mod:`haochaping.accounts.access` and the apps' selectors), not read from here at run time: this
module is the written contract that ``docs/security.md`` shows (``haochaping access-matrix``
prints it) and that the access-matrix test (``tests/security``) checks against real requests,
for every role, with objects inside and outside the user's scope.

Scope: a user's scope is a region subtree or a unit subtree (:mod:`haochaping.accounts.access`).
An object outside it answers 404, exactly like an object that does not exist; a role that may
not use an operation at all gets 403; a visitor who is not logged in is sent to the login page
(pages) or gets 401 (API).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from haochaping.accounts.enums import Role


class Access(StrEnum):
    PUBLIC = "public"  # anyone, no login
    TOKEN = "token"  # noqa: S105 - anyone holding the secret in the URL (a single-use link, a receipt code)
    DEVICE = "device"  # a paired rating tablet (its bearer token)
    SIGNED = "signed"  # an integration client's HMAC signature; objects within the client's scope
    STAFF = "staff"  # a logged-in user of one of the roles; objects within the user's scope
    OWN = "own"  # any logged-in user, on their own records only
    SITE_ADMIN = "site-admin"  # the Django admin site: superusers only
    NETWORK = "network"  # clients on the allow-listed networks, or holding the metrics token


# How an object named in the URL (or in the body) is scoped.
SCOPES: dict[str, str] = {
    "case": "the case's unit",
    "rating": "receipt code: the citizen's own rating",
    "rectification": "the rated unit",
    "appeal": "rated unit; reviewer: the reviewing (or further-reviewing) unit; window staff: "
    "only appeals about their own service",
    "task": "the case's unit",
    "comment": "the unit commented on",
    "sample": "the sample's unit (city-wide samples: every reader; entries filtered by unit)",
    "visit": "the visited unit",
    "review": "the rated unit",
    "unit": "the unit",
    "identity": "the object's unit (target rating here; task, comment, sample entry alike)",
    "region": "the region subtree",
    "device": "the window's unit",
    "window": "the window's unit (integration client)",
    "notification": "the recipient only",
    "report": "city-wide (reports cover the whole city)",
    "calendar": "city-wide (the working-day calendar)",
    "job": "system-wide",
    "message": "system-wide (the provincial outbox)",
}

A, L, H, W, R, S, LD = (
    Role.ADMIN,
    Role.LIAISON,
    Role.HANDLER,
    Role.WINDOW_STAFF,
    Role.REVIEWER,
    Role.SUPERVISOR,
    Role.LEADER,
)
ALL = (A, L, H, W, R, S, LD)


@dataclass(frozen=True)
class Rule:
    access: Access
    roles: frozenset[Role] = frozenset()
    methods: tuple[str, ...] = ("GET",)
    scope: str = ""  # a SCOPES key: the object in the URL (or body) and how it is scoped
    lists: str = ""  # a SCOPES key: the page lists such objects, filtered by scope
    note: str = ""
    clients: bool = False  # integration clients may use it too (signed, within their scope)
    writers: frozenset[Role] | None = None  # roles that may POST, when not the same as ``roles``
    empty_for_others: bool = False  # other roles get 200 with an empty list, not 403

    def roles_for(self, method: str) -> frozenset[Role]:
        if method != "GET" and self.writers is not None:
            return self.writers
        return self.roles


def staff(
    *roles: Role,
    methods: str = "GET",
    scope: str = "",
    lists: str = "",
    note: str = "",
    post: tuple[Role, ...] | None = None,
) -> Rule:
    """``post``: the roles that may POST, when fewer than those that may GET."""
    return Rule(
        Access.STAFF,
        frozenset(roles),
        tuple(methods.split()),
        scope,
        lists,
        note,
        writers=None if post is None else frozenset(post),
    )


def public(methods: str = "GET", note: str = "") -> Rule:
    return Rule(Access.PUBLIC, methods=tuple(methods.split()), note=note)


def token(methods: str = "GET", scope: str = "", note: str = "") -> Rule:
    return Rule(Access.TOKEN, methods=tuple(methods.split()), scope=scope, note=note)


def signed(methods: str = "GET", scope: str = "", lists: str = "", note: str = "") -> Rule:
    return Rule(Access.SIGNED, methods=tuple(methods.split()), scope=scope, lists=lists, note=note)


def device(methods: str = "GET", note: str = "") -> Rule:
    return Rule(Access.DEVICE, methods=tuple(methods.split()), note=note)


def own(methods: str = "GET", scope: str = "", note: str = "") -> Rule:
    return Rule(Access.OWN, frozenset(ALL), tuple(methods.split()), scope, note=note)


RECT_READ = (A, L, H, R, S, LD)
DASHBOARD = (A, L, H, R, S, LD)
TASK_READ = (A, L, H, W, S, LD)
TASK_WORK = (A, L, H, W)
COMMENT_READ = (A, L, H, S, LD)
COMMENT_CLERK = (A, L)
SUPERVISION_READ = (A, L, S, LD)
SUPERVISION = (A, L, S)
APPEAL_READ = (A, L, H, W, R, S, LD)
BUREAU = (A, L)

_API = "/api/v1"

MATRIX: dict[str, Rule] = {
    # --- site, accounts, language ---
    "core:home": public("GET POST"),
    "core:healthz": public("GET POST", note="liveness probe, no data"),
    "core:metrics": Rule(
        Access.NETWORK, note="Prometheus scrape; HAOCHAPING_METRICS_ALLOW (loopback) or token"
    ),
    "accounts:login": public("GET POST"),
    "accounts:verify": public("GET POST", note="second step of a login in progress"),
    "accounts:enrol": public("GET POST", note="TOTP enrolment of a login in progress"),
    "accounts:logout": public("POST"),
    "set_language": public("GET POST"),
    "/admin/login/": public("GET POST", note="redirects to the login (second factor)"),
    "admin": Rule(
        Access.SITE_ADMIN,
        methods=("GET", "POST"),
        note="Django admin, superusers only; no role grants it",
    ),
    "api-v1:openapi-json": public("GET POST", note="the API description"),
    "api-v1:openapi-view": public("GET POST", note="the API description"),
    "api-v1:api-root": public("GET POST", note="answers 404"),
    # --- workdays (city-wide calendar) ---
    "workdays:index": staff(*BUREAU, methods="GET POST", note="calendar"),
    "workdays:entry_new": staff(*BUREAU, methods="GET POST"),
    "workdays:entry_edit": staff(*BUREAU, methods="GET POST", scope="calendar"),
    "workdays:entry_delete": staff(*BUREAU, methods="GET POST", scope="calendar"),
    "workdays:import": staff(*BUREAU, methods="GET POST"),
    "workdays:export": staff(*BUREAU, methods="GET POST"),
    "workdays:audit": staff(*BUREAU, methods="GET POST"),
    "workdays:deadline": staff(*BUREAU, methods="GET POST"),
    # --- jobs, provincial outbox (system) ---
    "jobs:dashboard": staff(A, methods="GET POST"),
    "jobs:requeue": staff(A, methods="POST", scope="job"),
    "dataout:dashboard": staff(A, methods="GET POST"),
    "dataout:retry": staff(A, methods="POST", scope="message"),
    "dataout:resend": staff(A, methods="POST", scope="message"),
    "dataout:retry_dead": staff(A, methods="POST"),
    "dataout:reconcile": staff(A, methods="POST"),
    # --- notifications ---
    "notifications:inbox": own(),
    "notifications:badge": own(),
    "notifications:read": own("POST", scope="notification"),
    "notifications:read_all": own("POST"),
    "notifications:preferences": own("GET POST"),
    # --- rating channels: citizens, tablets, staff ---
    "channels:start": public("GET POST"),
    "channels:receipt_lookup": public("GET POST"),
    "channels:receipt": token("GET POST", scope="rating", note="the receipt code is the key"),
    "channels:rate": token("GET POST", scope="case", note="single-use rating link"),
    "channels:tablet": public(note="redirects to pairing"),
    "channels:tablet_pair": public("GET POST", note="needs a pairing code"),
    "channels:tablet_sw": public(note="service worker script"),
    "channels:tablet_poll": device(),
    "channels:tablet_rate": device("POST"),
    "channels:tablet_later": device("POST"),
    "channels:index": staff(A, L, H, W, S, LD, methods="GET POST"),
    "channels:devices": staff(*BUREAU, methods="GET POST", lists="device"),
    "channels:device_revoke": staff(*BUREAU, methods="POST", scope="device"),
    "channels:device_renew": staff(*BUREAU, methods="POST", scope="device"),
    "channels:case_links": staff(A, L, H, W, methods="GET POST"),
    "channels:phone_entry": staff(*BUREAU, methods="GET POST"),
    "channels:paper_entry": staff(A, L, W, methods="GET POST"),
    "channels:entries": staff(A, L, H, W, S, LD, methods="GET POST"),
    # --- rectification ---
    "rectification:queue": staff(*RECT_READ, lists="rectification"),
    "rectification:overview": staff(*SUPERVISION_READ),
    "rectification:callbacks": staff(*SUPERVISION),
    "rectification:detail": staff(*RECT_READ, scope="rectification"),
    "rectification:act": staff(
        *RECT_READ,
        methods="POST",
        scope="rectification",
        note="each action limited by role and state; tested: contact (H)",
        post=(H,),
    ),
    "rectification:operate": staff(
        *RECT_READ,
        methods="POST",
        scope="rectification",
        note="each operation limited by role; tested: comment (L, S)",
        post=(L, S),
    ),
    "rectification:reveal": staff(
        *RECT_READ,
        methods="POST",
        scope="rectification",
        note="reason required, logged",
        post=(L, H),
    ),
    "rectification:evidence": staff(*RECT_READ, scope="rectification"),
    "rectification:self_rating": token(
        "GET POST", scope="rectification", note="single-use self-rating link"
    ),
    # --- appeals ---
    "appeals:queue": staff(*APPEAL_READ, lists="appeal"),
    "appeals:notices": staff(W, lists="rectification"),
    "appeals:further": staff(A, L, R),
    "appeals:figures": staff(A, L, R, S, LD),
    "appeals:file": staff(H, W, methods="GET POST", scope="rectification"),
    "appeals:detail": staff(*APPEAL_READ, scope="appeal"),
    "appeals:decide": staff(R, methods="POST", scope="appeal"),
    "appeals:request_further": staff(H, W, methods="POST", scope="appeal"),
    "appeals:decide_further": staff(L, R, methods="POST", scope="appeal"),
    "appeals:evidence": staff(*APPEAL_READ, scope="appeal"),
    # --- results (internal dashboards) and public site ---
    "results:overview": staff(*DASHBOARD, methods="GET POST"),
    "results:region": staff(*DASHBOARD, methods="GET POST", scope="region"),
    "results:unit": staff(*DASHBOARD, methods="GET POST", scope="unit"),
    "results:rankings": staff(*DASHBOARD, methods="GET POST"),
    "results:ratings": staff(*DASHBOARD, methods="GET POST"),
    "public:home": public(),
    "public:rankings": public(),
    "public:resolution": public(),
    "public:cases": public(),
    "public:case": public(note="published typical cases only"),
    "public:unit": public(note="published aggregates only"),
    "public:data": public(),
    "public:data-units": public(),
    "public:data-ranking": public(),
    # --- coverage ---
    "coverage:index": staff(*TASK_READ),
    "coverage:tasks": staff(*TASK_READ, lists="task"),
    "coverage:task": staff(*TASK_READ, methods="GET POST", scope="task", post=TASK_WORK),
    "coverage:comments": staff(
        *COMMENT_READ,
        methods="GET POST",
        lists="comment",
        note="POST registers",
        post=COMMENT_CLERK,
    ),
    "coverage:comment": staff(
        *COMMENT_READ,
        methods="GET POST",
        scope="comment",
        note="POST classifies",
        post=COMMENT_CLERK,
    ),
    "coverage:samples": staff(
        *SUPERVISION_READ, methods="GET POST", lists="sample", note="POST draws", post=SUPERVISION
    ),
    "coverage:sample": staff(
        *SUPERVISION_READ,
        methods="GET POST",
        scope="sample",
        note="POST records an interview",
        post=SUPERVISION,
    ),
    "coverage:visits": staff(
        *SUPERVISION_READ,
        methods="GET POST",
        lists="visit",
        note="POST records a visit",
        post=SUPERVISION,
    ),
    "coverage:visit": staff(
        *SUPERVISION_READ,
        methods="GET POST",
        scope="visit",
        note="POST adds a follow-up",
        post=SUPERVISION,
    ),
    "coverage_public:form": public("GET POST"),
    "coverage_public:thanks": token(note="the comment's reference"),
    # --- reports ---
    "reports:index": staff(A, L, S, LD, methods="GET POST"),
    "reports:generate": staff(*BUREAU, methods="POST"),
    "reports:detail": staff(A, L, S, LD, methods="GET POST", scope="report"),
    "reports:preview": staff(*BUREAU, methods="GET POST", scope="report"),
    "reports:action": staff(*BUREAU, methods="POST", scope="report"),
    "reports:download": staff(A, L, S, LD, methods="GET POST", scope="report"),
    "public_reports:list": public("GET POST"),
    "public_reports:download": public("GET POST", note="published reports only"),
    # --- integrity ---
    "integrity:index": staff(
        *SUPERVISION_READ, note="the review queue for liaison and admin; others: unit view"
    ),
    "integrity:review": staff(*BUREAU, scope="review"),
    "integrity:confirm": staff(*BUREAU, methods="POST", scope="review"),
    "integrity:clear": staff(*BUREAU, methods="POST", scope="review"),
    "integrity:checks": staff(*SUPERVISION_READ),
    "integrity:units": staff(*SUPERVISION_READ),
    "integrity:unit": staff(*SUPERVISION_READ, scope="unit"),
    # --- privacy (identity reveals) and the public audit chain ---
    "privacy:reveal": staff(
        A,
        L,
        H,
        S,
        methods="POST",
        scope="identity",
        note="roles per target: rating, comment H L S A; task W H L A; "
        "sample entry L S A; reason required, every reveal logged",
    ),
    "privacy:reveal_log": staff(A, S),
    "public-audit:heads": public(note="daily chain heads"),
    "public-audit:heads-json": public(note="daily chain heads"),
    # --- API: meta, integration (signed) ---
    f"GET {_API}/meta": public(),
    f"GET {_API}/org/units": signed(note="the catalogue of units"),
    f"GET {_API}/catalog/items": signed(note="the catalogue of service items"),
    f"GET {_API}/catalog/content": signed(note="the rating content version"),
    f"POST {_API}/cases": signed("POST", scope="case"),
    f"GET {_API}/cases/{{projectNo}}": signed(scope="case"),
    f"POST {_API}/cases/{{projectNo}}/rating-link": signed("POST", scope="case"),
    f"POST {_API}/ratings": signed("POST", scope="case"),
    f"POST {_API}/ratings/batch": signed("POST", scope="case"),
    f"GET {_API}/ratings/{{receipt}}": token(scope="rating"),
    f"POST {_API}/windows/{{window}}/prompt": signed("POST", scope="window"),
    # --- API: rectification ---
    f"GET {_API}/rectifications": Rule(
        Access.STAFF,
        frozenset(RECT_READ),
        ("GET",),
        lists="rectification",
        clients=True,
        note="other roles: an empty list",
        empty_for_others=True,
    ),
    f"GET {_API}/rectifications/overview": staff(*DASHBOARD),
    f"GET {_API}/rectifications/callback-queue": staff(*SUPERVISION),
    f"GET {_API}/rectifications/callback-rate": staff(*DASHBOARD),
    f"GET {_API}/rectifications/{{rectification_id}}": Rule(
        Access.STAFF, frozenset(RECT_READ), ("GET",), scope="rectification", clients=True
    ),
    f"GET {_API}/rectifications/{{rectification_id}}/evidence/{{evidence_id}}": staff(
        *RECT_READ, scope="rectification"
    ),
    **{
        f"POST {_API}/rectifications/{{rectification_id}}/{action}": staff(
            *roles, methods="POST", scope="rectification"
        )
        for action, roles in {
            "contact": (H,),
            "fix-at-once": (H,),
            "start": (H,),
            "mark-complex": (H,),
            "explain": (H,),
            "feedback": (H,),
            "accept-feedback": (L,),
            "return": (L,),
            "callback": (L,),
            "supervision-close": (S,),
            "supervision-return": (S,),
            "withdraw": (A, R),
            "pause": (A, R),
            "resume": (A, R),
            "urge": (L, S),
            "comment": (L, S),
            "spot-check": (S,),
            "reveal-contact": (L, H),
            "invite-self-rating": (L,),
            "evidence": (H, L, S),
        }.items()
    },
    # --- API: appeals ---
    f"GET {_API}/appeals": staff(*APPEAL_READ, lists="appeal"),
    f"POST {_API}/appeals": staff(H, W, methods="POST", scope="rectification"),
    f"GET {_API}/appeals/notices": staff(W),
    f"GET {_API}/appeals/figures": staff(A, L, R, S, LD),
    f"GET {_API}/appeals/{{appeal_id}}": staff(*APPEAL_READ, scope="appeal"),
    f"GET {_API}/appeals/{{appeal_id}}/evidence/{{evidence_id}}": staff(
        *APPEAL_READ, scope="appeal"
    ),
    f"POST {_API}/appeals/{{appeal_id}}/decide": staff(R, methods="POST", scope="appeal"),
    f"POST {_API}/appeals/{{appeal_id}}/further-review": staff(
        H, W, methods="POST", scope="appeal"
    ),
    f"POST {_API}/appeals/{{appeal_id}}/further-review/decide": staff(
        L, R, methods="POST", scope="appeal"
    ),
    # --- API: coverage ---
    f"GET {_API}/coverage/online-rating-rate": staff(*TASK_READ),
    f"GET {_API}/coverage/supplementary-completion": staff(*TASK_READ),
    f"GET {_API}/coverage/tasks": staff(*TASK_READ, lists="task"),
    f"GET {_API}/coverage/tasks/{{task_id}}": staff(*TASK_READ, scope="task"),
    f"POST {_API}/coverage/tasks/{{task_id}}/sms": staff(*TASK_WORK, methods="POST", scope="task"),
    f"POST {_API}/coverage/tasks/{{task_id}}/phone-answer": staff(
        *TASK_WORK, methods="POST", scope="task"
    ),
    f"POST {_API}/coverage/tasks/{{task_id}}/attempt": staff(
        *TASK_WORK, methods="POST", scope="task"
    ),
    f"GET {_API}/coverage/comments": staff(*COMMENT_READ, lists="comment"),
    f"POST {_API}/coverage/comments": staff(*COMMENT_CLERK, methods="POST", scope="unit"),
    f"GET {_API}/coverage/comments/counts": staff(*COMMENT_READ),
    f"GET {_API}/coverage/comments/{{comment_id}}": staff(*COMMENT_READ, scope="comment"),
    f"POST {_API}/coverage/comments/{{comment_id}}/classify": staff(
        *COMMENT_CLERK, methods="POST", scope="comment"
    ),
    f"GET {_API}/coverage/samples": staff(*SUPERVISION_READ, lists="sample"),
    f"POST {_API}/coverage/samples": staff(*SUPERVISION, methods="POST", scope="unit"),
    f"GET {_API}/coverage/samples/{{sample_id}}": staff(*SUPERVISION_READ, scope="sample"),
    f"GET {_API}/coverage/samples/{{sample_id}}/reproduces": staff(
        *SUPERVISION_READ, scope="sample"
    ),
    f"POST {_API}/coverage/samples/{{sample_id}}/entries/{{entry_id}}/interview": staff(
        *SUPERVISION, methods="POST", scope="sample"
    ),
    f"GET {_API}/coverage/interview-mismatches": staff(*SUPERVISION_READ),
    f"GET {_API}/coverage/visits": staff(*SUPERVISION_READ, lists="visit"),
    f"POST {_API}/coverage/visits": staff(*SUPERVISION, methods="POST", scope="unit"),
    f"POST {_API}/coverage/visits/{{visit_id}}/follow-ups": staff(
        *SUPERVISION, methods="POST", scope="visit"
    ),
    f"POST {_API}/coverage/follow-ups/{{action_id}}/done": staff(
        *SUPERVISION, methods="POST", scope="visit"
    ),
}

ROLE_ORDER = ALL


def _who(rule: Rule) -> str:
    if rule.access == Access.STAFF:
        who = ", ".join(str(r.value) for r in ROLE_ORDER if r in rule.roles)
        if rule.writers is not None:
            who += "; POST: " + ", ".join(str(r.value) for r in ROLE_ORDER if r in rule.writers)
        return who + ("; integration client (HMAC)" if rule.clients else "")
    return {
        Access.PUBLIC: "anyone",
        Access.TOKEN: "holder of the link or code",
        Access.DEVICE: "paired tablet",
        Access.SIGNED: "integration client (HMAC)",
        Access.OWN: "any logged-in user (own records)",
        Access.SITE_ADMIN: "superusers",
        Access.NETWORK: "allow-listed networks (metrics token)",
    }[rule.access]


def as_markdown() -> str:
    """The matrix as the Markdown table in docs/security.md."""
    lines = [
        "| Operation | Methods | Who | Object scope | Note |",
        "|---|---|---|---|---|",
    ]
    for key in sorted(MATRIX):
        rule = MATRIX[key]
        scope = SCOPES.get(rule.scope, "")
        if rule.lists:
            scope = (scope + "; " if scope else "") + f"lists {rule.lists}s in scope only"
        lines.append(
            f"| `{key}` | {' '.join(rule.methods)} | {_who(rule)} | {scope} | {rule.note} |"
        )
    return "\n".join(lines) + "\n"
