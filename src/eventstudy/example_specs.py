"""The example study specs shipped with the package (``eventstudy example NAME --out DIR``).

The specs live in ``eventstudy/examples/*.toml`` (package data, so a wheel user has them);
the repository's ``examples/`` folder holds the same files for the README's main job, and a
test keeps the two identical.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from .exceptions import OutputError, SpecError

__all__ = ["copy_example", "example_names", "example_text"]


def _folder() -> Traversable:
    return resources.files("eventstudy").joinpath("examples")


def example_names() -> list[str]:
    """Names of the shipped example specs, sorted.

    Returns
    -------
    list of str
        Each name ``NAME`` is the file ``NAME.toml``.

    Examples
    --------
    >>> from eventstudy.example_specs import example_names
    >>> "deepseek_selloff" in example_names()
    True
    """
    return sorted(
        p.name.removesuffix(".toml") for p in _folder().iterdir() if p.name.endswith(".toml")
    )


def example_text(name: str) -> str:
    """The TOML text of the example spec ``name``.

    Parameters
    ----------
    name : str
        One of :func:`example_names` (a trailing ``.toml`` is accepted).

    Returns
    -------
    str
        The spec, ready for :func:`eventstudy.load_spec` once written to a file.

    Raises
    ------
    SpecError
        ``name`` is not a shipped example (the message lists those that are).

    Examples
    --------
    >>> from eventstudy.example_specs import example_text
    >>> "[model]" in example_text("deepseek_selloff")
    True
    """
    stem = name.removesuffix(".toml")
    names = example_names()
    if stem not in names:
        raise SpecError(f"no example named {name!r}; the examples are: {', '.join(names)}")
    return _folder().joinpath(f"{stem}.toml").read_text(encoding="utf-8")


def copy_example(name: str, out: str | Path = ".") -> Path:
    """Write the example spec ``name`` as ``out/NAME.toml`` and return its path.

    The folder is created if needed. A file that is already there is never overwritten: if
    it holds exactly the example's text it is reused, otherwise an :class:`OutputError`
    says so (the library never replaces a file it did not create).

    Parameters
    ----------
    name : str
        One of :func:`example_names`.
    out : str or Path, default "."
        Folder to write into.

    Returns
    -------
    Path
        The written (or identical, reused) spec file.

    Raises
    ------
    SpecError
        Unknown example name.
    OutputError
        ``out/NAME.toml`` exists with other content, or the folder is not writable.

    Examples
    --------
    >>> import tempfile
    >>> from eventstudy.example_specs import copy_example
    >>> path = copy_example("deepseek_selloff", tempfile.mkdtemp())
    >>> path.name
    'deepseek_selloff.toml'
    """
    text = example_text(name)
    folder = Path(out)
    target = folder / f"{name.removesuffix('.toml')}.toml"
    if target.exists():
        if target.is_file() and target.read_bytes() == text.encode("utf-8"):
            return target
        raise OutputError(
            f"{target} already exists and differs from the example; it is not "
            "overwritten: move it away or choose another --out folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as fh:  # "x": never replaces a file
            fh.write(text)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
