"""SSP-evaluering: evidence for the yearly evaluation of the action plan for digital offences."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ssp-evaluering")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+ukendt"
