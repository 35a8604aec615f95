"""A Tomcat container in one of the network modes other than a bridge: `docker run --net none|host|container:X`.

In these modes nothing is published: `none` has no network to publish from, `host` listens on the host's own
ports, and `container:X` shares X's ports. So the container takes no `ports`, and where its Tomcat shares a
network stack with other listeners (the host's, or X's) it is moved to a port of its own.
"""

from typing import Mapping, Optional

import pulumi
import pulumi_docker as docker

from components.tomcat.container import TOMCAT_PORT

NONE, HOST = "none", "host"
CONTAINER_MODE_PREFIX = "container:"

HTTP_PORT_ENV = "TOMCAT_HTTP_PORT"
HTTP_ADDRESS_ENV = "TOMCAT_HTTP_ADDRESS"
# Both images open their server.xml with `<Connector port="8080" ` (Debian's tomcat10 in $CATALINA_BASE/conf, the
# public image's in $CATALINA_HOME/conf). Tomcat starts on a rewritten copy, so the shipped file stays as it is and
# a restart derives the copy again. The copy also turns off the shutdown port (8005 in the public image; Debian
# ships it off): in the host's or a shared network stack a second Tomcat's 8005 would collide and stop it. A
# server.xml without that Connector line stops the container at once, saying why (`docker logs`).
MOVE_TOMCAT = f"""conf="${{CATALINA_BASE:-$CATALINA_HOME}}/conf"
moved="<Connector port=\\"${HTTP_PORT_ENV}\\" address=\\"${HTTP_ADDRESS_ENV}\\" "
sed -e "s|<Connector port=\\"{TOMCAT_PORT}\\" |$moved|" -e 's|<Server port="8005" |<Server port="-1" |' \\
    "$conf/server.xml" > "$conf/server-network-mode.xml"
grep -q "$moved" "$conf/server-network-mode.xml" || {{
  echo "no <Connector port=\\"{TOMCAT_PORT}\\" in $conf/server.xml: cannot move Tomcat to port ${HTTP_PORT_ENV}" >&2
  exit 78
}}
exec catalina.sh run -config "$conf/server-network-mode.xml"
"""


def container_mode(container_id: str) -> str:
    """`--net container:<id>`: by id, the form the engine stores (it turns a name into the id), so Pulumi
    reads back what it wrote, and a new container under the same name is a new id: a change that replaces the
    joiner (network_mode forces replacement) instead of leaving it in the old container's namespace."""
    return CONTAINER_MODE_PREFIX + container_id


def mode_tomcat_container(
    resource_name: str,
    name: str,
    *,
    image: pulumi.Input[str],
    network_mode: pulumi.Input[str],
    labels: Mapping[str, str],
    http_port: Optional[int] = None,
    http_address: str = "0.0.0.0",
    opts: Optional[pulumi.ResourceOptions] = None,
) -> docker.Container:
    """A running Tomcat container in `network_mode` ("none", "host" or container_mode(id)), publishing nothing.

    `http_port` moves Tomcat's HTTP connector off 8080, bound to `http_address` (MOVE_TOMCAT); None keeps the
    image's command and 8080 on every address of the container's network stack.
    """
    moved = http_port is not None
    return docker.Container(
        resource_name,
        name=name,
        image=image,
        network_mode=network_mode,
        command=["sh", "-c", MOVE_TOMCAT] if moved else None,
        envs=[f"{HTTP_PORT_ENV}={http_port}", f"{HTTP_ADDRESS_ENV}={http_address}"] if moved else None,
        labels=[docker.ContainerLabelArgs(label=k, value=v) for k, v in sorted(labels.items())],
        opts=opts,
    )
