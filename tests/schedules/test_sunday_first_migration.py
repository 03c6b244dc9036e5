"""The migration to Sunday-first weekdays moves stored schedules so each keeps firing on the same day."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from api.cli import alembic_config
from testkit.database import create_database


def test_stored_weekdays_are_renumbered_from_sunday_and_back(pg_server_url: str) -> None:
    url, drop = create_database(pg_server_url, "pw_migration")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0009_publishing")
            user = connection.execute(
                text("INSERT INTO users (email, password_hash, name) VALUES (:e, 'x', 'M') RETURNING id"),
                {"e": "m@example.com"},
            ).scalar_one()
            for old in (0, 6):  # Monday and Sunday, counted from Monday
                connection.execute(
                    text(
                        "INSERT INTO recurring_schedules (user_id, name, platform, frequency, day_of_week, "
                        "time_of_day, timezone) VALUES (:u, :n, 'linkedin', 'weekly', :d, '09:00', 'UTC')"
                    ),
                    {"u": user, "n": f"old {old}", "d": old},
                )
            command.upgrade(config, "0010_sunday_first_weekdays")
            days = dict(connection.execute(text("SELECT name, day_of_week FROM recurring_schedules")).all())
            assert days == {"old 0": 1, "old 6": 0}  # Monday is 1, Sunday is 0
            command.downgrade(config, "0009_publishing")
            days = dict(connection.execute(text("SELECT name, day_of_week FROM recurring_schedules")).all())
            assert days == {"old 0": 0, "old 6": 6}
    finally:
        engine.dispose()
        drop()
