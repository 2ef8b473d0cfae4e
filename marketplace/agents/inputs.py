"""The one error every built-in runner raises for input it cannot run."""


class InputError(ValueError):
    """The job's input cannot be run (missing, malformed, too short, too large)."""
