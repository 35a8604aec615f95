"""Logging into a node whose password may not be the stack's yet.

The password is applied live (RedisLiveSettings), so a node may run with another one for a while: the one
before this update (nodes not changed yet, or an update that stopped half-way), or the first one, which a
container's uploaded auth.conf holds (StartingPassword) when it was created after a change. NodeAuth names
those; `login` tries the stack's password first, then them. Never a password in a message.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from components.redis.formation.node_access import PROBE_TIMEOUT_SECONDS, FormationError, FormationSpec, client
from components.redis.formation.provider import unreachable_problems

STARTING_PASSWORD = "startingPassword"  # the resource input that holds NodeAuth.starting


@dataclass(frozen=True)
class NodeAuth:
    """The passwords a node may run with besides the stack's (FormationSpec.password); "": none."""

    starting: str = field(default="", repr=False)  # what the containers' auth.conf holds
    previous: str = field(default="", repr=False)  # the stack's password before this update

    @classmethod
    def from_props(cls, news: Mapping[str, Any], olds: Optional[Mapping[str, Any]] = None) -> "NodeAuth":
        """From a resource's inputs: `startingPassword` of `news` and, on an update, the `password` of `olds`
        (absent in a state written before they existed: no fallback then)."""
        return cls(starting=news.get(STARTING_PASSWORD) or "", previous=(olds or {}).get("password") or "")

    def fallbacks(self, current: str) -> List[str]:
        """The passwords to try, in order, when a node refuses `current`."""
        return list(dict.fromkeys(p for p in (self.previous, self.starting) if p and p != current))


NO_FALLBACK = NodeAuth()  # the stack's password only


def secret_options(opts: Optional[Any], timeout_seconds: float) -> Any:
    """The options of a resource that logs into the nodes: both passwords secret in its outputs too, and
    create and update bounded by `timeout_seconds`."""
    import pulumi

    timeout = f"{timeout_seconds:.0f}s"
    return pulumi.ResourceOptions.merge(
        opts,
        pulumi.ResourceOptions(
            additional_secret_outputs=["password", STARTING_PASSWORD],
            custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout),
        ),
    )


def login(spec: FormationSpec, name: str, auth: NodeAuth = NO_FALLBACK, timeout: float = PROBE_TIMEOUT_SECONDS) -> Any:
    """A client of node `name` that has answered PING, logged in with the stack's password or, when the node
    refuses that (redis.AuthenticationError: WRONGPASS, NOAUTH), with the next of `auth.fallbacks`. It stays
    logged in when the node's password then changes. Raises redis.RedisError if the node does not answer or
    refuses them all."""
    return logged_in(spec, name, auth, timeout)[0]


def logged_in(
    spec: FormationSpec, name: str, auth: NodeAuth = NO_FALLBACK, timeout: float = PROBE_TIMEOUT_SECONDS
) -> Tuple[Any, str]:
    """login's client, and the password the node took."""
    import redis

    *first, last = [spec.password, *auth.fallbacks(spec.password)]
    for password in first:
        try:
            return _pinged(client(dataclasses.replace(spec, password=password), name, timeout)), password
        except redis.AuthenticationError:
            pass  # the next one
    return _pinged(client(dataclasses.replace(spec, password=last), name, timeout)), last


def _pinged(connection: Any) -> Any:
    """The client once its node answered PING; closed if it did not."""
    try:
        connection.ping()
        return connection
    except BaseException:
        connection.close()
        raise


def login_problems(spec: FormationSpec, auth: NodeAuth = NO_FALLBACK) -> List[str]:
    """The planned nodes that do not answer yet. Raises at once for one that refuses every password (no wait
    changes that) or whose container was removed by hand."""
    import redis

    unreachable: Dict[str, str] = {}
    for node in spec.plan.nodes:
        try:
            login(spec, node.name, auth).close()
        except redis.AuthenticationError as error:
            raise refused(spec, node.name, error) from error
        except redis.RedisError as error:
            endpoint = spec.endpoints[node.name]
            unreachable[node.name] = f"{endpoint['host']}:{int(endpoint['port'])}: {error}"
    return unreachable_problems(spec, unreachable)


def refused(spec: FormationSpec, name: str, error: Exception) -> FormationError:
    """The error for a node that refuses every password it may run with: no wait changes that."""
    return FormationError(
        f"Redis Cluster '{spec.cluster_name}': {name} refuses the stack's password, the one before this update "
        f"and the first one ({error}): it runs with another one, for instance after an update that stopped "
        "half-way and a second change. Fix: set redisPassword to the one it runs with, or give it the stack's "
        "with `CONFIG SET requirepass` and `CONFIG SET masterauth`, then `pulumi up`"
    )
