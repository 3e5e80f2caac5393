"""The version of eventstudy (distribution ``pyeventstudy``): the single source.

``pyproject.toml`` reads it (``[tool.setuptools.dynamic]``) and ``eventstudy.__version__``
re-exports it. Versioning and deprecation policy: CONTRIBUTING.md.
"""

__version__ = "0.1.0"
