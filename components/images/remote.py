"""Images used by the scenarios, as resources: looked up locally or pulled, and kept on destroy unless asked.

The names themselves (defaults, validation) are in names.py.
"""

from typing import Optional

import pulumi
import pulumi_docker as docker


def image(
    resource_name: str, name: str, keep_locally: bool = True, opts: Optional[pulumi.ResourceOptions] = None
) -> docker.RemoteImage:
    """The image as a resource, so containers depend on it and `destroy` keeps it unless asked."""
    return docker.RemoteImage(resource_name, name=name, keep_locally=keep_locally, opts=opts)
