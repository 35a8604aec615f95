"""`python -m topology STACK [--out DIR] [--name-prefix P]`: the picture of a live stack, as SVG and PNG.

Prints the paths it wrote. On any problem (no engine, the stack not deployed, no `dot`) it prints what is
wrong and the fix, and writes nothing: every file is drawn first, then moved into place.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Sequence

from harness.project_copy import REPO_ROOT

from .answers import EngineAnswers, load_answers, save_answers
from .errors import TopologyError
from .model import build_topology
from .render import draw

DEFAULT_OUT = REPO_ROOT / ".build" / "topology"
FORMATS = ("svg", "png")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m topology", description=__doc__.splitlines()[0])
    parser.add_argument("stack", help="the stack to draw: bridge, link, mynet, redis (or another stack's name)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"folder for the pictures (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--name-prefix", default="", help="draw the deployment with this namePrefix (a test run's) instead of your own"
    )
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS), help="default: svg png")
    parser.add_argument(
        "--save-answers",
        type=Path,
        metavar="FILE",
        help="also write what the engine answered as JSON (the unit tests' recorded fixtures)",
    )
    parser.add_argument(
        "--from-answers", type=Path, metavar="FILE", help="draw from answers saved earlier instead of the live engine"
    )
    return parser.parse_args(argv)


def _answers(args: argparse.Namespace) -> EngineAnswers:
    if args.from_answers is None:
        from .engine import read_answers  # docker-py and redis only when the engine is asked

        return read_answers(args.stack, args.name_prefix)
    if not args.from_answers.is_file():
        raise TopologyError(f"{args.from_answers} does not exist", "name a file written by --save-answers")
    answers = load_answers(args.from_answers)
    if answers.stack != args.stack:
        raise TopologyError(
            f"{args.from_answers} holds stack '{answers.stack}', not '{args.stack}'",
            f"run `python -m topology {answers.stack} --from-answers {args.from_answers}`",
        )
    return answers


def write_pictures(pictures: dict, out: Path, base: str) -> List[Path]:
    """Each picture to a temporary file in `out`, then renamed: a reader never sees half a file."""
    out.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    written = []
    for fmt, data in pictures.items():
        target = out / f"{base}.{fmt}"
        with tempfile.NamedTemporaryFile(dir=out, prefix=f".{base}.", suffix=f".{fmt}", delete=False) as tmp:
            tmp.write(data)
        os.chmod(tmp.name, 0o666 & ~umask)  # as open() would make it; a temporary file is private
        os.replace(tmp.name, target)
        written.append(target)
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        answers = _answers(args)
        topology = build_topology(answers)
        pictures = draw(topology, args.formats)
    except TopologyError as error:
        print(f"topology: {error}", file=sys.stderr)
        return 1
    if args.save_answers:
        save_answers(answers, args.save_answers)
    for note in topology.notes:
        print(f"topology: note: {note}", file=sys.stderr)
    for path in write_pictures(pictures, args.out, f"{args.name_prefix}{args.stack}"):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
