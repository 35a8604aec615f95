#!/usr/bin/env python3
"""The settings tables in docs/, written from the stacks' schemas (scenarios/schemas.py), never by hand.

A table sits between two comments in a Markdown file of docs/:

    <!-- settings-table: bridge link mynet -->
    ...
    <!-- /settings-table -->

The first names the stacks it shows. With several, a setting they all have in the same words is shown
once, under `<scenario>.` where it is each scenario's own; `keys=swarm,nodeEngines` shows only those
top-level keys.

    make docs                              rewrites the tables that are not current
    scripts/settings_tables.py --check     names them and exits 1 (tests/unit/test_settings_tables.py)
"""

import argparse
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: the project's packages are beside it
    sys.path.insert(0, str(REPO_ROOT))

from components.schema import Row, describe_settings  # noqa: E402
from scenarios.schemas import STACK_CONFIGS  # noqa: E402

DOCS = REPO_ROOT / "docs"
TABLE = re.compile(r"(<!-- settings-table: (?P<spec>[^>]*?) -->\n)(?P<body>.*?)(<!-- /settings-table -->)", re.DOTALL)
HEADER = "| key | type | default | meaning |\n| --- | --- | --- | --- |\n"


def stack_rows(stack: str) -> List[Row]:
    if stack not in STACK_CONFIGS:
        raise ValueError(f"no stack named {stack!r} (stacks: {', '.join(STACK_CONFIGS)})")
    return list(describe_settings(STACK_CONFIGS[stack]))


def _as_generic(row: Row, scenario: str) -> Row:
    own = f"{scenario}."
    return Row(f"<scenario>.{row.key[len(own) :]}", row.type, row.default, row.doc) if row.key.startswith(own) else row


def table_rows(stacks: Sequence[str], keys: Optional[Sequence[str]] = None) -> List[Row]:
    """The rows of the stacks' settings, each once; with `keys`, only the settings under those top-level keys."""
    rows: Dict[str, List[Row]] = {stack: stack_rows(stack) for stack in stacks}
    if keys is not None:
        rows = {stack: [row for row in found if row.key.split(".")[0] in keys] for stack, found in rows.items()}
    generic = {stack: [_as_generic(row, stack) for row in found] for stack, found in rows.items()}
    # In every stack's table in the same words: shown once, as <scenario>.key where it is a scenario's own.
    shared = set.intersection(*(set(found) for found in generic.values())) if len(stacks) > 1 else set()
    shown: List[Row] = []
    for stack in stacks:
        for row, as_generic in zip(rows[stack], generic[stack]):
            pick = as_generic if as_generic in shared else row
            if pick not in shown:
                shown.append(pick)
    return shown


def render(stacks: Sequence[str], keys: Optional[Sequence[str]] = None) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        f"| `{row.key}` | {cell(row.type)} | {cell(row.default)} | {cell(row.doc)} |\n"
        for row in table_rows(stacks, keys)
    ]
    return HEADER + "".join(lines)


def _table_for(spec: str) -> str:
    stacks, keys = [], None
    for word in spec.split():
        if word.startswith("keys="):
            keys = word[len("keys=") :].split(",")
        else:
            stacks.append(word)
    return render(stacks, keys)


def current(text: str) -> str:
    """`text` with every settings table as the schemas say it."""
    return TABLE.sub(lambda found: found.group(1) + _table_for(found.group("spec")) + found.group(4), text)


def stale_docs(docs: Path = DOCS) -> List[Path]:
    return [path for path in sorted(docs.glob("*.md")) if current(path.read_text()) != path.read_text()]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a table is not current")
    args = parser.parse_args(argv)
    stale = stale_docs()
    for path in stale:
        if args.check:
            print(f"{path.relative_to(REPO_ROOT)}: a settings table is not current: run `make docs`", file=sys.stderr)
        else:
            path.write_text(current(path.read_text()))
            print(f"{path.relative_to(REPO_ROOT)}: settings tables written")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
