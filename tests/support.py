"""Helpers more than one test module uses (a test module never imports another)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"
"""The teacher password the browser tests sign in with."""


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
