"""The base of every store built on a `Store`: one engine, one set of transactions.

`SchoolStore`'s parts and `PracticeStore` take the app's `Store` rather than an engine, so
they share its `Transactions` (one retry policy, one sessionmaker) and the students it
creates; nothing else is shared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.store import Store


class Repository:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.transactions = store.transactions

    @property
    def dialect(self) -> str:
        """The database's SQLAlchemy dialect name, e.g. ``"sqlite"`` or ``"postgresql"``."""
        return self.transactions.dialect
