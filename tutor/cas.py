"""Contract name (``../shared/CONTRACT.md``): the cross-check lives in ``tutor.checking.cross_check``."""

from tutor.checking.cross_check import CasResult, cas_answer

__all__ = ["CasResult", "cas_answer"]
