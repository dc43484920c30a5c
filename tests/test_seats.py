"""Issue 11 row 8: one address cannot hold every model seat, one identity holds at most two
replies, and seats are kept for students already in a class. Real SQLite, real classes;
scripted model output (slow, so the replies overlap)."""

from __future__ import annotations

import secrets

from tutor.backends import GenerationSettings
from tutor.backends.scripted import ScriptedBackend
from tutor.generation.admission import Admission
from tutor.generation.rate_limit import PER_ADDRESS_ANONYMOUS_ASKS
from tutor.service import TutorService

SCHOOL = "198.51.100.20"
SLOW = [f"step {i}. " for i in range(400)]


def _token() -> str:
    return secrets.token_urlsafe(24)


def _service(store, admission: Admission | None = None) -> TutorService:
    return TutorService(
        ScriptedBackend(SLOW, delay=0.02), store, GenerationSettings(max_new_tokens=64), admission=admission
    )


def _class_code(svc: TutorService) -> str:
    teacher = svc.school.add_teacher(username="ms_lee", password="correct horse battery")
    return svc.school.create_class(teacher_id=teacher.id, name="7B").join_code


def _start(svc: TutorService, token: str, address: str | None = SCHOOL):
    views = svc.ask(token, "Count slowly", address=address)
    return views, next(views)


def test_fresh_identities_on_one_address_hold_at_most_half_the_seats(store) -> None:
    svc = _service(store)
    started = [_start(svc, _token()) for _ in range(PER_ADDRESS_ANONYMOUS_ASKS)]
    assert all(first.status == "generating" for _, first in started)
    _, refused = _start(svc, _token())  # a fresh identity, the same address
    assert refused.status == "refused" and "your network" in refused.notice
    _, elsewhere = _start(svc, _token(), "203.0.113.5")  # another address is served
    assert elsewhere.status == "generating"
    for views, _ in started:
        views.close()  # the page went away: the seats come back
    assert svc.concurrency.in_progress(SCHOOL) == 0
    _, again = _start(svc, _token())
    assert again.status == "generating"


def test_class_members_behind_the_same_address_are_not_crowded_out(store) -> None:
    """The design's other half (passes on the code before the bounds too): members are not
    counted in their address's anonymous share."""
    svc = _service(store)
    code = _class_code(svc)
    anonymous = [_start(svc, _token()) for _ in range(PER_ADDRESS_ANONYMOUS_ASKS)]
    members = []
    for i in range(PER_ADDRESS_ANONYMOUS_ASKS + 2):  # more members than the anonymous share
        token = _token()
        assert svc.join_class(token, f"Student {i}", code).startswith("You joined")
        members.append(_start(svc, token))
    assert all(first.status == "generating" for _, first in anonymous + members)
    for views, _ in anonymous + members:
        views.close()


def test_one_identity_has_at_most_two_replies_in_progress(store) -> None:
    svc = _service(store)
    token = _token()
    first, _ = _start(svc, token)
    second, _ = _start(svc, token)
    _, third = _start(svc, token)
    assert third.status == "refused" and "already have a question" in third.notice
    first.close()
    second.close()


def test_anonymous_visitors_everywhere_leave_the_reserved_seats_to_classes(store) -> None:
    """Many addresses (a botnet, or many homes): anonymous tickets stop at slots - reserved."""
    admission = Admission(slots=4, waiting=4, reserved_slots=1, reserved_waiting=1)
    svc = _service(store, admission)
    code = _class_code(svc)
    anonymous = [_start(svc, _token(), f"203.0.113.{i}") for i in range(10)]
    statuses = [first.status for _, first in anonymous]
    assert statuses.count("generating") == 3 + 3  # 3 running, 3 waiting; the rest refused busy
    assert admission.running() == 3
    member = _token()
    svc.join_class(member, "Ada", code)
    views, first = _start(svc, member, "203.0.113.99")
    assert first.status == "generating" and admission.running() == 4  # the kept seat, at once
    views.close()
    assert admission.running() == 3  # not given to the anonymous visitors waiting
    for views, _ in anonymous:
        views.close()
    assert admission.running() == 0 and admission.waiting() == 0


def test_a_flooded_address_rate_does_not_lock_out_its_class(store) -> None:
    """The address's ask rate (120 a minute) is charged for anonymous visitors only."""
    from tutor.generation.rate_limit import AskLimits

    svc = _service(store)
    svc.limits = AskLimits(per_address=3)
    code = _class_code(svc)
    for _ in range(3):
        views, _ = _start(svc, _token())
        views.close()
    _, refused = _start(svc, _token())
    assert refused.status == "refused" and "faster" in refused.notice
    member = _token()
    svc.join_class(member, "Ada", code)
    views, first = _start(svc, member)
    assert first.status == "generating"
    views.close()
