"""Numbered pages for the admin's lists (transactions, audit log)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageNumbers:
    number: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @classmethod
    def of(cls, requested: int, total: int, per_page: int) -> "PageNumbers":
        """The requested page, kept within the pages that exist (there is always one)."""
        pages = max((total + per_page - 1) // per_page, 1)
        return cls(min(max(requested, 1), pages), pages)

    def offset(self, per_page: int) -> int:
        return (self.number - 1) * per_page
