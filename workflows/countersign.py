"""Countersign (会签): when a stage acted on by several actors at once is settled, as a pure
function of its rule and the votes so far, shared by the flow's join and the stage's outcome."""

from django.utils.translation import gettext as _

from .models import Stage

APPROVED, REJECTED = "approved", "rejected"


def needed(stage: Stage, total: int) -> int:
    """How many approvals settle the stage as approved."""
    if stage.countersign_rule == Stage.Rule.ANY:
        return 1
    if stage.countersign_rule == Stage.Rule.AT_LEAST:
        return min(stage.countersign_count or total, total)
    return total


def settled(stage: Stage, total: int, approvals: int, rejections: int) -> str | None:
    """APPROVED, REJECTED, or None while the votes still to come could tip it."""
    if rejections and stage.countersign_rejection == Stage.Rejection.VETO:
        return REJECTED
    if approvals >= needed(stage, total):
        return APPROVED
    if total - rejections < needed(stage, total):
        return REJECTED
    return None


def problems(stage: Stage, signers: int) -> list[str]:
    name = stage.name or stage.key
    found = []
    if signers < 2:
        found.append(
            _("Stage “%(stage)s” is countersigned: give it at least two countersigners.")
            % {"stage": name}
        )
    if stage.countersign_rule == Stage.Rule.AT_LEAST and not (
        stage.countersign_count and stage.countersign_count <= signers
    ):
        found.append(
            _(
                "Stage “%(stage)s”: say how many countersigners must approve, no more than "
                "there are."
            )
            % {"stage": name}
        )
    return found


def summary(approvals: int, rejections: int, total: int) -> str:
    return _("%(approvals)d of %(total)d approved, %(rejections)d rejected.") % {
        "approvals": approvals,
        "total": total,
        "rejections": rejections,
    }
