"""Conditions of stages and effects: whether an answer given so far lets one run. Pure
functions of the three condition fields and the answer, shared by the engine, the checks of a
definition and the diagram."""

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from forms.builder import split_lines

from .models.definitions import ConditionOperator as Operator
from .models.definitions import Effect, Stage

# What a condition is set on.
Conditional = Stage | Effect

# Operators that compare with no value.
UNARY = frozenset({Operator.EMPTY, Operator.NOT_EMPTY})
NUMERIC = frozenset({Operator.AT_LEAST, Operator.AT_MOST})


def texts(answer: object) -> list[str]:
    """What an answer says, as texts to compare: each ticked choice of a checkbox list, an
    area by its name and its code, a number as written."""
    if answer is None or answer == "" or answer == []:
        return []
    if isinstance(answer, dict):
        return [str(answer[key]) for key in ("name", "code") if answer.get(key)]
    if isinstance(answer, list | tuple):
        return [text for item in answer for text in texts(item)]
    if isinstance(answer, bool):
        return ["true"] if answer else []
    return [str(answer).strip()]


def number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None


def holds(item: Conditional, answers: dict[str, object]) -> bool:
    """Whether a stage or an effect runs, given the answers so far by label. One with no
    condition always runs; a comparison with an answer that is missing does not hold."""
    if not item.condition_field:
        return True
    given = texts(answers.get(item.condition_field))
    operator = item.condition_operator
    if operator in UNARY:
        return (not given) == (operator == Operator.EMPTY)
    values = list(split_lines(item.condition_values))
    if operator == Operator.NOT_EQUALS:
        return bool(given) and not set(given) & set(values[:1])
    if operator in NUMERIC:
        return compare(operator, given, values[:1])
    # "is" compares with the first value, "is one of" with any of them.
    wanted = values[:1] if operator == Operator.EQUALS else values
    return bool(set(given) & set(wanted))


def compare(operator: str, given: Iterable[str], values: list[str]) -> bool:
    limit = number(values[0]) if values else None
    found = [n for n in (number(text) for text in given) if n is not None]
    if limit is None or not found:
        return False
    if operator == Operator.AT_LEAST:
        return all(n >= limit for n in found)
    return all(n <= limit for n in found)


def problems(item: Conditional, labels: set[str], where: str) -> list[str]:
    """What is wrong with a stage's or an effect's condition, `labels` being the fields it may
    read; `where` names it ("Stage “受理”")."""
    if not item.condition_field:
        if item.condition_operator or item.condition_values.strip():
            return [_("%(where)s: choose the field its condition reads.") % {"where": where}]
        return []
    found = []
    if item.condition_field not in labels:
        found.append(
            _(
                "%(where)s: its condition reads “%(label)s”, which is not a field of the intake "
                "form or of a reviewer form before it."
            )
            % {"where": where, "label": item.condition_field}
        )
    values = list(split_lines(item.condition_values))
    if not item.condition_operator:
        found.append(_("%(where)s: choose how its condition compares.") % {"where": where})
    elif item.condition_operator not in UNARY and not values:
        found.append(_("%(where)s: give the value its condition compares with.") % {"where": where})
    elif item.condition_operator in NUMERIC and number(values[0]) is None:
        found.append(
            _("%(where)s: “at least” and “at most” compare with a number.") % {"where": where}
        )
    return found
