"""Settings read from the environment, in one place.

=========================  ==========================================================
variable                   meaning
=========================  ==========================================================
``EVENTSTUDY_CACHE_DIR``   folder of the on-disk price cache (default: the user's
                           cache folder from ``platformdirs``, e.g. ``~/.cache/eventstudy``)
``EVENTSTUDY_OFFLINE``     ``1``/``true``: never touch the network; a cache miss is an error
``EVENTSTUDY_PRICES_DIR``  read prices from this folder of per-ticker CSV/Parquet files
                           instead of downloading (notebooks and scripts run unchanged offline)
``EVENTSTUDY_FACTORS_DIR`` read Fama-French factor CSVs from this folder
=========================  ==========================================================

Nothing here is read at import time: every function looks at the environment when called.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "env_flag", "factors_dir", "offline", "prices_dir"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_flag(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable (``1/true/yes/on`` or ``0/false/no/off``).

    Examples
    --------
    >>> import os
    >>> from eventstudy.config import env_flag
    >>> os.environ["EVENTSTUDY_OFFLINE"] = "1"
    >>> env_flag("EVENTSTUDY_OFFLINE")
    True
    >>> del os.environ["EVENTSTUDY_OFFLINE"]
    """
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    from .exceptions import SpecError

    raise SpecError(
        f"environment variable {name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off"
    )


def _default_cache_root() -> Path:
    """The user's cache folder for eventstudy, as ``platformdirs`` defines it per platform
    (``$XDG_CACHE_HOME/eventstudy``, ``~/Library/Caches/eventstudy``,
    ``%LOCALAPPDATA%\\eventstudy\\Cache``)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("eventstudy", appauthor=False))


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Folder of the price cache: the argument, else ``EVENTSTUDY_CACHE_DIR``, else the user cache.

    Examples
    --------
    >>> import os
    >>> from eventstudy.config import cache_dir
    >>> cache_dir("/data/es-cache").as_posix()  # an argument wins
    '/data/es-cache'
    >>> os.environ["EVENTSTUDY_CACHE_DIR"] = "/tmp/es-cache"
    >>> cache_dir().as_posix()  # else the variable, else e.g. ~/.cache/eventstudy
    '/tmp/es-cache'
    >>> del os.environ["EVENTSTUDY_CACHE_DIR"]
    """
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("EVENTSTUDY_CACHE_DIR")
    return Path(env).expanduser() if env else _default_cache_root()


def offline(override: bool | None = None) -> bool:
    """Offline mode: the argument if given, else ``EVENTSTUDY_OFFLINE``.

    Examples
    --------
    >>> import os
    >>> from eventstudy.config import offline
    >>> offline(False)  # an argument wins over the environment
    False
    >>> os.environ["EVENTSTUDY_OFFLINE"] = "yes"
    >>> offline()
    True
    >>> del os.environ["EVENTSTUDY_OFFLINE"]
    """
    return env_flag("EVENTSTUDY_OFFLINE") if override is None else bool(override)


def prices_dir(override: str | os.PathLike[str] | None = None) -> Path | None:
    """Folder of local prices: the argument, else ``EVENTSTUDY_PRICES_DIR``, else ``None``.

    Examples
    --------
    >>> import os
    >>> from eventstudy.config import prices_dir
    >>> prices_dir("../shared/data/prices").as_posix()  # the argument, else the variable
    '../shared/data/prices'
    >>> saved = os.environ.pop("EVENTSTUDY_PRICES_DIR", None)
    >>> prices_dir() is None  # neither: prices are downloaded
    True
    >>> if saved is not None:
    ...     os.environ["EVENTSTUDY_PRICES_DIR"] = saved
    """
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("EVENTSTUDY_PRICES_DIR")
    return Path(env).expanduser() if env else None


def factors_dir(override: str | os.PathLike[str] | None = None) -> Path | None:
    """Folder of local factor CSVs: the argument, else ``EVENTSTUDY_FACTORS_DIR``, else ``None``.

    Examples
    --------
    >>> import os
    >>> from eventstudy.config import factors_dir
    >>> os.environ["EVENTSTUDY_FACTORS_DIR"] = "/data/french"
    >>> factors_dir().as_posix()  # the argument, else EVENTSTUDY_FACTORS_DIR, else None
    '/data/french'
    >>> del os.environ["EVENTSTUDY_FACTORS_DIR"]
    """
    if override is not None:
        return Path(override).expanduser()
    env = os.environ.get("EVENTSTUDY_FACTORS_DIR")
    return Path(env).expanduser() if env else None
