"""/api/schedules: single scheduled posts (status machine) and recurring schedules (next_generation)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.content.schemas import DraftCreate
from api.schedules.models import RecurringSchedule
from api.schedules.recurrence import advance_after_run
from api.schedules.schemas import ScheduledPostCreate

SOON = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)


@pytest.fixture
def me(user_factory):
    return user_factory(timezone="America/New_York")


@pytest.fixture
def headers(me, auth_headers):
    return auth_headers(me)


def scheduled_post(client, headers, when=SOON, **fields):
    body = {"platform": "x", "content": "Shipping the new release today.", "scheduled_for": when.isoformat()}
    response = client.post("/api/schedules/posts", json=body | fields, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


class TestScheduledPosts:
    def test_write_and_schedule_in_one_go(self, client, headers):
        post = scheduled_post(client, headers)
        assert post["status"] == "scheduled" and post["platform"] == "twitter"
        listed = client.get("/api/schedules/posts", headers=headers).json()
        assert listed["total"] == 1 and listed["items"][0]["id"] == post["id"]

    def test_schedule_an_existing_draft(self, client, headers):
        draft = client.post(
            "/api/content/drafts", json={"platform": "linkedin", "content": "Hello"}, headers=headers
        ).json()
        response = client.post(
            "/api/schedules/posts",
            json={"draft_id": draft["id"], "scheduled_for": SOON.isoformat()},
            headers=headers,
        )
        assert response.status_code == 201 and response.json()["status"] == "scheduled"

    @pytest.mark.parametrize(
        "body",
        [
            {"scheduled_for": SOON.isoformat()},
            {"scheduled_for": SOON.isoformat(), "platform": "x"},
            {
                "scheduled_for": SOON.isoformat(),
                "platform": "x",
                "content": "a",
                "draft_id": "00000000-0000-0000-0000-000000000000",
            },
        ],
    )
    def test_either_a_draft_or_a_post(self, client, headers, body):
        assert client.post("/api/schedules/posts", json=body, headers=headers).status_code == 422

    def test_a_post_written_and_scheduled_at_once_takes_every_field_a_draft_takes(self, client, headers):
        """Drafts are made in one place: a field of a new draft (here the first comment) is accepted, and
        checked, whichever endpoint writes the post."""
        post = scheduled_post(client, headers, platform="linkedin", first_comment="The link: example.org")
        assert post["first_comment"] == "The link: example.org"
        refused = client.post(
            "/api/schedules/posts",
            json={"platform": "x", "content": "Hi", "first_comment": "no", "scheduled_for": SOON.isoformat()},
            headers=headers,
        )
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "first_comment"]
        assert set(DraftCreate.model_fields) <= set(ScheduledPostCreate.model_fields)

    def test_sorted_soonest_first_with_date_filter(self, client, headers):
        later = scheduled_post(client, headers, SOON + timedelta(days=5))
        sooner = scheduled_post(client, headers, SOON)
        items = client.get("/api/schedules/posts", headers=headers).json()["items"]
        assert [item["id"] for item in items] == [sooner["id"], later["id"]]
        window = {
            "from": (SOON + timedelta(days=1)).isoformat(),
            "to": (SOON + timedelta(days=10)).isoformat(),
        }
        assert [
            i["id"]
            for i in client.get("/api/schedules/posts", params=window, headers=headers).json()["items"]
        ] == [later["id"]]

    def test_reschedule_needs_the_current_version(self, client, headers):
        post = scheduled_post(client, headers)
        url = f"/api/schedules/posts/{post['id']}"
        moved = client.put(
            url,
            json={"version": post["version"], "scheduled_for": (SOON + timedelta(hours=2)).isoformat()},
            headers=headers,
        )
        assert moved.status_code == 200
        assert datetime.fromisoformat(moved.json()["scheduled_for"]) == SOON + timedelta(hours=2)
        stale = client.put(
            url, json={"version": post["version"], "scheduled_for": SOON.isoformat()}, headers=headers
        )
        assert stale.status_code == 409

    def test_reschedule_into_the_past_is_422(self, client, headers):
        post = scheduled_post(client, headers)
        past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        response = client.put(
            f"/api/schedules/posts/{post['id']}",
            json={"version": post["version"], "scheduled_for": past},
            headers=headers,
        )
        assert response.status_code == 422

    def test_published_is_final(self, client, headers):
        post = scheduled_post(client, headers)
        url = f"/api/schedules/posts/{post['id']}"
        published = client.put(
            url, json={"version": post["version"], "status": "published"}, headers=headers
        ).json()
        assert published["status"] == "published"
        assert client.delete(url, headers=headers).status_code == 409
        again = client.put(url, json={"version": published["version"], "status": "failed"}, headers=headers)
        assert again.status_code == 409
        edit = client.put(
            f"/api/content/drafts/{post['id']}",
            json={"version": published["version"], "content": "x"},
            headers=headers,
        )
        assert edit.status_code == 409

    def test_failed_goes_back_only_through_an_explicit_unschedule(self, client, headers):
        post = scheduled_post(client, headers)
        url = f"/api/schedules/posts/{post['id']}"
        failed = client.put(
            url, json={"version": post["version"], "status": "failed"}, headers=headers
        ).json()
        resend = client.post(
            "/api/content/schedule",
            json={"draft_id": post["id"], "scheduled_for": SOON.isoformat()},
            headers=headers,
        )
        assert resend.status_code == 409
        back = client.delete(url, params={"version": failed["version"]}, headers=headers)
        assert back.status_code == 200
        assert back.json()["status"] == "draft" and back.json()["scheduled_for"] is None
        again = client.post(
            "/api/content/schedule",
            json={"draft_id": post["id"], "scheduled_for": SOON.isoformat()},
            headers=headers,
        )
        assert again.json()["status"] == "scheduled"

    def test_a_draft_cannot_be_marked_published(self, client, headers):
        draft = client.post(
            "/api/content/drafts", json={"platform": "linkedin", "content": "Hi"}, headers=headers
        ).json()
        response = client.put(
            f"/api/schedules/posts/{draft['id']}", json={"version": 1, "status": "published"}, headers=headers
        )
        assert response.status_code == 409

    def test_another_users_post_is_404(self, client, headers, user_factory, auth_headers):
        post = scheduled_post(client, headers)
        other = auth_headers(user_factory())
        url = f"/api/schedules/posts/{post['id']}"
        assert client.get(url, headers=other).status_code == 404
        assert client.delete(url, headers=other).status_code == 404
        assert client.put(url, json={"version": 1, "status": "published"}, headers=other).status_code == 404
        assert client.get("/api/schedules/posts", headers=other).json()["total"] == 0


def recurring(client, headers, **fields):
    body = {
        "name": "Tuesday tips",
        "platform": "linkedin",
        "frequency": "weekly",
        "day_of_week": 2,  # Sunday = 0
        "time_of_day": "09:30",
    }
    response = client.post("/api/schedules/recurring", json=body | fields, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def local(value: str, zone: str = "America/New_York") -> datetime:
    return datetime.fromisoformat(value).astimezone(ZoneInfo(zone))


class TestRecurring:
    def test_created_in_the_users_zone_with_next_generation(self, client, headers):
        schedule = recurring(client, headers)
        assert schedule["timezone"] == "America/New_York"
        nxt = local(schedule["next_generation"])
        assert (nxt.weekday(), nxt.hour, nxt.minute) == (1, 9, 30)
        assert datetime.fromisoformat(schedule["next_generation"]) > datetime.now(UTC)
        assert datetime.fromisoformat(schedule["next_generation"]) - datetime.now(UTC) <= timedelta(days=7)
        assert datetime.fromisoformat(schedule["next_generation_local"]).utcoffset() == nxt.utcoffset()

    def test_day_of_week_counts_from_sunday_as_the_contract_says(self, client, headers):
        for day, name in [(0, "Sunday"), (1, "Monday"), (6, "Saturday")]:
            schedule = recurring(client, headers, day_of_week=day, name=f"{name} notes")
            assert local(schedule["next_generation"]).strftime("%A") == name
            assert schedule["day_of_week"] == day

    def test_monthly_last_weekday_in_another_zone(self, client, headers):
        schedule = recurring(
            client, headers, frequency="monthly", day_of_week=5, week_of_month=-1, timezone="Asia/Tokyo"
        )
        nxt = local(schedule["next_generation"], "Asia/Tokyo")
        assert nxt.weekday() == 4 and (nxt + timedelta(days=7)).month != nxt.month

    @pytest.mark.parametrize(
        "fields",
        [
            {"frequency": "daily"},
            {"day_of_week": 7},
            {"time_of_day": "09:30+02:00"},
            {"timezone": "Mars/Olympus"},
            {"timezone": "../../etc/passwd"},
            {"week_of_month": -1},  # on a weekly schedule
            {"frequency": "monthly", "week_of_month": 5},
            {"platform": "myspace"},
        ],
    )
    def test_invalid_schedules_are_422(self, client, headers, fields):
        body = {
            "name": "n",
            "platform": "linkedin",
            "frequency": "weekly",
            "day_of_week": 1,
            "time_of_day": "09:30",
        }
        assert client.post("/api/schedules/recurring", json=body | fields, headers=headers).status_code == 422

    def test_pause_and_resume_recompute(self, client, headers):
        schedule = recurring(client, headers)
        url = f"/api/schedules/recurring/{schedule['id']}"
        paused = client.put(url, json={"active": False}, headers=headers).json()
        assert paused["active"] is False and paused["next_generation"] is None
        resumed = client.put(url, json={"active": True}, headers=headers).json()
        assert resumed["next_generation"] == schedule["next_generation"]
        listed = client.get("/api/schedules/recurring", params={"active": True}, headers=headers).json()
        assert listed["total"] == 1

    def test_changing_the_time_moves_next_generation(self, client, headers):
        schedule = recurring(client, headers)
        changed = client.put(
            f"/api/schedules/recurring/{schedule['id']}",
            json={"day_of_week": 5, "time_of_day": "17:00"},
            headers=headers,
        ).json()
        nxt = local(changed["next_generation"])
        assert (nxt.weekday(), nxt.hour) == (4, 17)

    def test_renaming_does_not_move_it(self, client, headers):
        schedule = recurring(client, headers)
        renamed = client.put(
            f"/api/schedules/recurring/{schedule['id']}", json={"name": "Friday wins"}, headers=headers
        ).json()
        assert renamed["next_generation"] == schedule["next_generation"] and renamed["name"] == "Friday wins"

    def test_null_for_a_required_field_is_422(self, client, headers):
        schedule = recurring(client, headers)
        response = client.put(
            f"/api/schedules/recurring/{schedule['id']}", json={"frequency": None}, headers=headers
        )
        assert response.status_code == 422

    def test_another_users_schedule_is_404(self, client, headers, user_factory, auth_headers):
        schedule = recurring(client, headers)
        other = auth_headers(user_factory())
        url = f"/api/schedules/recurring/{schedule['id']}"
        assert client.get(url, headers=other).status_code == 404
        assert client.put(url, json={"active": False}, headers=other).status_code == 404
        assert client.delete(url, headers=other).status_code == 404
        assert client.get(url, headers=headers).json()["active"] is True

    def test_delete(self, client, headers):
        schedule = recurring(client, headers)
        assert client.delete(f"/api/schedules/recurring/{schedule['id']}", headers=headers).status_code == 204
        assert client.get("/api/schedules/recurring", headers=headers).json()["total"] == 0


class TestAdvanceOnTheStoredSchedule:
    def test_advance_after_run_across_the_spring_forward_night(self, db, me):
        # Sundays 02:30 in New York: 2026-03-08 02:30 does not exist and fires at 03:30 EDT.
        schedule = RecurringSchedule(
            user_id=me.id,
            name="Sunday recap",
            platform="linkedin",
            frequency="weekly",
            day_of_week=0,  # Sunday
            time_of_day=time(2, 30),
            timezone="America/New_York",
            next_generation=datetime(2026, 3, 1, 7, 30, tzinfo=UTC),
        )
        db.add(schedule)
        db.flush()
        fired = advance_after_run(schedule, datetime(2026, 3, 1, 7, 31, tzinfo=UTC))
        db.flush()
        db.refresh(schedule)
        assert fired == schedule.next_generation == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
        assert local(schedule.next_generation.isoformat()).strftime("%H:%M") == "03:30"
        assert schedule.last_generated == datetime(2026, 3, 1, 7, 31, tzinfo=UTC)


def test_openapi_documents_schedule_errors(app):
    paths = app.openapi()["paths"]
    assert {"401", "404", "409", "422"} <= set(paths["/api/schedules/posts/{draft_id}"]["put"]["responses"])
    assert {"401", "422"} <= set(paths["/api/schedules/recurring"]["post"]["responses"])
