"""Contract name (``../shared/CONTRACT.md``): the hint screen lives in ``tutor.checking.hint_screen``."""

from tutor.checking.hint_screen import Screened, screen_hint

__all__ = ["Screened", "screen_hint"]
