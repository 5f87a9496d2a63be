"""The pytest plugin of tasklink-testing (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._kit import SHARED_DIR_VARIABLE, shared_kit_dir


@pytest.fixture(scope="session")
def shared_kit(request: pytest.FixtureRequest) -> Path:
    """The developer kit beside the repository (vendor specs, TCK cases); skips if absent."""
    found = shared_kit_dir(Path(str(request.config.rootpath)))
    if found is None:
        pytest.skip(
            f"the tasklink kit is absent: set {SHARED_DIR_VARIABLE} or place it as "
            "'shared' beside the repository"
        )
    return found
