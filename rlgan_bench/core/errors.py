"""Errors that reach the user as one line: what is wrong and how to fix it."""


class RlganError(Exception):
    """A problem with the user's input or environment, reported without a traceback."""


class ConfigError(RlganError):
    """A bad configuration value or command-line flag."""


class PluginError(RlganError):
    """A plugin that failed to load, registered a clashing name, or misbehaved at run time."""


class MissingFileError(RlganError):
    """A dataset or weights file that is not on this machine (nothing is downloaded at run time)."""
