"""Fake (meta) kernels of flagos operators."""


def register() -> None:
    pass
