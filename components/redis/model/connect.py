"""How a person connects to the cluster: redis-cli and redis-py, as stack outputs, each with where it works.

Container nodes announce their container IPs (10.38.0.1N:6379), which the host can route to with Docker
Engine on Linux but not with Docker Desktop, rootless Docker or a remote engine; the published loopback
ports work wherever the engine publishes on this machine. redis-py's `address_remap` bridges the two;
redis-cli cannot, so where it cannot follow a redirect it runs inside the cluster's network (`make
redis-cli`, a node's container). Nodes on a Swarm announce their Swarm node's address and their own
published port, which work as they are.
"""

from typing import Any, Dict

from components.redis.model.plan import ClusterPlan


def address_map(plan: ClusterPlan, host: str) -> Dict[str, str]:
    """Announced "ip:6379" -> "host:published port" for every node."""
    return {f"{n.ip}:{n.port}": f"{host}:{n.host_port}" for n in plan.nodes}


def connection_hints(plan: ClusterPlan, host: str, stack: str, auth: bool) -> Dict[str, Any]:
    first = plan.nodes[0]
    secret = f'"$(pulumi stack output -s {stack} --show-secrets password)"'
    auth_env = f"REDISCLI_AUTH={secret} " if auth else ""
    auth_flag = f"-a {secret} " if auth else ""
    remap = ", ".join(f'("{n.ip}", {n.port}): ("{host}", {n.host_port})' for n in plan.nodes)
    password_arg = 'password=os.environ["REDIS_PASSWORD"], ' if auth else ""
    return {
        # Inside the network every announced address is reachable, on any engine.
        "redisCliInNetwork": f"make redis-cli STACK={stack}",
        "redisCliInContainer": f"docker exec -it {first.name} redis-cli -c {auth_flag}".rstrip(),
        # From this machine: the first hop is the loopback port; -c follows redirects to container IPs.
        "redisCliFromHost": f"{auth_env}redis-cli -c -h {host} -p {first.host_port}",
        "redisPy": (
            "import os\nfrom redis.cluster import RedisCluster\n"
            f"remap = {{{remap}}}\n"
            f'rc = RedisCluster(host="{host}", port={first.host_port}, {password_arg}'
            "address_remap=lambda address: remap.get(address, address))\n"
            'rc.set("a", "b"); print(rc.get("a"))'
        ),
        "worksWhere": {
            "redisCliInNetwork": "anywhere `docker` reaches the engine (a local socket, Docker Desktop, tcp://, "
            "ssh://): redis-cli -c runs in a node's container, where every node's address is reachable",
            "redisCliInContainer": "as redisCliInNetwork, typed by hand",
            "redisCliFromHost": f"only where this machine routes to the nodes' container IPs ({first.ip}, ...): "
            "Docker Engine on Linux, local; with Docker Desktop, rootless Docker or a remote engine -c cannot "
            "follow a redirect: use redisCliInNetwork",
            "redisPy": f"where the published ports reach this machine at {host} (a local engine, Docker "
            "Desktop): address_remap turns each announced address into its published port; from a remote "
            "engine's clients, run it on that machine",
        },
    }


def announced_address_map(plan: ClusterPlan) -> Dict[str, str]:
    """Announced -> where to connect: the same, where every announced address is reachable (a Swarm)."""
    return {f"{node.ip}:{node.port}": f"{node.ip}:{node.port}" for node in plan.nodes}


def announced_connection_hints(plan: ClusterPlan, stack: str, auth: bool) -> Dict[str, str]:
    """redis-cli from a host that reaches the announced addresses (a Swarm's nodes), and redis-py."""
    secret = f'"$(pulumi stack output -s {stack} --show-secrets password)"'
    auth_env = f"REDISCLI_AUTH={secret} " if auth else ""
    password_arg = 'password=os.environ["REDIS_PASSWORD"], ' if auth else ""
    first = plan.nodes[0]
    return {
        "redisCliFromHost": f"{auth_env}redis-cli -c -h {first.ip} -p {first.port}",
        "redisPy": (
            "import os\nfrom redis.cluster import RedisCluster\n"
            f'rc = RedisCluster(host="{first.ip}", port={first.port}, {password_arg.rstrip()})\n'
            'rc.set("a", "b"); print(rc.get("a"))'
        ),
    }
