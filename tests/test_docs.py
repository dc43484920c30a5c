"""Docs that are copies are kept in step: the README's checking policy is POLICY.md word for word,
and its Practice section is docs/practice.md; its configuration table is ``Settings`` field for
field (with the defaults), and its admin commands are ``storage.admin``'s, each example parsing."""

import argparse
import re
import shlex
from pathlib import Path

import pytest

from storage.admin import build_parser
from storage.settings import StorageSettings
from tutor.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_policy_section_is_policy_md() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    policy = (ROOT / "tutor" / "checking" / "POLICY.md").read_text(encoding="utf-8").split("\n", 1)[1].strip()
    section = readme.split("## How answers are checked (policy)\n", 1)[1].split("\n## ", 1)[0].strip()
    assert section == policy


def test_readme_practice_section_is_docs_practice_md() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    doc = (ROOT / "docs" / "practice.md").read_text(encoding="utf-8").strip()
    section = readme.split('## Practice and "Check my working"\n', 1)[1].split("\n## ", 1)[0].strip()
    assert doc == '## Practice and "Check my working"\n\n' + section


# -- the configuration table and the admin commands (in the spirit of Datasette's documentation tests) --------


def _section(title: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _configuration_rows() -> dict[str, tuple[str, str]]:
    """``TUTOR_*`` variable -> (its row's meaning, its row's default), from the README's table."""
    rows = {}
    for line in _section("Configuration").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) != 3 or cells[0] in ("variable", "---"):
            continue
        names = re.findall(r"`(TUTOR_[A-Z0-9_]+)`", cells[0])
        assert names, f"a configuration row names no TUTOR_ variable: {line}"
        rows.update({name: (cells[1], cells[2]) for name in names})
    return rows


def _variables() -> dict[str, object]:
    """Each environment variable ``Settings`` reads -> the field's default."""
    prefix = Settings.model_config.get("env_prefix")
    assert prefix == "TUTOR_" and StorageSettings.model_config.get("env_prefix") == prefix
    assert set(StorageSettings.model_fields) <= set(Settings.model_fields)
    return {prefix + name.upper(): field.default for name, field in Settings.model_fields.items()}


def test_every_setting_is_in_the_configuration_table_and_every_row_is_a_setting() -> None:
    documented, variables = _configuration_rows(), _variables()
    assert sorted(set(variables) - set(documented)) == [], "settings missing from the README's table"
    assert sorted(set(documented) - set(variables)) == [], "README rows that are no setting"


def test_the_configuration_table_gives_the_defaults_the_code_has() -> None:
    rows = _configuration_rows()
    for variable, default in _variables().items():
        if default is None:  # computed at start-up (the model, the token cap, the database URL): prose
            continue
        shown = str(int(default)) if isinstance(default, float) and default.is_integer() else str(default)
        assert shown in rows[variable][1], f"{variable}: the code's default {shown!r} is not in {rows[variable][1]!r}"


def _admin_commands() -> set[str]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return set(sub.choices)


def _readme_admin_lines() -> list[list[str]]:
    """Each ``python -m storage.admin …`` example in the README, as its argument list (comment dropped)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [shlex.split(m.split("  #", 1)[0]) for m in re.findall(r"python -m storage\.admin ([^\n`]*)", readme)]


def test_every_admin_command_is_in_the_readme_and_every_one_it_names_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"storage\.admin (?:--database-url \S+ )?([a-z][a-z-]*)", readme))
    commands = _admin_commands()
    assert sorted(commands - named) == [], "admin commands the README does not show"
    assert sorted(named - commands) == [], "commands the README names that storage.admin lacks"


def test_the_readme_admin_examples_parse() -> None:
    examples = _readme_admin_lines()
    assert len(examples) >= len(_admin_commands())
    for argv in examples:
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            pytest.fail(f"python -m storage.admin {shlex.join(argv)}: the README's example does not parse")
