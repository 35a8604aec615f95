"""StartingPassword: the cluster's password as it was on the first `up`, kept for good.

A container node must be protected from its first second, which only its uploaded auth.conf can give it,
and a changed upload replaces the container. So every container's auth.conf is rendered from this
resource's output, not from the stack's password: its input is that password, registered with
`ignore_changes`, so Pulumi keeps the first value in its state and a later change replaces no container.
The current password reaches the running nodes live (RedisLiveSettings); a container created later starts
with this one until the live settings give it the current one.
"""

import uuid
from typing import Any, Dict, Optional

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

KEY = "password"


class StartingPasswordProvider(ResourceProvider):
    """Nothing outside the state: the value is what it was created with."""

    def create(self, props: Dict[str, Any]) -> CreateResult:
        return CreateResult(id_=uuid.uuid4().hex, outs={KEY: props[KEY]})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        # Never an update, whatever the inputs (a new provider's code included): the value stays the first.
        return DiffResult(changes=False)

    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props)


class StartingPassword(Resource, module="redis", name="StartingPassword"):
    """`password`: the first password this resource was given, a secret output."""

    password: pulumi.Output[str]

    def __init__(self, name: str, password: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None) -> None:
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(ignore_changes=[KEY], additional_secret_outputs=[KEY])
        )
        super().__init__(StartingPasswordProvider(), name, {KEY: pulumi.Output.secret(password)}, opts)
