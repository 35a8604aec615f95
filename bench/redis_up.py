"""`make bench`: time to a working Redis Cluster, `pulumi up -s redis` against the tutorial's commands.

One run alternates rounds of
  (a) the tutorial's docker commands, from nothing to every node cluster_state:ok, and their teardown;
  (b) `pulumi up` from nothing to every node ok;  (c) a no-op `pulumi up`;  (d) `pulumi preview`;
  (e) `pulumi destroy`;  (f) `pulumi up` of a program that declares nothing, on the same CLI, language
  host and backend: the fixed cost of any `pulumi up` here, which no component can cut;  (g) the
  program's engine check alone (bench/engine_check.py): resolving the engine and asking it through docker-py;
then prints medians, the ratios b/a and e/teardown, b-f against a, where each tutorial round spent
its time (the `docker run`s, `redis-cli --cluster create`, then until ok: the second and third are most
of how those rounds differ), and a scaling table for 3, 6 and 12 masters.
Timings are this script's output, never assertions. Before any round, and beside the figures, it prints
what they ran on (harness/toolchain.py): the CLI, language host and docker plugin, official or built by
the set-up, the engine and the machine.

A person may have the `redis` stack, or the tutorial's own cluster, deployed on the same engine: both
sides here run under the run's own name prefix (bench-xxxxxx-redis-1 ..., network bench-xxxxxx-redis), on
subnets and host ports of the run's own (harness/isolation.py), and what the run leaves behind, on success
or failure, is removed by its prefix label only (`python -m harness.cleanup PREFIX` does the same by hand).
"""

import argparse
import dataclasses
import json
import secrets
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, TypedDict

from bench import tutorial_cluster
from bench.engine_check import engine_check_seconds
from components.redis.model.cluster_args import DEFAULT_NETWORK_NAME, RedisClusterArgs
from components.redis.model.plan import ClusterPlan, plan_cluster
from harness.cleanup import remove_run_objects
from harness.isolation import RunIsolation
from harness.project_copy import LOCAL_IMAGES, REPO_ROOT, make_project_copy, toolchain_env
from harness.toolchain import collect, describe

STACK = "redis"
CLUSTER = "redis"  # the stack names its nodes <namePrefix>redis-1 ... (scenarios/redis.py)
REPLICAS_PER_MASTER = 1  # every cluster of the run, the rounds and the scaling rows alike


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def pulumi_cli(root: Path, env: Dict[str, str], *args: str) -> str:
    """The plain CLI, as a person types it; a failure raises with everything Pulumi printed."""
    done = subprocess.run(["pulumi", *args, "--non-interactive"], cwd=root, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pulumi {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class Placement:
    """Where one side of the comparison puts its cluster: the run's prefixed names (the tutorial's with the
    prefix in front, on both sides), and a subnet and host ports of its own, far from the stack's defaults."""

    prefix: str
    subnet: str
    base_port: int  # node N publishes 6379 on base_port + N
    bus_base_port: int

    @classmethod
    def take(cls, isolation: RunIsolation, purpose: str, nodes: int) -> "Placement":
        """Ports for `nodes` nodes, the most any round of the run deploys."""
        return cls(
            prefix=isolation.prefix,
            subnet=str(isolation.subnet(purpose)),
            base_port=isolation.port_base(purpose, nodes),
            bus_base_port=isolation.port_base(f"{purpose}-bus", nodes),
        )

    @property
    def network(self) -> str:
        return self.prefix + DEFAULT_NETWORK_NAME

    def plan(self, masters: int, image: str) -> ClusterPlan:
        return plan_cluster(
            self.prefix + CLUSTER,
            RedisClusterArgs(
                masters=masters,
                replicas_per_master=REPLICAS_PER_MASTER,
                network_name=self.network,
                subnet=self.subnet,
                image=image,
                base_port=self.base_port,
                bus_base_port=self.bus_base_port,
            ),
        )

    def summary(self) -> str:
        return f"{self.network} {self.subnet}, ports {self.base_port + 1}+ and {self.bus_base_port + 1}+"


class PulumiStack:
    """The shipped `redis` stack in a throw-away copy of the project, driven by the plain CLI, deployed
    with the run's prefix, subnet and ports (the stack's settings namePrefix and redis)."""

    def __init__(self, workdir: Path, image: str, password: str, placement: Placement) -> None:
        self.root, self.env = make_project_copy(workdir, passphrase="bench")
        self.password = password
        self.cli("stack", "init", STACK)
        self.cli(
            "config",
            "set-all",
            "--path",
            "--plaintext",
            f"redisImage={image}",
            "--plaintext",
            f"namePrefix={placement.prefix}",
            "--plaintext",
            f"redis.network.subnet={placement.subnet}",
            "--plaintext",
            f"redis.basePort={placement.base_port}",
            "--plaintext",
            f"redis.busBasePort={placement.bus_base_port}",
            "--secret",
            f"redisPassword={password}",
        )

    def cli(self, *args: str) -> str:
        return pulumi_cli(self.root, self.env, *args)

    def set_masters(self, masters: int) -> None:
        self.cli("config", "set", "--path", "redis.masters", str(masters))

    def up(self) -> None:
        self.cli("up", "--yes", "-s", STACK)

    def preview(self) -> None:
        self.cli("preview", "-s", STACK)

    def destroy(self) -> None:
        self.cli("destroy", "--yes", "-s", STACK)


class EmptyProgram:
    """A Python program that declares nothing: what `pulumi up` costs before any resource (the CLI, the
    language host and the program started twice, for the preview and for the update, and the state)."""

    def __init__(self, workdir: Path, env: Dict[str, str]) -> None:
        self.root, self.env = workdir / "empty-program", env
        self.root.mkdir(parents=True)
        (self.root / "Pulumi.yaml").write_text(
            f"name: bench-empty-program\nruntime:\n  name: python\n  options:\n    virtualenv: {REPO_ROOT / '.venv'}\n"
        )
        (self.root / "__main__.py").write_text("import pulumi\n")
        pulumi_cli(self.root, self.env, "stack", "init", "empty")
        self.up()  # the stack's first update writes its state from scratch: not what later rounds measure

    def up(self) -> None:
        pulumi_cli(self.root, self.env, "up", "--yes", "-s", "empty")


class ScalingRow(TypedDict):
    masters: int
    nodes: int
    tutorial_s: float
    pulumi_up_s: float


class RunFigures(TypedDict):
    """What `run` measured; `--json` writes it, with the toolchain, as it is."""

    run_prefix: str
    image: str
    rounds: int
    medians_s: Dict[str, float]
    ratio_b_over_a: float
    ratio_b_minus_f_over_a: float
    ratio_e_over_teardown: float
    a_phases_s: List[Dict[str, float]]  # per tutorial round: Phases' fields, in seconds
    scaling: List[ScalingRow]


class BenchResult(RunFigures, total=False):
    """The figures and, once `main` added it, what they ran on."""

    toolchain: Dict[str, Any]
    toolchain_line: str


def median(values: List[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run(rounds: int, scaling: List[int], image: str, isolation: RunIsolation) -> BenchResult:
    # Hex: a URL-safe token may start with "-", and the CLI then reads it as an option (seen: "-C6Gu...").
    password = secrets.token_hex(24)
    figures: Dict[str, List[float]] = {k: [] for k in ("a", "a_teardown", "b", "c", "d", "e", "f", "g")}
    tutorial_phases: List[tutorial_cluster.Phases] = []  # where each `a` went
    scaling_rows: List[ScalingRow] = []
    # Each side has its own subnet and ports: they run one after the other, but a side that failed to
    # tear down must not make the other fail on an address or port in use.
    nodes = max([3, *scaling]) * (1 + REPLICAS_PER_MASTER)
    tutorial_place = Placement.take(isolation, "tutorial", nodes)
    stack_place = Placement.take(isolation, "pulumi-up", nodes)
    print(
        f"run {isolation.prefix}: tutorial's commands on {tutorial_place.summary()}; "
        f"pulumi up on {stack_place.summary()}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="docker-networking-bench-") as tmp:
        stack = PulumiStack(Path(tmp) / "pulumi", image, password, stack_place)
        empty = EmptyProgram(Path(tmp), stack.env)

        def tutorial_round(masters: int) -> "tuple[float, float, tutorial_cluster.Phases]":
            plan = tutorial_place.plan(masters, image)
            confs = Path(tempfile.mkdtemp(dir=tmp))
            tutorial_cluster.prepare(plan, password, confs, labels=isolation.labels)
            phases = tutorial_cluster.create(
                plan, tutorial_place.network, tutorial_place.subnet, image, password, confs, labels=isolation.labels
            )
            down_time = timed(lambda: tutorial_cluster.teardown(plan, tutorial_place.network))
            return phases.total, down_time, phases

        def pulumi_up_round(masters: int) -> float:
            stack.set_masters(masters)
            elapsed = timed(stack.up)
            # A check, not timed.
            tutorial_cluster.wait_all_ok(stack_place.plan(masters, image), "127.0.0.1", password, timeout=5)
            return elapsed

        for number in range(1, rounds + 1):
            a, a_down, phases = tutorial_round(3)
            figures["a"].append(a)
            figures["a_teardown"].append(a_down)
            tutorial_phases.append(phases)
            figures["b"].append(pulumi_up_round(3))
            figures["c"].append(timed(stack.up))
            figures["d"].append(timed(stack.preview))
            figures["e"].append(timed(stack.destroy))
            figures["f"].append(timed(empty.up))
            figures["g"].append(engine_check_seconds(stack.env))
            print(
                f"round {number}/{rounds}: "
                + ", ".join(f"{k}={v[-1]:.1f}s" for k, v in figures.items())
                + " (a: "
                + ", ".join(
                    f"{label} {getattr(phases, key):.1f}s" for key, label in tutorial_cluster.PHASE_LABELS.items()
                )
                + ")",
                flush=True,
            )
        for masters in scaling:
            a, _, _ = tutorial_round(masters)
            b = pulumi_up_round(masters)
            stack.destroy()
            scaling_rows.append(
                {"masters": masters, "nodes": masters * (1 + REPLICAS_PER_MASTER), "tutorial_s": a, "pulumi_up_s": b}
            )
            print(f"scaling {masters} masters: tutorial {a:.1f}s, pulumi up {b:.1f}s", flush=True)
    medians = {k: median(v) for k, v in figures.items()}
    return {
        "run_prefix": isolation.prefix,
        "image": image,
        "rounds": rounds,
        "medians_s": medians,
        "ratio_b_over_a": medians["b"] / medians["a"],
        "ratio_b_minus_f_over_a": (medians["b"] - medians["f"]) / medians["a"],
        "ratio_e_over_teardown": medians["e"] / medians["a_teardown"],
        "a_phases_s": [dataclasses.asdict(p) for p in tutorial_phases],
        "scaling": scaling_rows,
    }


def remove_leftovers(prefix: str) -> None:
    """Whatever of this run is still on the engine (after a failure: containers, network, volumes of
    either side), found by the run's prefix label: nothing a person deployed carries it."""
    removed = remove_run_objects(prefix)
    if any(removed.values()):
        print(
            f"[bench] removed what the run {prefix} left: "
            + ", ".join(f"{len(names)} {kind}" for kind, names in removed.items()),
            flush=True,
        )


def report(result: BenchResult) -> None:
    m = result["medians_s"]
    # Figures get copied on their own: the summary says again what they ran on.
    print(f"\nRedis Cluster, 3 masters x 1 replica, image {result['image']}, {result['rounds']} rounds; medians")
    print(f"({result['toolchain_line']}):")
    rows = [
        ("a  tutorial commands, nothing -> ok", m["a"]),
        ("   tutorial teardown", m["a_teardown"]),
        ("b  pulumi up, nothing -> ok", m["b"]),
        ("c  pulumi up, no changes", m["c"]),
        ("d  pulumi preview", m["d"]),
        ("e  pulumi destroy", m["e"]),
        ("f  pulumi up, a program with nothing", m["f"]),
        ("g  the program's engine check", m["g"]),
    ]
    for label, value in rows:
        print(f"  {label:<38} {value:7.3f} s" if value < 0.1 else f"  {label:<38} {value:7.2f} s")
    # redis-cli sleeps 1 s after its CLUSTER MEETs, then looks once a second until the nodes agree; a
    # master that got its slots late then waits out Redis's rejoin delay. They make the tutorial's rounds
    # differ by seconds.
    for key, label in tutorial_cluster.PHASE_LABELS.items():
        by_round = " ".join(f"{phases[key]:.1f}" for phases in result["a_phases_s"])
        print(f"  a: {label} (s, by round): {by_round}")
    print(f"  ratio b/a          {result['ratio_b_over_a']:.2f}  (target <= 1.25)")
    print(f"  ratio e/teardown   {result['ratio_e_over_teardown']:.2f}")
    print(f"  ratio (b-f)/a      {result['ratio_b_minus_f_over_a']:.2f}  (b without Pulumi's fixed cost f)")
    if result["scaling"]:
        report_scaling(result["scaling"])


def report_scaling(rows: List[ScalingRow]) -> None:
    print("\nScaling (replicas 1), nothing -> every node ok:")
    print(f"  {'masters':>7} {'nodes':>5} {'tutorial':>9} {'pulumi up':>10} {'b/a':>5}")
    for row in rows:
        print(
            f"  {row['masters']:>7} {row['nodes']:>5} {row['tutorial_s']:>8.1f}s {row['pulumi_up_s']:>9.1f}s "
            f"{row['pulumi_up_s'] / row['tutorial_s']:>5.2f}"
        )


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scaling", default="3,6,12", help="masters per scaling row; --scaling= for none")
    parser.add_argument("--image", default=LOCAL_IMAGES["redisImage"])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    scaling = [int(x) for x in args.scaling.split(",") if x.strip()]
    # First, before any figure: what the figures run on.
    toolchain = collect(toolchain_env())
    toolchain_line = describe(toolchain)
    print(toolchain_line, flush=True)
    isolation = RunIsolation.new("bench")
    try:
        result = run(args.rounds, scaling, args.image, isolation)
    finally:
        remove_leftovers(isolation.prefix)
    result["toolchain"] = toolchain.to_json()
    result["toolchain_line"] = toolchain_line
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
