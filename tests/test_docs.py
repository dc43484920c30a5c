"""Docs that are copies are kept in step: the README's checking policy is POLICY.md word for word,
and its Practice section is docs/practice.md."""

from pathlib import Path

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
