"""scripts/pin-base-image rewrites the Containerfile's base image with the registry's digest.

No registry answers here, so ``crane`` is a stand-in that prints a digest (the far side
of the network); the script, sed and the Containerfile are the real ones.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "scripts" / "pin-base-image"
DIGEST = "sha256:" + "ab12" * 16


def _tools(tmp_path: Path, crane_output: str | None) -> dict[str, str]:
    """A PATH with the shell tools the script uses and, if given, a stand-in crane."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("sh", "sed", "cut", "tr", "mv", "cat", "sha256sum"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    if crane_output is not None:
        crane = bin_dir / "crane"
        crane.write_text(f'#!/bin/sh\n[ "$1" = digest ] && echo "{crane_output}"\n')
        crane.chmod(0o755)
    return {"PATH": str(bin_dir)}


def _containerfile(tmp_path: Path) -> Path:
    copy = tmp_path / "Containerfile"
    shutil.copyfile(PROJECT_ROOT / "Containerfile", copy)
    return copy


def _image(text: str) -> str:
    match = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, flags=re.MULTILINE)
    assert match
    return match.group(1)


@pytest.mark.parametrize("runs", [1, 2], ids=["first-pin", "re-pin"])
def test_the_digest_is_written_after_the_tag(tmp_path: Path, runs: int) -> None:
    containerfile = _containerfile(tmp_path)
    before = containerfile.read_text(encoding="utf-8")
    tag = _image(before).split("@")[0]
    for attempt in range(runs):
        result = subprocess.run(
            [str(SCRIPT), str(containerfile)], env=_tools(tmp_path / str(attempt), DIGEST),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    after = containerfile.read_text(encoding="utf-8")
    assert _image(after) == f"{tag}@{DIGEST}"
    # Nothing else changes.
    assert re.sub(r"^ARG PYTHON_IMAGE=.*$", "", after, flags=re.M) == re.sub(
        r"^ARG PYTHON_IMAGE=.*$", "", before, flags=re.M
    )


@pytest.mark.parametrize(
    ("crane_output", "message"),
    [(None, "needs docker buildx, skopeo or crane"), ("", "gave no digest")],
    ids=["no-tool", "no-answer"],
)
def test_without_a_digest_the_file_is_left_alone(
    tmp_path: Path, crane_output: str | None, message: str
) -> None:
    containerfile = _containerfile(tmp_path)
    before = containerfile.read_text(encoding="utf-8")
    result = subprocess.run(
        [str(SCRIPT), str(containerfile)], env=_tools(tmp_path, crane_output),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert message in result.stderr
    assert containerfile.read_text(encoding="utf-8") == before
