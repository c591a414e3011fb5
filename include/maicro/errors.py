"""The one exception type the CLI turns into a one-line reason and a non-zero exit."""


class MaicroError(Exception):
    """A failure the user can act on; its message names what was wrong."""
