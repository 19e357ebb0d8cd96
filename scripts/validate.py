"""`rasa data validate`, failing on errors and on every warning but one kind.

First every data file is loaded and cross-checked (``bot.catalog``), as the action server
does at start-up. Rasa warns that a response "is not used in any story or rule" when only
a custom action utters it; such a warning is accepted only when the response is really
named in the action code (actions/ or bot/) or asked by a form. An intent without NLU
examples is accepted only when it is one the channels send themselves as a signed payload
(:data:`CHANNEL_INTENTS`): the classifier must never predict it from typed text. Anything
else fails.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
WARNING = re.compile(r"UserWarning: (.*)")
NO_EXAMPLES = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found in "
                         r"the NLU training data")
def untyped_intents() -> set[str]:
    """Intents with no training examples by design (data/understanding/intents.yml: an image
    uploaded on the widget or WeChat is never typed)."""
    sys.path.insert(0, str(ROOT))
    from bot.understanding.intents import intent_registry
    return {name for name, least in intent_registry().floors.items() if least == 0}


def responses_named_in_code() -> set[str]:
    """Responses the actions utter by name: in the code, and the no-case replies and own
    replies of the intent registry."""
    sys.path.insert(0, str(ROOT))
    from bot.understanding.intents import intent_registry
    registry = intent_registry()
    names: set[str] = {*registry.no_case_replies.values(), *registry.replies.values()}
    for path in [*ROOT.glob("actions/*.py"), *ROOT.glob("bot/**/*.py")]:
        names.update(re.findall(r"\"(utter_\w+)\"", path.read_text(encoding="utf-8")))
    return names


def responses_forms_ask() -> set[str]:
    """utter_ask_<slot> for every slot a form in domain.yml requests."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {
        f"utter_ask_{slot}"
        for form in (domain.get("forms") or {}).values()
        for slot in form.get("required_slots", [])
    }


def check_catalog() -> str | None:
    """The first problem in the data files (None when all load and agree)."""
    sys.path.insert(0, str(ROOT))
    from bot.catalog import load_catalog
    from bot.datafiles import DataFileError
    from bot.drafting import DraftConfigError
    from bot.rulebook import RuleBookError

    try:
        load_catalog()
    except (DataFileError, DraftConfigError, RuleBookError) as error:
        return str(error)
    return None


def main() -> int:
    problem = check_catalog()
    if problem is not None:
        print(f"validate: {problem}")
        return 1
    command = [str(ROOT / ".venv/bin/rasa"), "data", "validate", "--domain", "domain.yml",
               "--data", "data/nlu", "data/stories", "data/rules", "--config", "config.yml"]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    output = run.stdout + run.stderr
    if run.returncode != 0:
        print(output)
        print(f"validate: rasa data validate failed ({run.returncode})")
        return 1
    in_code, untyped = responses_named_in_code(), untyped_intents()
    forms_ask = responses_forms_ask()
    problems = []
    accepted = 0
    for line in output.splitlines():
        warning = WARNING.search(line)
        if not warning:
            continue
        bare = NO_EXAMPLES.search(line)
        if bare and bare.group(1) in untyped:
            continue
        unused = UNUSED.search(line)
        if unused and (unused.group(1) in in_code or unused.group(1) in forms_ask):
            accepted += 1
            continue
        problems.append(warning.group(1))
    for problem in problems:
        print(f"validate: {problem}")
    print(f"validate: {len(problems)} problem(s); {accepted} response(s) uttered by actions")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
