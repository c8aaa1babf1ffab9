"""SMS: the HTTP gateway against a real server on loopback, the file and log backends, the log."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine

from haochaping.notifications.enums import SmsStatus
from haochaping.notifications.models import SmsMessage
from haochaping.notifications.services import sms_deliver, sms_outbox_drain, sms_queue
from haochaping.notifications.sms import mask_phone

pytestmark = pytest.mark.django_db
SECRET = "gateway-shared-secret"


class Gateway:
    """A tiny SMS gateway: records each request, answers with a message id (or an error)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_next = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                if gateway.fail_next:
                    gateway.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b"busy")
                    return
                answer = json.dumps({"code": 0, "msgId": f"gw-{len(gateway.requests)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    gw = Gateway()
    settings.HAOCHAPING_SMS = {
        "BACKEND": "http",
        "HTTP": {
            "URL": gw.url,
            "BODY": {
                "account": "lhasa-hcp",
                "mobile": "{phone}",
                "content": "{text}",
                "msgId": "{message_id}",
            },
            "SIGNATURE": {
                "SECRET": SECRET,
                "HEADER": "X-Hcp-Signature",
                "TIMESTAMP_HEADER": "X-Hcp-Timestamp",
            },
            "RESPONSE_ID_FIELD": "msgId",
            "TIMEOUT": 5,
        },
        "RATE_LIMITS": [(60, 2)],
        "MAX_ATTEMPTS": 2,
    }
    yield gw
    gw.close()


def test_an_sms_goes_through_the_http_gateway_signed_and_is_logged_masked(
    gateway, django_capture_on_commit_callbacks
):
    # given an SMS queued in Tibetan for a citizen
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = sms_queue(
            phone="13912345678",
            message="rating.invite",
            language="bo",
            params={"project_no": "540100-00000042", "url": "https://hcp.example/r/abc"},
        )
    assert len(callbacks) == 1  # delivery is enqueued when the transaction commits
    # when it is delivered
    sent = sms_deliver(sms_id=row.pk)
    # then the gateway got the configured body
    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request["path"] == "/sms/send"
    assert json.loads(request["body"]) == {
        "account": "lhasa-hcp",
        "mobile": "13912345678",
        "msgId": str(row.pk),
        "content": "ཁྱེད་ཀྱིས་ལས་དོན་ 540100-00000042 ཐོག་ཐོབ་པའི་ཞབས་ཞུར་དཔྱད་བརྗོད་གནང་རོགས། https://hcp.example/r/abc",
    }
    assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    # signed: HMAC-SHA256 over "<timestamp>.<exact body>"
    timestamp = request["headers"]["X-Hcp-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256
    ).hexdigest()
    assert request["headers"]["X-Hcp-Signature"] == expected
    # and the log keeps the masked number only
    assert (sent.status, sent.provider_id, sent.backend) == (SmsStatus.SENT, "gw-1", "http")
    assert sent.phone == ""
    assert sent.phone_masked == "139****5678"
    assert "13912345678" not in json.dumps(list(SmsMessage.objects.values()), default=str)
    # delivering again does nothing
    assert sms_deliver(sms_id=row.pk) is None
    assert len(gateway.requests) == 1


def test_a_refusing_gateway_is_retried_then_the_sms_fails(gateway):
    from haochaping.notifications.services import SmsRetryLater

    gateway.fail_next = 5
    row = sms_queue(
        phone="13912345678", message="digest.daily", params={"count": 3}, language="zh-hans"
    )
    with pytest.raises(SmsRetryLater, match="gateway answered HTTP 503"):
        sms_deliver(sms_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.phone) == (SmsStatus.PENDING, 1, "13912345678")
    final = sms_deliver(sms_id=row.pk)
    assert (final.status, final.attempts, final.phone) == (SmsStatus.FAILED, 2, "")
    assert final.error == "gateway answered HTTP 503: b'busy'"


def test_the_delivery_job_retries_through_the_worker_policy(gateway):
    from haochaping.jobs.retry import policy_for
    from haochaping.notifications.tasks import deliver_sms

    assert policy_for(deliver_sms).max_attempts == 3
    row = sms_queue(
        phone="13912345678", message="digest.daily", params={"count": 3}, language="zh-hans"
    )
    assert deliver_sms.call(row.pk) == SmsStatus.SENT
    assert json.loads(gateway.requests[0]["body"])["content"] == "您在好差评系统中有 3 条未读消息。"


def test_rate_limit_per_recipient_logs_but_does_not_send(gateway):
    with time_machine.travel("2026-11-30 09:00:00+08:00", tick=False):
        first = sms_queue(
            phone="13912345678", message="digest.daily", params={"count": 1}, language="zh-hans"
        )
        second = sms_queue(
            phone="13912345678", message="digest.daily", params={"count": 2}, language="zh-hans"
        )
        third = sms_queue(
            phone="13912345678", message="digest.daily", params={"count": 3}, language="zh-hans"
        )
        other = sms_queue(
            phone="13700000000", message="digest.daily", params={"count": 4}, language="zh-hans"
        )
    assert [r.status for r in (first, second, third, other)] == [
        SmsStatus.PENDING,
        SmsStatus.PENDING,
        SmsStatus.RATE_LIMITED,
        SmsStatus.PENDING,
    ]
    assert third.phone == "" and third.phone_masked == "139****5678"
    assert sms_deliver(sms_id=third.pk) is None
    with time_machine.travel("2026-11-30 09:01:01+08:00", tick=False):
        later = sms_queue(
            phone="13912345678", message="digest.daily", params={"count": 5}, language="zh-hans"
        )
    assert later.status == SmsStatus.PENDING


def test_file_backend_writes_json_lines(settings, tmp_path):
    settings.HAOCHAPING_SMS = {"BACKEND": "file", "FILE_PATH": str(tmp_path / "sms.jsonl")}
    row = sms_queue(
        phone="13912345678",
        message="callback.invite",
        language="zh-hans",
        params={"project_no": "540100-1", "url": "https://hcp.example/c/1"},
    )
    sms_deliver(sms_id=row.pk)
    lines = (tmp_path / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "id": row.pk,
            "phone": "13912345678",
            "text": "您对办件 540100-1 的评价已处理完毕，请告诉我们您是否满意：https://hcp.example/c/1",
        }
    ]


def test_log_backend_logs_the_masked_number_only(settings, caplog):
    settings.HAOCHAPING_SMS = {"BACKEND": "log"}
    caplog.set_level("INFO", logger="haochaping.notifications.sms")
    row = sms_queue(
        phone="13912345678", message="digest.daily", params={"count": 1}, language="zh-hans"
    )
    sent = sms_deliver(sms_id=row.pk)
    assert sent.provider_id == f"log-{row.pk}"
    assert f"SMS {row.pk} to 139****5678: 您在好差评系统中有 1 条未读消息。" in caplog.text
    assert "13912345678" not in caplog.text


def test_the_drain_re_enqueues_stuck_and_lost_sms(settings, django_capture_on_commit_callbacks):
    settings.HAOCHAPING_SMS = {"BACKEND": "log"}
    from django_tasks_db.models import DBTaskResult

    with time_machine.travel("2026-11-30 09:00:00+08:00", tick=False):
        lost = sms_queue(
            phone="13912345678", message="digest.daily", params={"count": 1}, language="zh-hans"
        )
        stuck = sms_queue(
            phone="13700000000", message="digest.daily", params={"count": 1}, language="zh-hans"
        )
        SmsMessage.objects.filter(pk=stuck.pk).update(
            status=SmsStatus.SENDING, attempts=1, last_attempt_at=stuck.created_at
        )
    with time_machine.travel("2026-11-30 09:04:00+08:00", tick=False):
        assert sms_outbox_drain() == 0
    with time_machine.travel("2026-11-30 09:06:00+08:00", tick=False):
        assert sms_outbox_drain() == 2
    jobs = DBTaskResult.objects.filter(task_path="haochaping.notifications.tasks.deliver_sms")
    assert sorted(j.args_kwargs["args"][0] for j in jobs) == sorted([lost.pk, stuck.pk])
    assert SmsMessage.objects.get(pk=stuck.pk).status == SmsStatus.PENDING


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13800000001", "138****0001"), ("+86 139 1234 5678", "861******5678"), ("12345", "*****")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_holds_when_two_transactions_queue_at_once(settings):
    import threading
    import time

    from django.db import connection, transaction

    settings.HAOCHAPING_SMS = {"BACKEND": "log", "RATE_LIMITS": [(60, 1)]}
    barrier = threading.Barrier(2)
    statuses: list[str] = []

    def queue(count: int) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                row = sms_queue(
                    phone="13912345678",
                    message="digest.daily",
                    params={"count": count},
                    language="zh-hans",
                )
                time.sleep(0.5)  # keep the transaction open while the other one tries
            statuses.append(row.status)
        finally:
            connection.close()

    threads = [threading.Thread(target=queue, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [SmsStatus.PENDING, SmsStatus.RATE_LIMITED]
    assert SmsMessage.objects.filter(status=SmsStatus.PENDING).count() == 1
