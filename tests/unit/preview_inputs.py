"""Inputs as the SDK's dynamic provider hands them to `check` during a preview, unknowns included."""

from typing import Any, Dict

from google.protobuf import struct_pb2
from pulumi.runtime import rpc


def as_check_inputs(props: Dict[str, Any]) -> Dict[str, Any]:
    """Marshal as the engine sends them (rpc.UNKNOWN where not computed yet), then unmarshal exactly as
    pulumi.dynamic's Check does, so tests see the `Unknown` objects a real preview produces."""
    struct = struct_pb2.Struct()
    struct.update({key: value for key, value in props.items() if value is not None})
    return rpc.deserialize_properties(struct, True)
