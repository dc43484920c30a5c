"""Contract name (``../shared/CONTRACT.md``): step checking lives in ``tutor.checking.step_check``."""

from tutor.checking.step_check import WorkingReport, check_working

__all__ = ["WorkingReport", "check_working"]
