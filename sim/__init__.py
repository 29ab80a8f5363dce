"""citypaths: decarbonisation pathways for cities.

The import package is `sim`; the distribution and the command are `citypaths`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("citypaths")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
