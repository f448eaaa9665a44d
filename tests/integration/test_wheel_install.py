"""The project's wheel works on its own: sql/ and migrations/ travel inside it.

The image installs this wheel (no source tree beside it), so the console script must
find the migrations and the named queries in the installed package, from any directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT

# What the Containerfile copies into its build stage, and nothing else.
BUILD_CONTEXT = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "app",
    "sql",
    "migrations",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built offline by the locked setuptools from the files the Containerfile
    copies (a clean tree, as in the image: no build/ left over from an earlier run)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_CONTEXT:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(path, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    (built,) = out.glob("emotional_balance-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch venv holding only the wheel; the dependencies come from the test venv
    through a .pth line (a plain path: the test venv's own editable hook stays out)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    (site_packages / "test_venv_deps.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return venv


def test_the_containerfile_copies_the_build_context() -> None:
    containerfile = (PROJECT_ROOT / "Containerfile").read_text(encoding="utf-8")
    build_stage = containerfile.split(" AS runtime")[0]
    for name in BUILD_CONTEXT:
        assert f"COPY {name} " in build_stage or f" {name} " in build_stage, name


def test_the_wheel_carries_every_query_and_migration(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    sql = sorted(PROJECT_ROOT.glob("sql/**/*.sql"))
    migrations = sorted(PROJECT_ROOT.glob("migrations/*.sql"))
    assert sql
    assert migrations
    for path in [*sql, *migrations]:
        packaged = "app/_data/" + path.relative_to(PROJECT_ROOT).as_posix()
        assert packaged in names, f"{packaged} is missing from {wheel.name}"


def test_the_wheel_carries_the_console_templates_and_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    console = PROJECT_ROOT / "app" / "adapters" / "console"
    shipped = [*console.glob("templates/**/*.html"), *console.glob("static/*")]
    assert console / "templates" / "base.html" in shipped
    assert console / "static" / "htmx.min.js" in shipped
    for path in shipped:
        packaged = path.relative_to(PROJECT_ROOT).as_posix()
        assert packaged in names, f"{packaged} is missing from {wheel.name}"


def test_the_installed_script_finds_the_migrations_outside_the_repository(
    installed: Path, database_url: str, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_FORMAT": "console",
    }
    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c",
         "import app.config as c; print(c.__file__); print(c.MIGRATIONS_DIR); print(c.SQL_DIR)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    module, migrations_dir, sql_dir = where.stdout.splitlines()
    assert module.startswith(str(installed)), "the wheel, not the checkout, was imported"
    assert migrations_dir.startswith(str(installed))
    assert sql_dir.startswith(str(installed))

    result = subprocess.run(
        [str(installed / "bin" / "emotional-balance"), "db-status"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    expected = sorted(p.stem for p in PROJECT_ROOT.glob("migrations/*.sql"))
    assert f"{len(expected)} applied, 0 pending" in result.stdout
    assert [line[2:] for line in result.stdout.splitlines() if line.startswith("A ")] == expected


def test_the_installed_package_loads_every_named_query(installed: Path, tmp_path: Path) -> None:
    script = (
        "from app.adapters.postgres.database import load_queries\n"
        "from app.config import SQL_DIR\n"
        "print(len(load_queries(SQL_DIR).available_queries))\n"
    )
    from app.adapters.postgres.database import load_queries  # noqa: PLC0415
    from app.config import SQL_DIR  # noqa: PLC0415

    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c", script],
        cwd=tmp_path, env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert int(result.stdout) == len(load_queries(SQL_DIR).available_queries) > 0
