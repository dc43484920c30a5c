"""Teacher accounts and classes from the command line.

    python -m storage.admin add-teacher NAME            (asks for the password; or --password-stdin)
    python -m storage.admin reset-password NAME         (same)
    python -m storage.admin remove-teacher NAME [--reassign-to OTHER | --delete-students | --keep-students]
                                                        (a teacher with students needs one of these)
    python -m storage.admin list-teachers
    python -m storage.admin create-class TEACHER "CLASS NAME"   (prints the join code alone on the last line)
    python -m storage.admin list-classes [TEACHER]
    python -m storage.admin rotate-code CODE            (new join code, alone on the last line;
                                                          the old one stops working)
    python -m storage.admin class-solutions CODE on|off (allow or forbid Reveal in Hint / Coach me)
    python -m storage.admin backup DEST                 (SQLite online backup of the live database)

The database is ``TUTOR_DATABASE_URL`` (or the SQLite file under ``TUTOR_DATA_DIR``), as for
the app, or ``--database-url``; it is upgraded to the newest schema first.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from storage.db import StorageError, make_engine, upgrade
from storage.school import SchoolStore
from storage.settings import StorageSettings
from storage.store import Store


def bootstrap_teacher(school: SchoolStore, username: str | None, password: str | None) -> None:
    """Start-up: create or update the `TUTOR_TEACHER_USER` account when both values are set."""
    if not username and not password:
        return
    if not username or not password:
        raise SystemExit("set both TUTOR_TEACHER_USER and TUTOR_TEACHER_PASSWORD, or neither")
    try:
        school.ensure_teacher(username=username, password=password)
    except ValueError as exc:
        raise SystemExit(f"TUTOR_TEACHER_USER/TUTOR_TEACHER_PASSWORD: {exc}") from None


def database_url(given: str | None) -> str:
    """``--database-url`` when given, else the app's own (TUTOR_DATABASE_URL / TUTOR_DATA_DIR):
    the admin commands and the seeder then open the database the app uses."""
    if given:
        return given
    return StorageSettings().resolved_database_url()


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise SystemExit("the passwords differ")
    return first


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per job (the README's "For teachers" block lists every one,
    ``tests/test_docs.py`` checks)."""
    parser = argparse.ArgumentParser(prog="python -m storage.admin", description="Teacher accounts and classes.")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: as the app)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("add-teacher", "reset-password"):
        p = sub.add_parser(name)
        p.add_argument("username")
        p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p = sub.add_parser(
        "remove-teacher", help="remove a teacher; one whose classes have students needs a choice for them"
    )
    p.add_argument("username")
    choice = p.add_mutually_exclusive_group()
    choice.add_argument("--reassign-to", metavar="TEACHER", help="give the classes and their students to this teacher")
    choice.add_argument(
        "--delete-students", action="store_true", help="delete the students' records (sessions, answers, flags)"
    )
    choice.add_argument(
        "--keep-students", action="store_true", help="keep the students, unattached (their history stays)"
    )
    sub.add_parser("list-teachers")
    p = sub.add_parser("create-class")
    p.add_argument("teacher")
    p.add_argument("name")
    sub.add_parser("list-classes").add_argument("teacher", nargs="?")
    p = sub.add_parser("class-solutions", help="allow or forbid 'Reveal the solution' in Hint / Coach me for a class")
    p.add_argument("code", help="the class's join code")
    p.add_argument("setting", choices=("on", "off"))
    sub.add_parser(
        "rotate-code", help="give a class a new join code; the old one stops working, its students stay"
    ).add_argument("code")
    sub.add_parser("backup", help="copy the live SQLite database with SQLite's online backup").add_argument("dest")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    engine = make_engine(database_url(args.database_url))
    try:
        upgrade(engine)
        school = SchoolStore(Store(engine))
        return _run(args, school)
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, school: SchoolStore) -> int:
    if args.command == "add-teacher":
        try:
            school.add_teacher(username=args.username, password=_password(args))
        except ValueError as exc:
            raise SystemExit(f"error: {exc}") from None
        print(f"teacher {args.username} added")
    elif args.command == "reset-password":
        try:
            found = school.set_password(username=args.username, password=_password(args))
        except ValueError as exc:
            raise SystemExit(f"error: {exc}") from None
        if not found:
            raise SystemExit(f"error: no teacher {args.username!r}")
        print(f"password of {args.username} reset")
    elif args.command == "remove-teacher":
        if school.teacher(args.username) is None:
            raise SystemExit(f"error: no teacher {args.username!r}")
        students = school.teacher_student_count(args.username)
        if students and not (args.reassign_to or args.delete_students or args.keep_students):
            raise SystemExit(
                f"error: {args.username}'s classes have {students} student(s). Choose what happens to them:\n"
                f"  --reassign-to TEACHER   give the classes and their students to another teacher\n"
                f"  --delete-students       delete the students' records (sessions, answers, flags)\n"
                f"  --keep-students         keep them, unattached to any class (their history stays)"
            )
        if args.reassign_to:
            moved = school.reassign_classes(username=args.username, to_username=args.reassign_to)
            if moved is None:
                raise SystemExit(f"error: no teacher {args.reassign_to!r} to reassign to (or it is the same teacher)")
            print(f"{moved} class(es) of {args.username} now belong to {args.reassign_to}")
        elif args.delete_students:
            print(f"{school.delete_teacher_students(args.username)} student(s) deleted with their records")
        school.remove_teacher(args.username)
        print(f"teacher {args.username} removed")
    elif args.command == "list-teachers":
        for t in school.teachers():
            print(f"{t.username}\tsince {t.created_at:%Y-%m-%d}")
    elif args.command == "create-class":
        teacher = school.teacher(args.teacher)
        if teacher is None:
            raise SystemExit(f"error: no teacher {args.teacher!r}; add one with add-teacher")
        try:
            created = school.create_class(teacher_id=teacher.id, name=args.name)
        except ValueError as exc:
            raise SystemExit(f"error: {exc}") from None
        print(f"class {created.name!r} created for {teacher.username}; students join with the code:")
        print(created.join_code)
    elif args.command == "class-solutions":
        if not school.set_show_solution(code=args.code, allowed=args.setting == "on"):
            raise SystemExit(f"error: no class with the code {args.code!r}")
        print(
            f"worked solutions {'allowed' if args.setting == 'on' else 'forbidden'} "
            f"in Hint / Coach me for class {args.code}"
        )
    elif args.command == "rotate-code":
        rotated = school.rotate_code_by_code(args.code)
        if rotated is None:
            raise SystemExit(f"error: no class with the code {args.code!r}")
        print(f"class {rotated.name!r}: the code {args.code!r} no longer works; students join with the code:")
        print(rotated.join_code)
    elif args.command == "backup":
        try:
            school.store.backup(args.dest)
        except StorageError as exc:
            raise SystemExit(f"error: {exc}") from None
        print(f"backed up to {args.dest}")
    elif args.command == "list-classes":
        rows = [(u, c) for u, c in school.all_classes() if args.teacher in (None, u)]
        for username, c in rows:
            print(f"{c.join_code}\t{username}\t{c.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
