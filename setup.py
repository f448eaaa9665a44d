"""Build step: the wheel carries ``sql/`` and ``migrations/`` as ``app/_data/``.

Both folders stay at the top of the repository, where developers, ``yoyo.ini`` and the
reviewers expect them; ``app.config`` finds the packaged copies in an installed wheel
and the folders themselves in a checkout or an editable install. Everything else about
the package is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = {"sql": "**/*.sql", "migrations": "*.sql"}


class BuildPyWithData(build_py):
    """``build_py`` plus a copy of each shipped folder under ``app/_data/``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the folders in place
        for folder, pattern in SHIPPED.items():
            source = ROOT / folder
            target = Path(self.build_lib) / "app" / "_data" / folder
            if target.exists():
                shutil.rmtree(target)
            for path in sorted(source.glob(pattern)):
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)


setup(cmdclass={"build_py": BuildPyWithData})
