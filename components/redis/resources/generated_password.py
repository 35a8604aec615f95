"""GeneratedPassword: a random password made once, kept as a secret in the stack's state.

What pulumi-random's RandomPassword does, for a project that does not ship that provider: `create`
draws the value with `secrets`, later `up`s keep it (diff reports no change unless the length or the
alphabet changes), and it is only ever an output marked secret, so it never shows in plain text in
preview, logs or `pulumi stack export`.
"""

import secrets
import string
import uuid
from typing import Any, Dict, Optional

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

# Letters and digits only: safe on a redis.conf line, in a shell and in a URL without quoting.
ALPHABET = string.ascii_letters + string.digits
DEFAULT_LENGTH = 32  # about 190 bits
_INPUT_KEYS = ("length", "alphabet")


def generate(length: int, alphabet: str = ALPHABET) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class GeneratedPasswordProvider(ResourceProvider):
    def create(self, props: Dict[str, Any]) -> CreateResult:
        value = generate(int(props["length"]), props["alphabet"])
        return CreateResult(id_=uuid.uuid4().hex, outs={**props, "result": value})

    def diff(self, _id: str, olds: Dict[str, Any], news: Dict[str, Any]) -> DiffResult:
        replaces = [key for key in _INPUT_KEYS if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=False)

    def read(self, id_: str, props: Dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props)  # nothing outside the state to compare with


class GeneratedPassword(Resource, module="random", name="GeneratedPassword"):
    """`result` is the password, a secret output."""

    result: pulumi.Output[str]

    def __init__(self, name: str, length: int = DEFAULT_LENGTH, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        if length < 16:
            raise ValueError("a generated password needs at least 16 characters")
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["result"]))
        super().__init__(
            GeneratedPasswordProvider(), name, {"length": length, "alphabet": ALPHABET, "result": None}, opts
        )
