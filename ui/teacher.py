"""The teacher page at ``/teacher``: adapts `TeacherReview` to Gradio components.

Gradio's own login (``auth=``) guards the page and every endpoint under it; the check
behind it is `TeacherReview` (scrypt hashes in storage) with a `tutor.sign_in.LoginThrottle`
per username and address. Handlers find the teacher from ``gr.Request.username`` and pass the teacher's id
to every query, so a forged class, session or flag id from the browser returns nothing.
"""

from __future__ import annotations

import contextvars
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.routing import Mount

from tutor.sign_in import LoginThrottle
from tutor.teaching.flags import KINDS
from tutor.teaching.review import TeacherReview, make_filter, progress
from ui import exports
from ui import teacher_view as view

PATH = "/teacher"
KATEX_URL = "/static/katex"
KATEX_DIR = Path(__file__).parent / "static" / "katex"
KATEX_HEAD = f'<link rel="stylesheet" href="{KATEX_URL}/katex.min.css"><script src="{KATEX_URL}/katex.min.js"></script>'
# trust:false keeps \href, \url, \htmlData and friends inert; maxExpand bounds macro bombs.
RENDER_MATH = """
const renderMath = () => {
  if (!window.katex) { setTimeout(renderMath, 100); return; }
  element.querySelectorAll('.math-inline, .math-display').forEach((el) => {
    if (el.dataset.rendered) return;
    const tex = el.textContent;
    try {
      katex.render(tex, el, {displayMode: el.classList.contains('math-display'), throwOnError: false,
                             trust: false, strict: 'ignore', maxSize: 20, maxExpand: 500});
    } catch (err) { el.textContent = tex; }
    el.dataset.rendered = '1';
  });
};
renderMath();
watch('value', renderMath);
"""
CSS = view.TRANSCRIPT_CSS
FLAG_CHOICES = [("Any message", ""), ("Open flags (any kind)", "any")] + [(view.flag_label(k), k) for k in KINDS]

client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="unknown")


class ClientAddressMiddleware:
    """Pure ASGI: remembers the caller's address for the login check (Gradio's `auth`
    callable sees only the username and password)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("client"):
            client_address.set(scope["client"][0])
        await self.app(scope, receive, send)


PUBLIC_PATHS = frozenset({"/", "/login", "/login/", "/logout", "/theme.css", "/favicon.ico", "/robots.txt"})
PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/")
"""Under /teacher, only the login page's shell (HTML, scripts, styles, fonts) answers without
a sign-in; Gradio's `auth` already guards its routes, this also covers the rest (e.g. openapi.json)."""


SESSION_LIFETIME_S = 12 * 3600.0
"""A teacher's sign-in lasts a school day; then the login page asks again."""


class TeacherGate:
    """Pure ASGI, in front of the whole app: a request under `PATH` outside the public shell
    needs the access-token cookie that Gradio's login set (checked against that Gradio app),
    issued less than ``lifetime_s`` ago and not before the teacher's last password reset or
    removal (``sign_in_valid``, read from the database, so a reset by ``storage.admin`` in
    another process ends it too). An ended sign-in is also dropped from Gradio's tokens.

    Hazard: the issue time is taken from the login response itself; a token first seen later
    (issued before a reset, kept unused) has no issue time and is refused.
    """

    def __init__(
        self,
        app,
        gradio_app=lambda: None,
        sign_in_valid=lambda username, issued: True,
        lifetime_s: float = SESSION_LIFETIME_S,
    ) -> None:
        self.app = app
        self.gradio_app = gradio_app
        self.sign_in_valid = sign_in_valid
        self.lifetime_s = lifetime_s
        self.issued: dict[str, datetime] = {}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith(PATH + "/"):
                rest = path[len(PATH) :]
                if rest in ("/login", "/login/") and scope["method"] == "POST":
                    await self.app(scope, receive, self._recording(send))
                    return
                if (
                    rest not in PUBLIC_PATHS
                    and not rest.startswith(PUBLIC_PREFIXES)
                    and not await self._signed_in(scope)
                ):
                    await JSONResponse({"detail": "Not authenticated"}, status_code=401)(scope, receive, send)
                    return
        await self.app(scope, receive, send)

    def _recording(self, send):
        """Wrap ``send`` to note when each new sign-in token was issued."""

        async def wrapped(message) -> None:
            served = self.gradio_app()
            if message["type"] == "http.response.start" and served is not None:
                prefix = f"access-token-{served.cookie_id}="
                for name, value in message.get("headers", []):
                    cookie = value.decode("latin-1")
                    if name.lower() == b"set-cookie" and cookie.startswith(prefix):
                        now = datetime.now(UTC)
                        if len(self.issued) > 10_000:  # bound memory: forget sign-ins past their lifetime
                            self.issued = {
                                t: at for t, at in self.issued.items() if (now - at).total_seconds() < self.lifetime_s
                            }
                        self.issued[cookie[len(prefix) :].split(";", 1)[0]] = now
            await send(message)

        return wrapped

    async def _signed_in(self, scope) -> bool:
        served = self.gradio_app()
        if served is None:
            return False
        cookies = Request(scope).cookies
        for name in (f"access-token-{served.cookie_id}", f"access-token-unsecure-{served.cookie_id}"):
            token = cookies.get(name)
            username = served.tokens.get(token) if token else None
            if token is None or username is None:
                continue
            issued = self.issued.get(token)
            fresh = issued is not None and (datetime.now(UTC) - issued).total_seconds() < self.lifetime_s
            if fresh and await anyio.to_thread.run_sync(self.sign_in_valid, username, issued):
                return True
            served.tokens.pop(token, None)  # ended: Gradio's own routes refuse it too
            self.issued.pop(token, None)
        return False


def make_auth(review: TeacherReview, throttle: LoginThrottle):
    async def auth(username: str, password: str) -> bool:
        address = client_address.get()
        ticket = throttle.begin(username, address)  # counts as a failure until proven right
        if ticket is None:
            return False  # locked: the password is not even checked
        teacher = await anyio.to_thread.run_sync(review.authenticate, username, password)
        if teacher is None:
            return False
        throttle.succeeded(username, address, ticket)
        return True

    return auth


def _teacher(review: TeacherReview, request: gr.Request) -> int:
    teacher_id = review.teacher_id(getattr(request, "username", None))
    if teacher_id is None:
        raise gr.Error("Please sign in again.")
    return teacher_id


def build(review: TeacherReview) -> gr.Blocks:
    with gr.Blocks(title="Math tutor — teacher", delete_cache=(300, 900)) as page:
        gr.Markdown("# Class review")
        signed_in = gr.Markdown()
        with gr.Row():
            class_pick = gr.Dropdown(label="Class", choices=[], value=None, scale=3)
            class_code = gr.Markdown()
            solutions = gr.Checkbox(
                label="Students may reveal worked solutions in Hint / Coach me", value=True, scale=2
            )
        with gr.Accordion("New class", open=False), gr.Row():
            new_name = gr.Textbox(label="New class name", max_length=100, scale=3)
            create = gr.Button("Create class", scale=1)
        with gr.Accordion("Join code and roster", open=False):
            gr.Markdown(
                "A new join code stops the old one working at once (for a leaked code); students already in the "
                "class stay."
            )
            rotate_btn = gr.Button("New join code")
            with gr.Row():
                remove_pick = gr.Dropdown(label="Students to remove", choices=[], value=[], multiselect=True, scale=3)
                remove_confirm = gr.Textbox(label="Type REMOVE to confirm", max_length=10, scale=1)
                remove_btn = gr.Button("Remove from class", variant="stop", scale=1)
            roster_note = gr.Markdown(elem_id="roster-note")  # not `status`: the refresh after each action clears that
            gr.Markdown(
                "Removed students leave the roster, its flags and exports, and lose the name they gave; they keep "
                "their own history and could join again with the code (give the class a new code to stop that)."
            )
        with gr.Row():
            student_pick = gr.Dropdown(label="Student", choices=[("All students", 0)], value=0, scale=2)
            since = gr.Textbox(label="From (YYYY-MM-DD)", max_length=10, scale=1)
            until = gr.Textbox(label="To (YYYY-MM-DD)", max_length=10, scale=1)
            flag_pick = gr.Dropdown(label="Flag", choices=FLAG_CHOICES, value="", scale=2)
            search = gr.Textbox(label="Search questions", max_length=200, scale=2)
            apply = gr.Button("Apply filters", variant="primary", scale=1)
        status = gr.Markdown()
        with gr.Tabs() as tabs:
            with gr.Tab("Overview", id="overview"):
                students_table = gr.Dataframe(label="Students", interactive=False, wrap=True)
                sessions_table = gr.Dataframe(
                    label="Sessions (flagged first; click one to read it)", interactive=False, wrap=True
                )
            with gr.Tab("Flags", id="flags"):
                flags_table = gr.Dataframe(
                    label="Flags (open first; click one to pick it)", interactive=False, wrap=True
                )
                with gr.Row():
                    flag_id = gr.Number(label="Flag number", value=None, precision=0, minimum=1, scale=1)
                    note = gr.Textbox(label="Note", max_length=2000, scale=4)
                    review_btn = gr.Button("Mark reviewed", scale=1)
            with gr.Tab("Transcript", id="transcript"):
                session_pick = gr.Dropdown(label="Session", choices=[], value=None)
                transcript = gr.HTML(
                    view.transcript_html(None), head=KATEX_HEAD, js_on_load=RENDER_MATH, elem_classes="transcript-box"
                )
            with gr.Tab("Progress", id="progress"):
                over_time = gr.Plot(label="Correct rate over time", format="png")
                per_topic = gr.Plot(label="Correct rate per topic", format="png")
                missed = gr.Plot(label="Most-missed questions", format="png")
                missed_table = gr.Dataframe(label="Most-missed questions", interactive=False, wrap=True)
            with gr.Tab("Export", id="export"):
                gr.Markdown(
                    "Download everything of the class, or of the student picked above: sessions, messages, answer "
                    "attempts, verdicts and flags."
                )
                with gr.Row():
                    fmt = gr.Radio(["CSV", "JSON"], value="CSV", label="Format")
                    scope_pick = gr.Radio(["Whole class", "Selected student"], value="Whole class", label="What")
                    export_btn = gr.Button("Export")
                export_file = gr.HTML(
                    elem_id="export-link"
                )  # a link to ui/exports.py, not gr.File (Gradio's public cache)
                gr.Markdown(
                    "### Delete a student's data\nFor a privacy request: removes the student picked above and all "
                    "their sessions, answers and flags, everywhere. It cannot be undone."
                )
                with gr.Row():
                    confirm = gr.Textbox(label="Type DELETE to confirm", max_length=10)
                    delete_btn = gr.Button("Delete student data", variant="stop")

        filters = [class_pick, student_pick, since, until, flag_pick, search]
        refresh_outputs = [
            status,
            class_code,
            student_pick,
            students_table,
            sessions_table,
            session_pick,
            flags_table,
            remove_pick,
        ]
        plot_outputs = [over_time, per_topic, missed, missed_table]

        def scope(request: gr.Request, class_id, student_id, since_text, until_text, flag, query):
            """The teacher, their class (None if not theirs), its students, and the filter."""
            tid = _teacher(review, request)
            cls = review.class_for_teacher(tid, class_id) if class_id else None
            students = review.class_students(tid, cls.id) if cls else []
            if student_id and student_id not in {i for i, _ in students}:
                student_id = 0
            try:
                return (
                    tid,
                    cls,
                    students,
                    make_filter(student_id or None, since_text, until_text, flag or None, query),
                    "",
                )
            except ValueError as exc:
                return tid, cls, students, make_filter(student_id or None), f"⚠ {exc}"

        def refresh(class_id, student_id, since_text, until_text, flag, query, request: gr.Request):
            """The tables: fast, so they show before the plots are drawn."""
            tid, cls, students, f, note_text = scope(request, class_id, student_id, since_text, until_text, flag, query)
            if cls is None:
                return (
                    "Pick one of your classes." if class_id else "Create a class to start.",
                    "",
                    gr.Dropdown(choices=[("All students", 0)], value=0),
                    view.overview_frame([]),
                    view.sessions_frame([]),
                    gr.Dropdown(choices=[], value=None),
                    view.flags_frame([]),
                    gr.Dropdown(choices=[], value=[]),
                )
            sessions = review.sessions(tid, cls.id, f)
            return (
                note_text,
                f"Join code: **`{cls.join_code}`** · {len(students)} student{'s' if len(students) != 1 else ''}",
                gr.Dropdown(
                    choices=[("All students", 0), *[(view.clip(n, 60), i) for i, n in students]],
                    value=f.student_id or 0,
                ),
                view.overview_frame(review.overview(tid, cls.id, f)),
                view.sessions_frame(sessions),
                gr.Dropdown(choices=[view.session_choice(s) for s in sessions]),
                view.flags_frame(review.flags_for_class(tid, cls.id, f)),
                gr.Dropdown(
                    choices=[(f"{view.clip(n, 60)} · #{i}", i) for i, n in students], value=[]
                ),  # 400 "Alice"s stay apart
            )

        def plots(class_id, student_id, since_text, until_text, flag, query, request: gr.Request):
            tid, cls, students, f, _ = scope(request, class_id, student_id, since_text, until_text, flag, query)
            prog = review.progress(tid, cls.id, f) if cls else progress([])
            whole = review.progress(tid, cls.id, replace(f, student_id=None)) if cls and f.student_id else None
            who = dict(students).get(f.student_id, "Class") if f.student_id else "Class"
            return (
                view.rate_over_time_plot(prog, whole),
                view.topic_plot(prog, who),
                view.missed_plot(prog),
                view.missed_frame(prog),
            )

        def class_choices(tid: int) -> list[tuple[str, int]]:
            return [(f"{view.clip(c.name, 60)} ({c.join_code})", c.id) for c in review.classes_for_teacher(tid)]

        def on_load(request: gr.Request):
            choices = class_choices(_teacher(review, request))
            return f"Signed in as **{view.clip(request.username or '', 64)}** · [Log out]({PATH}/logout)", gr.Dropdown(
                choices=choices, value=choices[0][1] if choices else None
            )

        def on_create(name: str, request: gr.Request):
            tid = _teacher(review, request)
            try:
                created = review.create_class(tid, name or "")
            except ValueError as exc:
                raise gr.Error(str(exc)) from None
            return gr.Dropdown(choices=class_choices(tid), value=created.id), ""

        def on_session(session_id, request: gr.Request):
            tid = _teacher(review, request)
            return view.transcript_html(review.transcript(tid, int(session_id)) if session_id else None)

        def on_session_row(evt: gr.SelectData, request: gr.Request):
            tid = _teacher(review, request)
            row = evt.row_value or []
            session_id = int(row[0]) if row and str(row[0]).isdigit() else None
            found = review.transcript(tid, session_id) if session_id else None
            return (
                gr.Dropdown(value=session_id if found else None),
                view.transcript_html(found),
                gr.Tabs(selected="transcript"),
            )

        def on_flag_row(evt: gr.SelectData):
            row = evt.row_value or []
            return int(row[0]) if row and str(row[0]).isdigit() else None

        def on_review(fid, note_text, session_id, request: gr.Request):
            tid = _teacher(review, request)
            done = review.review_flag(tid, int(fid), note_text) if fid else None
            if done is None:
                raise gr.Error("No such flag in your classes.")
            return f"Flag #{done.id} marked reviewed.", ""

        def on_export(class_id, student_id, fmt_name, scope_name, request: gr.Request):
            tid = _teacher(review, request)
            if not class_id:
                raise gr.Error("Pick a class first.")
            who = student_id or None if scope_name == "Selected student" else None
            if scope_name == "Selected student" and who is None:
                raise gr.Error("Pick a student in the Student filter first.")
            path = review.export(tid, int(class_id), fmt_name.lower(), who)
            if path is None:
                raise gr.Error("Nothing to export.")
            return exports.link(path.name)

        def on_delete(student_id, confirmation, request: gr.Request):
            tid = _teacher(review, request)
            if not student_id:
                raise gr.Error("Pick the student in the Student filter first.")
            if (confirmation or "").strip() != "DELETE":
                raise gr.Error("Type DELETE to confirm.")
            if not review.delete_student(tid, int(student_id)):
                raise gr.Error("No such student in your classes.")
            return "The student's data was deleted.", "", 0, None

        def on_rotate(class_id, request: gr.Request):
            tid = _teacher(review, request)
            rotated = review.rotate_code(tid, int(class_id)) if class_id else None
            if rotated is None:
                raise gr.Error("Pick one of your classes first.")
            return f"New join code: **`{rotated.join_code}`**. The old code no longer works.", gr.Dropdown(
                choices=class_choices(tid), value=rotated.id
            )

        def on_remove(class_id, picked, confirmation, request: gr.Request):
            """Several students out of the class at once; a forged id (another class's) is ignored."""
            tid = _teacher(review, request)
            if not class_id:
                raise gr.Error("Pick one of your classes first.")
            ids = [int(i) for i in (picked or []) if isinstance(i, int) or str(i).isdigit()]
            if not ids:
                raise gr.Error("Pick the students to remove first.")
            if (confirmation or "").strip() != "REMOVE":
                raise gr.Error("Type REMOVE to confirm.")
            removed = review.remove_students(tid, int(class_id), ids)
            if not removed:
                raise gr.Error("None of those students is in this class.")
            return f"{removed} student{'s' if removed != 1 else ''} removed from the class.", "", gr.Dropdown(value=[])

        # One documented endpoint per action (gradio_client names); the repeats are undocumented.
        quiet: dict[str, Any] = dict(inputs=filters, api_visibility="undocumented")

        def then_refresh(event) -> None:
            event.then(refresh, outputs=refresh_outputs, **quiet).then(plots, outputs=plot_outputs, **quiet)

        apply.click(refresh, inputs=filters, outputs=refresh_outputs, api_name="refresh").then(
            plots, inputs=filters, outputs=plot_outputs, api_name="progress"
        )
        then_refresh(page.load(on_load, outputs=[signed_in, class_pick], api_name="whoami"))
        then_refresh(create.click(on_create, inputs=new_name, outputs=[class_pick, new_name], api_name="create_class"))
        then_refresh(class_pick.input(lambda: 0, outputs=student_pick, api_visibility="undocumented"))

        def on_class_setting(class_id, request: gr.Request):
            found = review.class_for_teacher(_teacher(review, request), class_id) if class_id else None
            return gr.Checkbox(value=found.allow_show_solution if found else True)

        def on_solutions(class_id, allowed: bool, request: gr.Request):
            if not class_id or not review.set_show_solution(_teacher(review, request), class_id, allowed):
                raise gr.Error("Pick one of your classes first.")
            return f"Worked solutions are now {'allowed' if allowed else 'hidden'} in Hint / Coach me for this class."

        class_pick.change(on_class_setting, inputs=class_pick, outputs=solutions, api_visibility="undocumented")
        solutions.input(on_solutions, inputs=[class_pick, solutions], outputs=status, api_name="class_solutions")
        for trigger in (search.submit, student_pick.input, flag_pick.input):
            trigger(refresh, outputs=refresh_outputs, **quiet).then(plots, outputs=plot_outputs, **quiet)
        session_pick.input(on_session, inputs=session_pick, outputs=transcript, api_name="transcript")
        flags_table.select(on_flag_row, outputs=flag_id, api_visibility="undocumented")
        sessions_table.select(on_session_row, outputs=[session_pick, transcript, tabs], api_visibility="undocumented")
        reviewed = review_btn.click(
            on_review, inputs=[flag_id, note, session_pick], outputs=[status, note], api_name="review_flag"
        )
        reviewed.then(refresh, outputs=refresh_outputs, **quiet).then(
            on_session, inputs=session_pick, outputs=transcript, api_visibility="undocumented"
        )
        then_refresh(
            rotate_btn.click(on_rotate, inputs=class_pick, outputs=[roster_note, class_pick], api_name="rotate_code")
        )
        then_refresh(
            remove_btn.click(
                on_remove,
                inputs=[class_pick, remove_pick, remove_confirm],
                outputs=[roster_note, remove_confirm, remove_pick],
                api_name="remove_students",
            )
        )
        export_btn.click(
            on_export, inputs=[class_pick, student_pick, fmt, scope_pick], outputs=export_file, api_name="export"
        )
        then_refresh(
            delete_btn.click(
                on_delete,
                inputs=[student_pick, confirm],
                outputs=[status, confirm, student_pick, export_file],
                api_name="delete_student",
            )
        )
    return page


def mount(
    app: FastAPI, review: TeacherReview, throttle: LoginThrottle, session_lifetime_s: float = SESSION_LIFETIME_S
) -> None:
    """Serve KaTeX at /static/katex and the teacher page at /teacher (call before mounting /)."""
    served: list = []
    app.add_middleware(
        TeacherGate,
        gradio_app=lambda: served[0] if served else None,
        sign_in_valid=review.sign_in_valid,
        lifetime_s=session_lifetime_s,
    )
    app.add_middleware(ClientAddressMiddleware)
    app.add_api_route(
        PATH, lambda: RedirectResponse(f"{PATH}/", status_code=307), methods=["GET"], include_in_schema=False
    )
    app.mount(KATEX_URL, StaticFiles(directory=KATEX_DIR), name="katex")
    page = build(review)
    page.queue(default_concurrency_limit=4, max_size=64)
    gr.mount_gradio_app(
        app,
        page,
        path=PATH,
        auth=make_auth(review, throttle),
        auth_message="Teachers: sign in to review your classes.",
        show_error=False,
        enable_monitoring=False,
        mcp_server=False,
        css=CSS,
        footer_links=[],
    )
    served += [r.app for r in app.routes if isinstance(r, Mount) and r.path == PATH]
