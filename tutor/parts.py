"""Every part the pages use, built in one place: ``Parts.assemble`` (``app.py``) or
``Parts.around`` (a test that built its own ``TutorService``).

The pages (``ui/``) receive these and build nothing themselves. One ``SchoolStore`` serves the
tutor, practice and the teacher's review (it holds no state beyond the ``Store``, so sharing it
is only about there being one place that makes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage import SchoolStore, Store
from tutor.backends import Backend, GenerationSettings
from tutor.service import TutorService
from tutor.sign_in import LoginThrottle
from tutor.teaching.practice_service import PracticeService, WorkingChecker
from tutor.teaching.review import TeacherReview


@dataclass(frozen=True)
class Parts:
    tutor: TutorService
    practice: PracticeService
    working: WorkingChecker
    review: TeacherReview
    throttle: LoginThrottle
    """Teacher sign-in attempts per address and account (storage/teachers.py)."""

    @classmethod
    def assemble(
        cls,
        backend: Backend,
        store: Store,
        generation: GenerationSettings,
        data_dir: Path,
        *,
        max_question_chars: int = 4000,
        worked_example: bool = True,
    ) -> Parts:
        school = SchoolStore(store)
        tutor = TutorService(
            backend, store, generation, max_question_chars, worked_example=worked_example, school=school
        )
        return cls._rest(tutor, school, data_dir)

    @classmethod
    def around(cls, tutor: TutorService, data_dir: Path) -> Parts:
        """The other parts for an existing ``TutorService``, sharing its store and school."""
        return cls._rest(tutor, tutor.school, data_dir)

    @classmethod
    def _rest(cls, tutor: TutorService, school: SchoolStore, data_dir: Path) -> Parts:
        return cls(
            tutor=tutor,
            practice=PracticeService(tutor.store, school=school),
            working=WorkingChecker(),
            review=TeacherReview(school, Path(data_dir) / "exports"),
            throttle=LoginThrottle(),
        )
