"""The flagos version, shared by the wheel and the Python package."""

FLAGOS_VERSION = "0.1.0"
