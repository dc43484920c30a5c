"""The dependency direction the README promises: ``ui`` -> ``tutor`` -> ``storage``; ``tutor``
never imports Gradio or ``ui``; ``storage`` never imports ``tutor`` or ``ui``; only ``storage``
speaks SQL (SQLAlchemy). Read from the source (every import statement), not from a run."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imports(package: str) -> dict[str, set[str]]:
    """Each module of ``package`` -> the top-level names of what it imports (lazy imports too)."""
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        found[path.relative_to(ROOT).as_posix()] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in imports(package).items()
        for name in names
        if name.split(".")[0] in forbidden
    )


def test_tutor_never_imports_gradio_or_ui() -> None:
    assert offenders("tutor", ("gradio", "ui", "fastapi", "starlette")) == []


def test_storage_never_imports_tutor_or_ui() -> None:
    assert offenders("storage", ("tutor", "ui", "gradio")) == []


def test_only_storage_speaks_sql() -> None:
    assert offenders("tutor", ("sqlalchemy", "sqlite3", "alembic")) == []
    assert offenders("ui", ("sqlalchemy", "sqlite3", "alembic", "storage")) == []


def test_repository_methods_with_several_values_take_keywords() -> None:
    """``add_attempt(message_id=…, answer=…, …)``, never five bare values in a row: every public method of
    the stores (storage/store.py, practice.py and the SchoolStore parts) that takes more than one value
    takes them by keyword; one value (``find_student(token)``) may stay positional."""
    import inspect

    from storage import PracticeStore, SchoolStore, Store

    offenders = []
    for cls in (Store, PracticeStore, SchoolStore):
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_") or not method.__module__.startswith("storage."):
                continue
            params = list(inspect.signature(method).parameters.values())[1:]
            positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if len(params) > 1 and positional and not (len(positional) == 1 and positional[0] is params[0]):
                offenders.append(f"{cls.__name__}.{name}{inspect.signature(method)}")
    assert offenders == []
