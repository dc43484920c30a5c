"""The README's checking policy is POLICY.md, word for word (docs tested against the code's own copy)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_policy_section_is_policy_md() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    policy = (ROOT / "tutor" / "checking" / "POLICY.md").read_text(encoding="utf-8").split("\n", 1)[1].strip()
    section = readme.split("## How answers are checked (policy)\n", 1)[1].split("\n## ", 1)[0].strip()
    assert section == policy
