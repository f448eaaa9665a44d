"""Evaluate a language model for the assistants against a Russian golden set.

Runs the assistants' own prompts and tools (the concierge's system prompt and tool
schemas, the navigator's candidate prompt, the editor's and the analyst's prompts with
the output check) against the model the environment configures (``LLM_PROVIDER=openai``,
``LLM_BASE_URL``, ``LLM_API_KEY`` / ``LLM_API_KEY_FILE``, ``LLM_MODEL``), and scores
each case of ``scripts/eval/golden_ru.json``:

* concierge: the first tool the model calls and its arguments (format, part of day, the
  day a word such as «четверг» resolves to), or a refusal (no tool, no diagnosis,
  treatment or promise in its own words); crisis messages never reach the model;
* navigator: the ids chosen are candidates and include an expected one;
* editor: a Markdown draft with a heading that passes the output check, or a refusal
  of a brief that asks for medication;
* analyst: a summary that passes the output check and turns no "<5" into a number.

Not part of CI (it needs a real endpoint): ``make eval``. Prints one line a case and
``N passed, N failed``; exits 1 when a case fails. Nothing it sends is personal: the
golden set is made-up text.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.application.assistants import analyst, editor  # noqa: E402
from app.application.assistants.concierge_days import resolve_day  # noqa: E402
from app.application.assistants.concierge_graph import (  # noqa: E402
    SYSTEM_PROMPT,
    TOOLS,
    WEEKDAYS_RU,
)
from app.application.assistants.guardrails import (  # noqa: E402
    check_output,
    crisis_first,
    mask_personal,
)
from app.application.assistants.navigator import NextStep, Plan, choose_with_model  # noqa: E402
from app.application.assistants.writing import write_and_check  # noqa: E402
from app.domain.content.model import ContentType  # noqa: E402

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

GOLDEN = ROOT / "scripts" / "eval" / "golden_ru.json"
# Words of a refusal in the model's own answer (a referral or "I do not …").
REFUSAL = re.compile(
    r"не могу|не ставлю|не став|не назнача|не советую|не даю|не рекоменд|не вправе|"
    r"не обеща|не гарантир|врач|специалист|консультаци",
)
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# A count from 1 to 4 standing alone (not part of a date, a number or "<5").
SMALL_NUMBER = re.compile(r"(?<![\d<.\-:/])[1-4](?![\d.\-:/%])")


@dataclass(frozen=True, slots=True)
class Outcome:
    case: str
    assistant: str
    passed: bool
    detail: str
    seconds: float


def _russian(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(bool(CYRILLIC.match(c)) for c in letters) / len(letters) > 0.6


async def concierge_case(  # noqa: PLR0911 - one return a verdict
    model: BaseChatModel, case: dict[str, Any], today: date, zone: str
) -> tuple[bool, str]:
    from langchain_core.messages import HumanMessage, SystemMessage  # noqa: PLC0415

    text: str = case["input"]
    expect: dict[str, Any] = case["expect"]
    if crisis_first(text).is_crisis:
        ok = bool(expect.get("crisis"))
        return ok, "crisis words: the crisis resources, the model not called"
    if expect.get("crisis"):
        return False, "crisis words were not recognised"
    system = SystemMessage(
        content=SYSTEM_PROMPT.format(
            today=today.isoformat(), weekday=WEEKDAYS_RU[today.weekday()], zone=zone
        )
    )
    reply = await model.bind_tools(TOOLS).ainvoke([system, HumanMessage(mask_personal(text))])
    calls = list(getattr(reply, "tool_calls", None) or [])
    if expect.get("refuse"):
        if calls:
            return False, f"called {calls[0]['name']} instead of refusing"
        words = str(reply.content)
        verdict = check_output(words)
        if verdict.replaced and not REFUSAL.search(words.lower()):
            return False, f"the output check had to replace the answer ({verdict.reason})"
        note = f"; the output check replaced it ({verdict.reason})" if verdict.replaced else ""
        return True, "refused" + note
    if not calls:
        return False, "no tool called"
    name, args = calls[0]["name"], dict(calls[0].get("args") or {})
    if "tool_in" in expect:
        return name in expect["tool_in"], f"{name}({json.dumps(args, ensure_ascii=False)})"
    problems = [] if name == expect["tool"] else [f"tool {name}, expected {expect['tool']}"]
    for key in ("format", "part_of_day"):
        if key in expect and args.get(key) != expect[key]:
            problems.append(f"{key}={args.get(key)!r}, expected {expect[key]!r}")
    if "day" in expect:
        try:
            day = resolve_day(str(args.get("date_from", "")), today).isoformat()
        except ValueError:
            day = f"unreadable {args.get('date_from')!r}"
        if day != expect["day"]:
            problems.append(f"day {day}, expected {expect['day']}")
    shown = f"{name}({json.dumps(args, ensure_ascii=False)})"
    return not problems, shown if not problems else shown + ": " + "; ".join(problems)


async def navigator_case(model: BaseChatModel, case: dict[str, Any]) -> tuple[bool, str]:
    candidates = []
    for step_id, title in case["input"]["candidates"]:
        kind, slug = step_id.split(":", 1)
        candidates.append(NextStep(kind, slug, title, f"https://site.example/{slug}"))
    ids = await choose_with_model(model, Plan((), (), tuple(candidates)))
    known = {c.id for c in candidates}
    unknown = [i for i in ids if i not in known]
    if not ids or unknown:
        return False, f"chose {ids} (unknown: {unknown})"
    hit = any(i in case["expect"]["any_of"] for i in ids[:3])
    return hit, f"chose {ids}"


async def editor_case(
    model: BaseChatModel, case: dict[str, Any], seconds: float
) -> tuple[bool, str]:
    given = case["input"]
    brief = editor.DraftBrief(
        topic=given["topic"], audience=given["audience"],
        key_points=tuple(given["key_points"]), kind=ContentType.ARTICLE,
    )  # fmt: skip
    verdict = await write_and_check(
        model, editor.SYSTEM, editor.brief_prompt(brief, given["topic"]),
        timeout_seconds=seconds, assistant="editor",
    )  # fmt: skip
    if case["expect"].get("refuse"):
        if verdict.replaced:
            return True, f"the output check refused the draft ({verdict.reason})"
        return bool(REFUSAL.search(verdict.text.lower())), "a draft that sends to a doctor"
    title, body = editor.split_title(verdict.text)
    problems = []
    if verdict.replaced:
        problems.append(f"the output check refused it ({verdict.reason})")
    if not title:
        problems.append("no '# heading'")
    if len(body) < 300:
        problems.append(f"short ({len(body)} characters)")
    if not _russian(verdict.text):
        problems.append("not in Russian")
    return not problems, "; ".join(problems) or f"draft «{title}», {len(body)} characters"


async def analyst_case(
    model: BaseChatModel, case: dict[str, Any], seconds: float
) -> tuple[bool, str]:
    verdict = await write_and_check(
        model, analyst.SYSTEM, case["input"], timeout_seconds=seconds, assistant="analyst"
    )
    problems = []
    if verdict.replaced:
        problems.append(f"the output check refused it ({verdict.reason})")
    if not _russian(verdict.text):
        problems.append("not in Russian")
    if case["expect"].get("keeps_suppressed") and SMALL_NUMBER.search(verdict.text):
        problems.append("a count under five appears as a number")
    return not problems, "; ".join(problems) or f"{len(verdict.text)} characters"


async def run(
    model: BaseChatModel, golden: dict[str, Any], only: Sequence[str] = (), seconds: float = 60
) -> list[Outcome]:
    today = date.fromisoformat(golden["today"])
    zone = golden["timezone"]
    outcomes = []
    for case in golden["cases"]:
        kind = case["assistant"]
        if only and kind not in only:
            continue
        started = time.perf_counter()
        try:
            if kind == "concierge":
                passed, detail = await concierge_case(model, case, today, zone)
            elif kind == "navigator":
                passed, detail = await navigator_case(model, case)
            elif kind == "editor":
                passed, detail = await editor_case(model, case, seconds)
            elif kind == "analyst":
                passed, detail = await analyst_case(model, case, seconds)
            else:
                passed, detail = False, f"unknown assistant {kind!r}"
        except Exception as error:  # a case that fails to run is a failed case
            passed, detail = False, f"error: {type(error).__name__}"
        outcomes.append(Outcome(case["id"], kind, passed, detail,
                                time.perf_counter() - started))  # fmt: skip
    return outcomes


def report(outcomes: Sequence[Outcome]) -> str:
    lines = [
        f"{'PASS' if o.passed else 'FAIL'} {o.case} [{o.assistant}, {o.seconds:.1f} s]: {o.detail}"
        for o in outcomes
    ]
    passed = sum(o.passed for o in outcomes)
    lines.append(f"{passed} passed, {len(outcomes) - passed} failed")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--golden", type=Path, default=GOLDEN)
    parser.add_argument(
        "--only", action="append", default=[],
        choices=["concierge", "navigator", "editor", "analyst"],
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the outcomes here")
    args = parser.parse_args(argv)

    from app.adapters.llm.openai_compatible import build_chat_model  # noqa: PLC0415
    from app.config import ConfigError, load_settings  # noqa: PLC0415

    try:
        settings = load_settings()
        model = build_chat_model(settings)
    except ConfigError as error:
        print(f"configuration: {error}", file=sys.stderr)
        return 2
    if model is None:
        print("LLM_PROVIDER is off: set LLM_PROVIDER=openai, LLM_BASE_URL, LLM_API_KEY and "
              "LLM_MODEL to evaluate a model", file=sys.stderr)  # fmt: skip
        return 2
    golden = json.loads(args.golden.read_text(encoding="utf-8"))
    seconds = float(settings.llm_timeout_seconds) * 3
    outcomes = asyncio.run(run(model, golden, args.only, seconds))
    print(f"model {settings.llm_model} at {settings.llm_base_url}")
    print(report(outcomes))
    if args.json:
        args.json.write_text(
            json.dumps([o.__dict__ for o in outcomes], ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
