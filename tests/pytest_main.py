"""Runs pytest for a Bazel py_test (or by hand: python tests/pytest_main.py tests/python/test_x.py).

Bazel integration: JUnit XML into $XML_OUTPUT_FILE, --test_filter as `-k`, test sharding
(TEST_TOTAL_SHARDS/TEST_SHARD_INDEX). pytest exits with 5 when it collected no test; that counts as
a pass only for a shard or filter that legitimately selected nothing, never for a whole file
(a test file without tests is a test that cannot fail).
"""
from __future__ import annotations

import os
import sys

import pytest

NO_TESTS_COLLECTED = 5


class _Shard:
    def __init__(self, index: int, total: int) -> None:
        self.index, self.total = index, total

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        keep = [item for i, item in enumerate(items) if i % self.total == self.index]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep


def main(argv: list[str]) -> int:
    args = ["-q", "-p", "no:cacheprovider", "-W", "error::pytest.PytestUnraisableExceptionWarning", *argv]
    plugins: list[object] = []
    selected_subset = False
    if os.environ.get("XML_OUTPUT_FILE"):
        args.append("--junitxml=" + os.environ["XML_OUTPUT_FILE"])
    if os.environ.get("TESTBRIDGE_TEST_ONLY"):
        args += ["-k", os.environ["TESTBRIDGE_TEST_ONLY"]]
        selected_subset = True
    total = int(os.environ.get("TEST_TOTAL_SHARDS", "1"))
    if total > 1:
        if os.environ.get("TEST_SHARD_STATUS_FILE"):
            open(os.environ["TEST_SHARD_STATUS_FILE"], "w").close()
        plugins.append(_Shard(int(os.environ["TEST_SHARD_INDEX"]), total))
        selected_subset = True
    rc = int(pytest.main(args, plugins=plugins))
    if rc == NO_TESTS_COLLECTED and selected_subset:
        return 0
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
