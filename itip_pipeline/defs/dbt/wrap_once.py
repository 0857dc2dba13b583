"""How the pipeline changes a function of dbt in its own dbt processes (dbt_process.py): the function replaced by a
wrapper of it, once per process, wherever dbt refers to it."""

from __future__ import annotations

from collections.abc import Callable

WRAPPED = "_itip_wrapped"  # set on a wrapper, so that a second call finds it installed


def wrap_once(owners: tuple[object, ...], name: str, wrap: Callable[[Callable], Callable]) -> bool:
    """Each owner's (a module or class) attribute `name` replaced by `wrap(original)`, unless already wrapped.
    False, and dbt left as it is, when the owners do not hold one and the same function."""
    original = getattr(owners[0], name, None)
    if getattr(original, WRAPPED, False):
        return True
    if original is None or any(getattr(owner, name, None) is not original for owner in owners[1:]):
        return False
    wrapper = wrap(original)
    setattr(wrapper, WRAPPED, True)
    for owner in owners:
        setattr(owner, name, wrapper)
    return True
