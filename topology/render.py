"""Drawing a Topology with Graphviz: `graph()` builds the dot source (pure), `draw()` runs `dot`.

Top to bottom, as the packets go out: containers (one cell per interface, `ifindex: eth0@if<peer>` as
`ip link` prints it), the veth pairs to the host-side `vethXXXX@if<N>`, the bridges (docker0, br-<id>) with
subnet and gateway. Hosts entries (a link) and Redis replication are arrows between containers that do not
take part in the layout (constraint=false), so they never push the layers apart.
"""

import textwrap
import xml.etree.ElementTree as ElementTree
from html import escape
from typing import Dict, Iterable, List, Sequence

import graphviz

from .errors import TopologyError
from .model import Bridge, Container, Host, Interface, Replication, SharedNamespace, Topology

FONT = "Helvetica"
NOTE_WIDTH = 60  # characters a line: dot does not wrap labels itself
COLORS = {
    "container": "#fff2cc",
    "master": "#f4cccc",
    "replica": "#d9ead3",
    "bridge": "#dae8fc",
    "veth": "#eeeeee",
    "link": "#1f5fbf",
    "replication": "#b03a2e",
    "pair": "#333333",
    "note": "#fff9e6",
    "namespace": "#2e7d32",
    "mode": "#f3f3f3",
}
LEGEND = (
    "thick line: a veth pair, matched by interface index: the container's 6: eth0@if7 is the host's "
    "7: vethXXXX@if6 (dashed: its host end is not seen)",
    "thin line: the host end plugged into its bridge · dashed blue arrow: a hosts entry, one way · "
    "red arrow: a Redis replica to its master",
)
# Only in pictures with a container in mode none, host or container.
MODES_LEGEND = (
    "dotted green arrow: network mode container:<it>, the same network namespace (interfaces, IP, MAC, ports)"
)
# What a container in each mode has instead of interfaces of its own.
MODE_TEXT = {
    "none": ("network mode none", "only lo: no interface, no route out"),
    "host": ("network mode host", "the host's network stack: its interfaces, addresses and ports"),
}


def _id(kind: str, *parts: object) -> str:
    # Readable, stable ids: they name the SVG's <g> elements, which the tests look for.
    return "/".join([kind, *(str(p) for p in parts)])


def container_id(name: str) -> str:
    return _id("container", name)


def veth_id(ifindex: int) -> str:
    return _id("veth", ifindex)


def bridge_id(network: str) -> str:
    return _id("bridge", network)


def _html(rows: Iterable[str]) -> str:
    return '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">' + "".join(rows) + "</TABLE>>"


def _small(text: str) -> str:
    return f'<FONT POINT-SIZE="9">{escape(text)}</FONT>'


def _interface_port(interface: Interface) -> str:
    return f"if_{interface.network}"  # network names have no ':', which would end the port in an edge


def container_label(container: Container) -> str:
    width = max(1, len(container.interfaces))
    fill = COLORS[container.role.role] if container.role and container.role.role in COLORS else COLORS["container"]
    status = "" if container.status == "running" else f" ({container.status})"
    header = (
        f'<TR><TD COLSPAN="{width}" BGCOLOR="{fill}"><B>{escape(container.name)}</B>{escape(status)}<BR/>'
        f"{_small(container.image)}<BR/>{_small('id ' + container.short_id)}</TD></TR>"
    )
    rows = [header]
    if container.role:
        rows.append(f'<TR><TD COLSPAN="{width}" BGCOLOR="{fill}"><B>{escape(container.role.label)}</B></TD></TR>')
    if container.ports:
        published = "<BR/>".join(escape(str(port)) for port in container.ports)
        rows.append(f'<TR><TD COLSPAN="{width}">{_small("published")}<BR/>{published}</TD></TR>')
    # The interfaces last: their veth pairs leave from the bottom of the box.
    cells = [
        f'<TD PORT="{_interface_port(i)}"><B>{escape(i.ip_link_name)}</B><BR/>{escape(i.address)}<BR/>'
        # An empty <FONT> is a syntax error to dot: an endpoint may have no MAC.
        + (f"{_small(i.mac)}<BR/>" if i.mac else "")
        + f"{_small('network ' + i.network)}</TD>"
        for i in container.interfaces
    ]
    rows.append("<TR>" + ("".join(cells) or _mode_cell(container)) + "</TR>")
    return _html(rows)


def _mode_cell(container: Container) -> str:
    """What a container without interfaces of its own has: its mode, and what that gives it."""
    if container.mode == "container":
        title, text = (
            f"network mode container:{container.shares_with}",
            f"the interfaces, IP and MAC of {container.shares_with}",
        )
    elif container.mode in MODE_TEXT:
        title, text = MODE_TEXT[container.mode]
    else:
        return "<TD>no network</TD>"
    return f'<TD BGCOLOR="{COLORS["mode"]}"><B>{escape(title)}</B><BR/>{_small(text)}</TD>'


def bridge_label(bridge: Bridge) -> str:
    gateway = f"gateway {bridge.gateway}" if bridge.gateway else "no gateway reported"
    return (
        f"<<B>{escape(bridge.device)}</B><BR/>network {escape(bridge.network)}<BR/>"
        f"{escape(bridge.subnet or 'no IPv4 subnet')}<BR/>{escape(gateway)}>"
    )


def _host_title(host: Host) -> str:
    where = (
        "this machine"
        if host.local and not host.host_detail_missing
        else ("local engine" if host.local else "remote engine")
    )
    return f"host {host.name} · Docker {host.version} · {host.engine} ({where})"


def row_order(
    containers: Sequence[Container], replications: Sequence[Replication], namespaces: Sequence[SharedNamespace] = ()
) -> List[Container]:
    """The containers left to right: by name, each master followed by its replicas (and each container
    followed by those in its network namespace), so that every such arrow is a short one between neighbours."""
    masters = {r.replica: r.master for r in replications}
    masters.update({n.source: n.target for n in namespaces})
    ordered: List[Container] = []
    for container in containers:
        if container.name in masters and masters[container.name] in {c.name for c in containers}:
            continue  # drawn after its master
        ordered.append(container)
        ordered += [c for c in containers if masters.get(c.name) == container.name]
    return ordered


def _draw_host(
    dot: graphviz.Digraph,
    index: int,
    host: Host,
    replications: Sequence[Replication],
    namespaces: Sequence[SharedNamespace] = (),
) -> None:
    with dot.subgraph(name=f"cluster_host_{index}") as box:
        box.attr(label=_host_title(host), style="rounded", color="#888888", fontname=FONT, labeljust="l")
        if host.host_detail_missing:
            box.node(
                _id("note", index),
                "\\n".join(textwrap.wrap(host.host_detail_missing, NOTE_WIDTH)),
                shape="note",
                style="filled",
                fillcolor=COLORS["note"],
                fontsize="10",
                id=_id("note", index),
            )
        with box.subgraph() as top:  # the containers in one row, in name order
            top.attr(rank="same")
            row = row_order(host.containers, replications, namespaces)
            for container in row:
                top.node(
                    container_id(container.name),
                    container_label(container),
                    shape="plain",
                    id=container_id(container.name),
                )
            for left, right in zip(row, row[1:], strict=False):
                top.edge(container_id(left.name), container_id(right.name), style="invis")
        with box.subgraph() as bottom:  # the bridges in one row, under everything plugged into them
            bottom.attr(rank="same")
            for bridge in host.bridges:
                bottom.node(
                    bridge_id(bridge.network),
                    bridge_label(bridge),
                    shape="box",
                    style="rounded,filled",
                    fillcolor=COLORS["bridge"],
                    id=bridge_id(bridge.network),
                )
        for container in host.containers:
            for interface in container.interfaces:
                _draw_pair(box, container, interface, {b.network: b for b in host.bridges})


def _draw_pair(box: graphviz.Digraph, container: Container, interface: Interface, bridges: Dict[str, Bridge]) -> None:
    """The container's interface, its veth pair to the host end (when known), and the host end's bridge."""
    tail = f"{container_id(container.name)}:{_interface_port(interface)}:s"
    bridge = bridges.get(interface.network)
    pair_id = _id("veth-pair", container.name, interface.name or interface.network)
    veth = interface.host_veth
    if veth is None:
        if bridge is not None:
            box.edge(
                tail,
                bridge_id(bridge.network),
                dir="none",
                penwidth="2",
                style="dashed",
                color=COLORS["pair"],
                id=pair_id,
            )
        return
    box.node(
        veth_id(veth.ifindex),
        veth.ip_link_name,
        shape="box",
        style="filled",
        fillcolor=COLORS["veth"],
        fontsize="10",
        height="0.3",
        id=veth_id(veth.ifindex),
    )
    box.edge(tail, f"{veth_id(veth.ifindex)}:n", dir="none", penwidth="2.5", color=COLORS["pair"], id=pair_id)
    if bridge is not None and veth.bridge == bridge.device:
        box.edge(
            veth_id(veth.ifindex),
            bridge_id(bridge.network),
            dir="none",
            color="#777777",
            id=_id("plugged", veth.name, bridge.device),
        )


def _title(topology: Topology) -> str:
    prefix = f" (name prefix {topology.name_prefix})" if topology.name_prefix else ""
    return f"stack {topology.stack}{prefix}: what the engine runs now"


def _footer(notes: Sequence[str], modes: bool = False) -> str:
    lines: List[str] = [*LEGEND, *([MODES_LEGEND] if modes else []), *notes]
    return "<" + "".join(f'{escape(line)}<BR ALIGN="LEFT"/>' for line in lines) + ">"


def graph(topology: Topology) -> graphviz.Digraph:
    """The dot source of the picture; nothing is run."""
    dot = graphviz.Digraph(name=f"topology-{topology.stack}")
    dot.attr(
        rankdir="TB",
        label=_title(topology),
        labelloc="t",
        fontname=FONT,
        fontsize="16",
        nodesep="0.5",
        ranksep="0.6",
        newrank="true",
    )
    dot.attr("node", fontname=FONT, fontsize="11")
    dot.attr("edge", fontname=FONT, fontsize="10")
    for index, host in enumerate(topology.hosts):
        _draw_host(dot, index, host, topology.replications, topology.namespaces)
    for link in topology.links:
        dot.edge(
            container_id(link.source),
            container_id(link.target),
            label=link.entry,
            color=COLORS["link"],
            fontcolor=COLORS["link"],
            style="dashed",
            penwidth="1.5",
            constraint="false",
            id=_id("link", link.source, link.target),
        )
    for replication in topology.replications:
        # No label: the replica's box says "replica of ..."; a label on a flat edge would lift it over the row.
        dot.edge(
            container_id(replication.replica),
            container_id(replication.master),
            penwidth="1.5",
            color=COLORS["replication"],
            constraint="false",
            id=_id("replication", replication.replica, replication.master),
        )
    for shared in topology.namespaces:
        # No label, as for replication: the box of `source` names the container it shares with.
        dot.edge(
            container_id(shared.source),
            container_id(shared.target),
            penwidth="1.5",
            style="dotted",
            color=COLORS["namespace"],
            constraint="false",
            id=_id("namespace", shared.source, shared.target),
        )
    modes = any(c.mode for c in topology.containers)
    dot.node("legend", _footer(topology.notes, modes), shape="plaintext", fontsize="9", id="legend")
    for bridge in topology.bridges:  # invisible: they only put the legend under the bridges
        dot.edge(bridge_id(bridge.network), "legend", style="invis")
    return dot


def draw(topology: Topology, formats: Sequence[str]) -> Dict[str, bytes]:
    """The picture in each format ('svg', 'png'), by Graphviz's `dot`."""
    dot = graph(topology)
    try:
        return {fmt: dot.pipe(format=fmt) for fmt in formats}
    except graphviz.ExecutableNotFound:
        raise TopologyError(
            "Graphviz's `dot` is not installed", "install it: `sudo apt-get install graphviz`"
        ) from None
    except graphviz.CalledProcessError as error:
        raise TopologyError(
            f"`dot` failed on the picture ({error.stderr.decode(errors='replace').strip()})",
            "report it with the stack's --save-answers file",
        ) from None


SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


def read_back(svg: bytes) -> Dict[str, List[str]]:
    """What an SVG picture shows, by element id: the texts of each node and edge (`container/tomcat01`,
    `veth/7`, `link/tomcat03/tomcat02`, ...). The tests check pictures with it."""
    root = ElementTree.fromstring(svg)
    return {
        group.get("id", ""): [text.text or "" for text in group.iter(f"{SVG_NAMESPACE}text")]
        for group in root.iter(f"{SVG_NAMESPACE}g")
    }
