"""Values a preview has not computed yet, as a dynamic provider receives them.

The engine marks them with a sentinel string; the SDK's dynamic provider turns that into an
`Unknown` instance when it deserializes `check`'s inputs (and into None for `diff`). Providers must
skip their checks on either form, or a preview from nothing fails on an ID not created yet.
"""

from typing import Any


def is_unknown(value: Any) -> bool:
    from pulumi.output import Unknown
    from pulumi.runtime import rpc

    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)
