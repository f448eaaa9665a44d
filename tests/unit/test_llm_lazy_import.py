"""With the model off nothing loads LangChain: start-up imports and the adapter itself."""

from __future__ import annotations

import subprocess
import sys

from app.config import PROJECT_ROOT

PROBE = """
import sys
import app.bootstrap
import app.application.assistants.guardrails
from app.adapters.llm.openai_compatible import build_chat_model
from app.config import load_settings
assert build_chat_model(load_settings({})) is None
loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('langchain_core', 'langchain_openai', 'langgraph', 'langchain', 'openai', 'langsmith'))
print(','.join(loaded))
"""


def test_start_up_and_an_off_model_leave_langchain_unloaded() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == ""
