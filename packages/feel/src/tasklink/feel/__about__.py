"""Version of the tasklink-feel distribution."""

__version__ = "0.1.0"
