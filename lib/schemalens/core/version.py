"""The version of schemalens (reports, SARIF and the persistent cache's key carry it)."""

__version__ = "0.1.0"
