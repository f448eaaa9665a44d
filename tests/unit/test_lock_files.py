"""The lock files pin, with hashes, every dependency pyproject.toml declares.

A dependency added to pyproject.toml without ``make lock`` would be missing from the
image and from ``make install``; a range narrowed without it would install a version
pyproject.toml no longer allows. Offline: it reads the files only.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from app.config import PROJECT_ROOT

REQUIREMENTS = PROJECT_ROOT / "requirements"
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# What each lock must cover: the project's dependencies plus these extras.
LOCKS = {
    "runtime.txt": (),
    "dev.txt": ("dev", "embedded"),
    "bench.txt": ("bench",),
}
# The image's Python: the locks are for 3.11 on Linux (and universal besides).
LINUX_311 = default_environment() | {
    "python_version": "3.11",
    "python_full_version": "3.11.14",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


@dataclass(frozen=True)
class Pin:
    version: Version
    marker: str | None
    hashes: tuple[str, ...]


def read_lock(name: str) -> dict[str, list[Pin]]:
    """Every ``name==version`` entry of a lock file (a name may appear once per marker)."""
    text = (REQUIREMENTS / name).read_text(encoding="utf-8")
    pins: dict[str, list[Pin]] = {}
    # An entry is its first line plus its backslash-continued lines.
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        lines = [line.strip() for line in entry.splitlines() if not line.lstrip().startswith("#")]
        if not lines:
            continue
        logical = " ".join(line.rstrip("\\").strip() for line in lines)
        requirement_text, *options = logical.split(" --")
        requirement = Requirement(requirement_text.strip())
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1, f"{name}: {requirement_text!r} is not an exact pin"
        assert specifiers[0].operator == "==", f"{name}: {requirement_text!r} is not ==pinned"
        hashes = tuple(o.removeprefix("hash=") for o in options if o.startswith("hash="))
        pins.setdefault(canonicalize_name(requirement.name), []).append(
            Pin(
                Version(specifiers[0].version),
                str(requirement.marker) if requirement.marker else None,
                hashes,
            )
        )
    return pins


def declared(extras: tuple[str, ...]) -> list[Requirement]:
    project = PYPROJECT["project"]
    items = list(project["dependencies"])
    for extra in extras:
        items += project["optional-dependencies"][extra]
    return [Requirement(item) for item in items]


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_entry_is_pinned_with_sha256_hashes(lock: str) -> None:
    pins = read_lock(lock)
    assert pins, f"{lock} is empty"
    for name, entries in pins.items():
        for pin in entries:
            assert pin.hashes, f"{lock}: {name}=={pin.version} has no --hash= line"
            for digest in pin.hashes:
                assert re.fullmatch(r"sha256:[0-9a-f]{64}", digest), f"{lock}: {name} {digest}"


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_declared_dependency_is_locked_within_its_range(lock: str) -> None:
    pins = read_lock(lock)
    for requirement in declared(LOCKS[lock]):
        if requirement.marker and not requirement.marker.evaluate(LINUX_311):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} lacks {requirement.name}: run `make lock`"
        for pin in pins[name]:
            assert requirement.specifier.contains(pin.version, prereleases=True), (
                f"{lock} pins {name}=={pin.version}, outside pyproject.toml's "
                f"{requirement.specifier}: run `make lock`"
            )
        for extra in requirement.extras:  # psycopg[binary] -> psycopg-binary
            assert canonicalize_name(f"{name}-{extra}") in pins, f"{lock} lacks {name}[{extra}]"


def test_runtime_versions_are_the_tested_ones() -> None:
    # The image runs what the tests ran: every runtime pin equals the dev lock's.
    dev = read_lock("dev.txt")
    for lock in ("runtime.txt", "bench.txt", "build.txt"):
        for name, entries in read_lock(lock).items():
            if name in dev:
                assert [p.version for p in entries] == [p.version for p in dev[name]], (
                    f"{lock} and dev.txt disagree on {name}: run `make lock`"
                )


def test_the_build_backend_is_locked() -> None:
    pins = read_lock("build.txt")
    for item in PYPROJECT["build-system"]["requires"]:
        requirement = Requirement(item)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"build.txt lacks {name}: run `make lock`"
        assert all(requirement.specifier.contains(p.version) for p in pins[name])


@pytest.mark.parametrize("lock", sorted([*LOCKS, "build.txt"]))
def test_locks_name_only_the_public_index(lock: str) -> None:
    text = (REQUIREMENTS / lock).read_text(encoding="utf-8")
    for option in ("--index-url", "--extra-index-url", "--find-links", "-f ", "file:"):
        assert option not in text, f"{lock} refers to a package source other than PyPI"
    assert "#    make lock" in text, f"{lock} was not written by `make lock`"


def test_install_uses_the_lock() -> None:
    makefile = Path(PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    # uv installs the lock (hashes checked); uv itself comes from the lock through pip.
    assert (
        "uv pip install --quiet --require-hashes --python $(BIN)/python -r requirements/dev.txt"
        in makefile
    )
    assert "install --quiet --require-hashes -r $(VENV)/uv-lock.txt" in makefile
    assert "/^uv==/" in makefile
    assert "install --quiet --no-deps --no-build-isolation -e ." in makefile
    assert re.search(r"^\$\(STAMP\): pyproject\.toml requirements/dev\.txt$", makefile, re.M)
