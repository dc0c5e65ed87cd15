"""What an edit would do before it is recorded: the total expected annual loss with it.

A review types "2" into a frequency and the total moves from $1.42M to $3.05M; the form shows
that before anything is written, and a change of the total by more than
:data:`REASON_SHARE` needs a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from riskmodel.report.analysis import Analysis, analyse
from riskmodel.review.edits import Edit, EditKey, EditValue, current_value
from riskmodel.sources.scenario import LoadedScenario

REASON_SHARE = 0.20
"""An edit that moves total EAL by more than this share of it must say why."""


@dataclass(frozen=True)
class EditPreview:
    """Total EAL (dollars per year) now and with the edit; the field's value now (after earlier edits)."""

    old_value: EditValue
    new_value: EditValue
    eal_before: float
    eal_after: float

    @property
    def change(self) -> float:
        return self.eal_after - self.eal_before

    @property
    def change_share(self) -> float:
        """The change as a share of the total now (infinite when the total is zero and moves)."""
        if self.eal_before == 0:
            return 0.0 if self.change == 0 else float("inf")
        return abs(self.change) / self.eal_before

    @property
    def needs_reason(self) -> bool:
        return self.change_share > REASON_SHARE


def preview_edit(loaded: LoadedScenario, edits: Sequence[Edit], key: EditKey, new_value: EditValue,
                 analysis: Analysis | None = None) -> EditPreview:
    """The total with ``edits`` and one more edit of ``key`` to ``new_value``.

    ``analysis``, when given, must be :func:`analyse` of ``loaded`` with ``edits`` (the app
    passes its cached one). Raises the validators' :class:`~riskmodel.errors.InputError` for a
    value they reject (the same message a YAML file would get)."""
    analysis = analysis or analyse(loaded, edits)
    kind, target_id, field = key
    old = current_value(analysis.loaded.catalog, analysis.loaded.scenario, kind, target_id, field)
    edit = Edit(kind, target_id, field, old, new_value, who="preview")
    after = analyse(loaded, (*edits, edit)).register.eal_per_year
    return EditPreview(old, edit.new_value, analysis.register.eal_per_year, after)


__all__ = ["REASON_SHARE", "EditPreview", "preview_edit"]
