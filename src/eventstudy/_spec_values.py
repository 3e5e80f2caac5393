"""Validators of spec values shared by :mod:`eventstudy.spec` and the spec sections of other
layers (:mod:`eventstudy.second_stage.spec_sections`): each names the field at fault and
lists what is valid. A leaf module, so a section parser does not import the spec it extends.
"""

from __future__ import annotations

from collections.abc import Sequence

from .exceptions import SpecError, suggest

Window = tuple[int, int]


def _invalid(where: str, value: object, valid: Sequence[str], what: str = "value") -> SpecError:
    hint = suggest(str(value), valid) if isinstance(value, str) else ""
    verdict = "" if what.startswith("unknown") else " is not valid"
    return SpecError(f"{where}: {what} {value!r}{verdict};{hint} valid: {', '.join(valid)}")


def _window(value: object, where: str) -> Window:
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    )
    if not ok:
        raise SpecError(
            f"{where} must be a pair of integer trading days [start, end], got {value!r}"
        )
    start, end = int(value[0]), int(value[1])  # type: ignore[index]
    if start > end:
        raise SpecError(f"{where} = [{start}, {end}]: the start must not be after the end")
    from .events import MAX_RELATIVE_DAY

    if max(abs(start), abs(end)) > MAX_RELATIVE_DAY:
        raise SpecError(
            f"{where} = [{start}, {end}]: more sessions than any price history holds (at most "
            f"+/-{MAX_RELATIVE_DAY} days, about 80 years); use e.g. [-250, -11]"
        )
    return (start, end)


def _choice(value: object, valid: Sequence[str], where: str) -> str:
    if not isinstance(value, str) or value not in valid:
        raise _invalid(where, value, valid)
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SpecError(f"{where} must be a non-empty string, got {value!r}")
    return value.strip()
