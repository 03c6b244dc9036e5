"""Low findings of the API review: inputs that gave 500s now give 4xx naming the field, and lose nothing."""

from __future__ import annotations

import json

import pytest

SCRAPED = (
    "name,headline,location,followers,connections,about,time_spent,content,content_links,media_type,"
    "media_url,num_hashtags,hashtag_followers,hashtags,reactions,comments,views,votes,repost\n"
)


@pytest.fixture
def headers(user_factory, auth_headers):
    return auth_headers(user_factory())


def test_a_year_9999_schedule_is_422(client, headers):
    draft = client.post(
        "/api/content/drafts", headers=headers, json={"platform": "x", "content": "Hi"}
    ).json()
    answer = client.post(
        "/api/content/schedule",
        headers=headers,
        json={"draft_id": draft["id"], "scheduled_for": "9999-12-31T23:59:59-05:00"},
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "scheduled_for"]


@pytest.mark.parametrize("end", ["0001-01-01", "0", "9999-12-31"])
def test_analytics_outside_the_calendar_is_422(client, headers, end):
    answer = client.get("/api/analytics/dashboard", headers=headers, params={"end": end})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "end"]


def test_hostile_import_rows_are_rejected_by_line_and_the_good_ones_stored(client, headers):
    good = {"platform": "linkedin", "content": "A post that is fine", "posted_at": "2024-05-01T09:00:00Z"}
    rows = [
        good,
        good | {"content": "Too old", "posted_at": "0001-01-01"},
        good | {"content": "Off the calendar", "posted_at": "9999-12-31T23:59:59-05:00"},
        good | {"content": "Too many followers", "followers": 3_000_000_000},
        good | {"content": "Absurd likes", "likes": 1e300},
        good | {"content": "Infinite likes", "likes": float("inf")},
    ]
    document = "[\n" + ",\n".join(json.dumps(row, allow_nan=True) for row in rows) + "\n]"
    files = {"file": ("posts.json", document.encode(), "application/json")}
    answer = client.post("/api/posts/import", headers=headers, files=files)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["imported"] == 1
    assert sorted(error["line"] for error in body["rejected"]) == [3, 4, 5, 6, 7]
    assert client.get("/api/analytics/dashboard", headers=headers).status_code == 200
    assert client.get("/api/analytics/performance", headers=headers).status_code == 200


def test_a_scraped_export_with_absurd_ages_keeps_its_good_rows(client, headers):
    csv = SCRAPED + "".join(
        f"Ada,CTO,Berlin,100,50,,{age},Post {i},,,,0,,,{i},1,,,0\n"
        for i, age in enumerate(["3 days ago", "1e10", "inf", "99999999 years ago", "2 weeks ago"])
    )
    files = {"file": ("posts.csv", csv.encode(), "text/csv")}
    answer = client.post("/api/posts/import", headers=headers, files=files)
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 2
    assert [error["line"] for error in answer.json()["rejected"]] == [3, 4, 5]


@pytest.mark.parametrize(
    "body",
    [
        b'{"platform": "x", "content": "Hi", "version": ' + b"9" * 5000 + b"}",
        b"[" * 50_000 + b"]" * 50_000,
    ],
    ids=["5000-digit integer", "deeply nested"],
)
def test_bodies_python_cannot_parse_are_422(client, headers, body):
    answer = client.post(
        "/api/content/drafts", headers=headers | {"content-type": "application/json"}, content=body
    )
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/content/drafts"), ("POST", "/api/schedules/recurring")],
)
def test_a_platform_that_is_an_object_is_422(client, headers, method, path):
    answer = client.request(method, path, headers=headers, json={"platform": {}, "content": "Hi"})
    assert answer.status_code == 422
    assert any(error["loc"][:2] == ["body", "platform"] for error in answer.json()["detail"])


def test_an_undeclared_method_is_405_listing_every_allowed_one(client, headers):
    answer = client.request("PATCH", "/api/content/drafts", headers=headers)
    assert answer.status_code == 405 and answer.headers["allow"] == "GET, POST"
    answer = client.delete("/api/posts/import", headers=headers)
    assert answer.status_code == 405 and answer.headers["allow"] == "POST"
