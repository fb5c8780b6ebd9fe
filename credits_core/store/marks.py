"""The marks that build the write gate: ``@writes`` on every method that writes, ``@reads`` on every method or
property a page may call to read. The gate (``store.access``) allows what is marked and refuses the rest."""

from __future__ import annotations

from collections.abc import Callable


def writes(method: Callable) -> Callable:
    """Marks a method that changes the file. ``access.WriteGate`` is built from these marks: a method is a write
    because it says so here, and the gate lets it through only for a manager (deny by default)."""
    method.__credits_write__ = True
    return method


def write_methods(cls: type) -> frozenset[str]:
    """The names of the methods of ``cls`` marked with ``@writes``."""
    return frozenset(name for name in dir(cls) if getattr(getattr(cls, name, None), "__credits_write__", False))


def reads(fn):
    """Mark a method (or a property's getter, under ``@property``) as a read a page may call through the gate."""
    fn.reads = True
    return fn


def read_methods(cls: type) -> frozenset[str]:
    """The names of ``cls`` marked ``@reads`` (methods, properties and context managers)."""
    out = set()
    for name in dir(cls):
        attr = getattr(cls, name, None)
        fn = attr.fget if isinstance(attr, property) else getattr(attr, "__wrapped__", attr)
        if getattr(fn, "reads", False) or getattr(attr, "reads", False):
            out.add(name)
    return frozenset(out)
