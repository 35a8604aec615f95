"""`make soak STACK=redis|swarm [ARGS=...]`: the events of soak/events.py that run on that stack, one after
the other, on an isolated copy of it (prefix soak-xxxxxx-, its own subnet and ports), under load with and
without WAIT 1. STACK=swarm deploys on the local Swarm (started when it is not up: root) and runs
swarm-host-stopped; the events of one engine (a container stopped, killed, ...) do not run there.
`--reach announced` (the redis stack): the load reaches the nodes at the addresses they announce, not
at their published ports; ports-rolled runs only so.

Prints first what it ran on (harness/toolchain.py), then a table per event and mode, and the targets it
missed (exit status 1 then). `--json`: one JSON object per event and mode on stdout, the rest on stderr.
The copy is destroyed afterwards, and whatever of the run is left on the engine is removed by its label.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional

from harness.isolation import RunIsolation
from harness.local_swarm import SwarmScriptError, SwarmUnavailable
from harness.project_copy import LOCAL_IMAGES, toolchain_env
from harness.toolchain import collect, describe
from soak.events import BY_NAME, EXPECTED, STACKS, events_for
from soak.load import LoadSettings
from soak.report import EventReport, merge, table
from soak.runner import SoakSettings, run_event
from soak.stack import SoakStack
from soak.stack_target import PUBLISHED, REACHES, OneEngine, StackTarget
from soak.swarm_target import on_local_swarm
from soak.targets import misses

# The target of each stack, given the command's arguments (--reach).
TARGETS: Dict[str, Callable[[argparse.Namespace], StackTarget]] = {
    "redis": lambda args: OneEngine(reach=args.reach),
    "swarm": lambda args: on_local_swarm(),
}


def parse(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="redis", choices=STACKS)
    parser.add_argument(
        "--events", default="", help="comma-separated, of: " + ", ".join(BY_NAME) + " (default: every one for --stack)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="each event this many times")
    parser.add_argument("--rate", type=float, default=50.0, help="writes per second, per client")
    parser.add_argument("--before", type=float, default=5.0, help="seconds of load before each event")
    parser.add_argument("--after", type=float, default=5.0, help="seconds of load once the cluster is whole")
    parser.add_argument("--image", default=LOCAL_IMAGES["redisImage"])
    parser.add_argument(
        "--reach",
        default=PUBLISHED,
        choices=REACHES,
        help="how the load reaches the nodes on the redis stack: their published ports, or the addresses they "
        "announce (container IPs; ports-rolled needs it). The swarm stack's nodes are published where they announce",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per event and mode on stdout")
    return parser.parse_args(argv)


def soak(args: argparse.Namespace, target: StackTarget, toolchain: str, say) -> List[EventReport]:
    settings = SoakSettings(load=LoadSettings(rate=args.rate), before_s=args.before, after_s=args.after)
    events = events_for(args.events, target.stack, os.geteuid() == 0, target.reach, say)
    isolation = RunIsolation.new("soak")
    say(
        f"run {isolation.prefix}: the {args.stack} stack, {len(events)} events x {args.rounds} rounds, "
        f"the nodes reached at their {target.reach} addresses"
    )
    reports: List[EventReport] = []
    try:
        with tempfile.TemporaryDirectory(prefix="docker-networking-soak-") as tmp:
            stack = SoakStack.in_copy(Path(tmp), isolation, args.image, target)
            stack.up()
            try:
                for number in range(1, args.rounds + 1):
                    for event in events:
                        label = f"{event.name}#{number}"
                        reports += run_event(stack, event, settings, label, toolchain, say)
            finally:
                stack.destroy()
    finally:
        say(target.remove_leftovers(isolation.prefix))
    return reports


def main(argv: Optional[List[str]] = None) -> int:
    args = parse(argv)
    progress = sys.stderr if args.json else sys.stdout

    def say(line: str) -> None:
        print(line, file=progress, flush=True)

    try:
        target = TARGETS[args.stack](args)  # the Swarm is started here when it is not up
    except (SwarmUnavailable, SwarmScriptError) as error:
        say(f"soak: {error}")
        return 2
    toolchain = describe(collect({**toolchain_env(), **target.env()}))  # the engine the stack deploys on
    say(toolchain)  # first, before any figure: what the figures ran on
    reports = soak(args, target, toolchain, say)
    if args.json:
        for report in reports:
            print(report.to_json(), flush=True)
    merged = merge(reports)
    say(f"\nPer event and mode, {args.rounds} round(s) added up, window the longest ({toolchain}):")
    say(table(merged))
    missed = misses(merged, EXPECTED)
    for line in missed:
        say(f"MISSED {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
