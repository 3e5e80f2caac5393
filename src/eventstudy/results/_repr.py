"""The text and Jupyter (HTML) views of :class:`~eventstudy.results.EventStudyResults`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - annotations only: base imports this module
    from .base import EventStudyResults


def _repr_html_(self: EventStudyResults) -> str:
    from ..report.document import repr_html

    return repr_html(self)


def __repr__(self: EventStudyResults) -> str:
    used = int(self.panel.n_events)
    total = len(self.status)
    return (
        f"<EventStudyResults: {self.panel.model or type(self.model).__name__}, "
        f"{used} of {total} events used, event window {self.windows.get('event')}, "
        f"{self.return_kind} returns, primary test {self.primary_test}, "
        f"conventions {self.conventions.name if self.conventions is not None else 'default'}>"
    )
