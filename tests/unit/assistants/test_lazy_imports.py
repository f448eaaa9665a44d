"""Starting the application imports no chat-model library."""

from __future__ import annotations

import subprocess
import sys


def test_bootstrap_and_composition_do_not_import_langchain() -> None:
    code = (
        "import sys, app.bootstrap, app.composition.root, app.adapters.http.assistants; "
        "print(sorted(m for m in sys.modules if m.startswith(('langchain', 'langgraph'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
