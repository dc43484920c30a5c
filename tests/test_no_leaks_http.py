"""Issue 11 row 16 (in part): the student app publishes no API schema, and the teacher page
shows no internal exception text. Real app on loopback; gradio_client as a teacher."""

from __future__ import annotations

import httpx
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.conftest import LiveServer, new_store
from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.service import TutorService
from ui.server import build_app

PASSWORD = "correct horse battery"


@pytest.fixture
def url(tmp_path):
    service = TutorService(ScriptedBackend(["\\boxed{42}"]), new_store(tmp_path / "tutor.db"), GenerationSettings())
    service.school.add_teacher(username="ms_lee", password=PASSWORD)
    with LiveServer(build_app(service, tmp_path)) as live:
        yield live.url


def test_the_student_app_publishes_no_api_schema(url) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        for path in ("/gradio_api/openapi.json", "/openapi.json", "/docs", "/teacher/gradio_api/openapi.json"):
            response = client.get(path)
            assert response.status_code in (401, 403, 404), path
            assert '"openapi"' not in response.text, path


def test_the_teacher_page_shows_no_internal_exception_text(url) -> None:
    lee = Client(url + "/teacher/", auth=("ms_lee", PASSWORD), verbose=False)
    with pytest.raises(AppError) as caught:
        lee.predict(10**30, "", None, api_name="/review_flag")  # overflows SQLite's INTEGER inside the query
    text = str(caught.value)
    assert "SQLite" not in text and "int" not in text.lower().replace("internal", "")
