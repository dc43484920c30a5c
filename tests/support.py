"""Helpers more than one test module uses (a test module never imports another)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"
"""The teacher password the browser tests sign in with."""
PASSWORD_A, PASSWORD_B = PASSWORD, "staple gun tornado"
"""Two teachers' passwords (``two_teachers``)."""


def two_teachers(school):
    """ms_lee (``PASSWORD_A``) with class "Lee 9A" and mr_k (``PASSWORD_B``) with "K 10B":
    ``(lee, k, class_a, class_b)``, for tests that one teacher cannot see the other's."""
    lee = school.add_teacher(username="ms_lee", password=PASSWORD_A)
    k = school.add_teacher(username="mr_k", password=PASSWORD_B)
    return (
        lee,
        k,
        school.create_class(teacher_id=lee.id, name="Lee 9A"),
        school.create_class(teacher_id=k.id, name="K 10B"),
    )


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from storage.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    return ScriptDirectory.from_config(config).get_current_head()


def sign_in(page: Page, url: str, username: str = "ms_lee", password: str = PASSWORD) -> None:
    page.goto(url + "/teacher")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_text("Signed in as")).to_be_visible(timeout=20_000)
