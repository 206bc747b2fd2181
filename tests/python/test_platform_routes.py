"""The routing table shipped in the wheel (flagos/routes.conf) against tables the user gives.

A platform's table may name providers that are optional (FlagGems: metax's table routes dozens of
operators to it). On a machine without them those operators follow the default policy, with one
warning, instead of `import flagos` failing; a table the user gives (FLAGOS_ROUTES, FLAGOS_OP_*,
the API) that names an unavailable provider is still refused, naming file and line.
"""
from __future__ import annotations

import pathlib
from typing import Iterator

import pytest
import torch

import flagos.routing
from flagos.routing import _table
from testing import assert_close_to_reference, rand


@pytest.fixture
def platform_table(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pathlib.Path]:
    flaggems = next(p for p in flagos.routing.providers() if p.name == "flaggems")
    if not flaggems.unavailable():
        pytest.skip("flag_gems is installed here: the route would be taken")
    table = tmp_path / "routes.conf"
    monkeypatch.setattr(_table, "PLATFORM_ROUTES", table)
    yield table
    monkeypatch.undo()
    flagos.routing.reload()


def test_platform_routes_to_a_missing_provider_follow_the_default(platform_table: pathlib.Path,
                                                                  gen: torch.Generator) -> None:
    platform_table.write_text("default = native\nmm.default = flaggems\nexp.default = cpu\n")
    with pytest.warns(RuntimeWarning, match=r"platform's table \(.*routes.conf:2\) routes operators to 'flaggems', "
                                            r"which is unavailable here"):
        flagos.routing.reload()
    assert flagos.routing.get("mm.default") == "native"  # the default policy
    assert flagos.routing.get("exp.default") == "cpu"  # the table's other routes stand
    a = rand(gen, 3, 3)
    assert_close_to_reference(a.to("flagos") @ a.to("flagos"), a.double() @ a.double())


def test_a_user_table_naming_a_missing_provider_is_refused(platform_table: pathlib.Path, tmp_path: pathlib.Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    platform_table.write_text("default = native\n")
    user = tmp_path / "mine.conf"
    user.write_text("mm.default = flaggems\n")
    monkeypatch.setenv("FLAGOS_ROUTES", str(user))
    with pytest.raises(flagos.routing.RoutingError, match=r"mine.conf:1: routes mm.default to 'flaggems', "
                                                         r"which is unavailable here"):
        flagos.routing.reload()
    monkeypatch.delenv("FLAGOS_ROUTES")
