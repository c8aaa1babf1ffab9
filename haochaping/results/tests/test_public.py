"""The public site: no login, bo and zh-hans, cache headers, open data, typical cases."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from haochaping.core.exceptions import InvalidInput
from haochaping.results.models import TypicalCase
from haochaping.results.services import typical_case_save

pytestmark = pytest.mark.django_db
OCT = "grain=month&period=2026-10"


@pytest.fixture
def typical(dataset):
    return typical_case_save(
        kind="bad",
        unit=dataset.tree.police,
        title="身份证办理差评整改",
        body="群众反映等候时间长，窗口增设专人引导。",
        title_bo="ཐོབ་ཐང་ལག་ཁྱེར་གྱི་དཔེ་མཚོན།",
        body_bo="བོད་ཡིག་གི་ནང་དོན།",
        period=dt.date(2026, 10, 20),
        published=True,
    )


def test_home_in_chinese_by_default(client, dataset):
    response = client.get(f"/public/?{OCT}")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "政务服务好差评结果公开" in html
    assert "Set-Cookie" not in str(response.headers) and "sessionid" not in response.cookies


def test_home_in_tibetan(client, dataset):
    response = client.get(f"/public/?lang=bo&{OCT}")
    html = response.content.decode()
    assert response["Content-Language"] == "bo"
    assert '<html lang="bo">' in html
    assert "གཞུང་ཞབས་ཞུའི་བསམ་འཆར་གྲུབ་འབྲས་ཁྱབ་བསྒྲགས།" in html


def test_cache_headers_etag_and_304(client, dataset):
    first = client.get(f"/public/rankings/?{OCT}")
    assert first["Cache-Control"] == "public, max-age=600"
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) == 34
    again = client.get(f"/public/rankings/?{OCT}", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    other = client.get(f"/public/rankings/?lang=bo&{OCT}", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200


def test_rankings_show_units_with_too_little_data(client, dataset):
    html = client.get(f"/public/rankings/?{OCT}").content.decode()
    assert "数据不足" in html
    assert dataset.tree.police.name in html


def test_resolution_page_counts(client, dataset):
    html = client.get(f"/public/resolution/?{OCT}").content.decode()
    assert "收到差评：2" in html
    assert dataset.tree.police.name in html and dataset.tree.cg_police.name in html


def test_unit_page_in_both_languages(client, dataset):
    url = f"/public/units/{dataset.tree.police.pk}/?{OCT}"
    zh = client.get(url).content.decode()
    assert 'data-figure="ratings">5<' in zh and 'data-figure="good_rate">40.0%<' in zh
    bo = client.get(url + "&lang=bo").content.decode()
    assert 'data-figure="ratings">5<' in bo
    assert client.get("/public/units/999999/").status_code == 404


def test_typical_cases_published_only_and_localised(client, typical, dataset):
    hidden = typical_case_save(
        kind="good",
        unit=dataset.tree.police,
        title="未发布",
        body="草稿",
        period=dt.date(2026, 10, 1),
    )
    listing = client.get("/public/cases/").content.decode()
    assert "身份证办理差评整改" in listing and "未发布" not in listing
    assert client.get(f"/public/cases/{hidden.pk}/").status_code == 404
    bo = client.get(f"/public/cases/{typical.pk}/?lang=bo").content.decode()
    assert "ཐོབ་ཐང་ལག་ཁྱེར་གྱི་དཔེ་མཚོན།" in bo and "བོད་ཡིག་གི་ནང་དོན།" in bo


def test_typical_case_refuses_identifying_text(dataset):
    with pytest.raises(InvalidInput) as exc:
        typical_case_save(
            kind="bad",
            unit=dataset.tree.police,
            title="案例",
            body="联系人 13912345678，身份证 540102199005170012",
            period=dt.date(2026, 10, 1),
        )
    assert exc.value.extra == {
        "errors": {
            "body": ["The text contains an ID number.", "The text contains a mobile number."]
        }
    }
    assert not TypicalCase.objects.exists()


def test_open_data_csv_and_json(client, dataset):
    tree = dataset.tree
    response = client.get(f"/public/data/units.csv?{OCT}")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="units-month-2026-10.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    police = next(r for r in rows if r["unit_credit_code"] == tree.police.credit_code)
    assert police["ratings"] == "5" and police["good_rate"] == "0.4"
    assert police["bad_reviews_received"] == "1"
    bureau = next(r for r in rows if r["unit_credit_code"] == tree.bureau.credit_code)
    assert bureau["ratings"] == "0" and bureau["good_rate"] == ""
    data = json.loads(client.get(f"/public/data/units.json?{OCT}").content)
    assert data["period"] == "2026-10"
    cg = next(r for r in data["rows"] if r["unit_credit_code"] == tree.cg_police.credit_code)
    assert (cg["ratings"], cg["very_dissatisfied"], cg["bad_rate"]) == (3, 1, 0.333333)
    ranking = json.loads(client.get(f"/public/data/ranking.json?{OCT}").content)
    assert ranking["min_ratings"] == 30
    assert all(r["rank"] is None for r in ranking["rows"])
    assert client.get(f"/public/data/units.xml?{OCT}").status_code == 404


def test_public_rejects_unknown_grain_and_post(client, dataset):
    response = client.get("/public/rankings/?grain=day&period=2026-10-01")
    assert response.status_code == 422
    assert "未知的周期类型。" in response.content.decode()
    assert client.post("/public/").status_code == 405


def test_public_default_period_is_last_complete_month(client, dataset):
    html = client.get("/public/rankings/").content.decode()
    assert 'name="period" value="2026-10"' in html


def test_public_query_count(client, dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        client.get(f"/public/?{OCT}")
    with django_assert_max_num_queries(6):
        client.get(f"/public/data/units.json?{OCT}")
