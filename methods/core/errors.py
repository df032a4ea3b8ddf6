"""The error a method raises for a request it refuses; its message is meant for the user."""


class MethodError(ValueError):
    """A bad parameter or input for a method, or data it needs that is missing; the message is
    meant for the user."""
