"""The second image `image-rolled` rolls the nodes to: the soak's image committed anew, from a container
created (never started) from it, with one label more. It has an image ID of its own: pulumi-docker's
containers take the image by ID, so a second tag of the same ID would replace nothing. Tagged
`<repository>:<prefix>rolled` and labelled with the run's prefix, so that the run's cleanup finds it
(and removes it) when the event stopped half-way.
"""

from typing import List, Optional

import docker

from components.engine.docker_api import docker_client
from components.labels import NAME_PREFIX_LABEL, PROJECT_LABEL, PROJECT_VALUE
from harness.isolation import RUN_PREFIX

ROLL_LABEL = "io.docker-networking.soak-roll"  # its value: the run's prefix


def repository_of(image: str) -> str:
    """`docker-networking/redis:local` -> `docker-networking/redis`; a registry's port is no tag, a digest goes."""
    name = image.split("@", 1)[0]
    colon = name.rfind(":")
    return name[:colon] if colon > name.rfind("/") else name


def rolled_tag(image: str, prefix: str) -> str:
    """The rolled image's reference: `<image's repository>:<prefix>rolled`."""
    return f"{repository_of(image)}:{prefix}rolled"


def make_rolled_image(client: docker.DockerClient, image: str, prefix: str) -> str:
    """Commits the rolled image of `image` for the run `prefix` and returns its reference."""
    reference = rolled_tag(image, prefix)
    repository, _, tag = reference.rpartition(":")
    # The container carries the run's labels (its cleanup removes it if the soak dies before it does);
    # the image keeps them, and gets the roll label besides.
    source = client.containers.create(
        image, name=f"{prefix}roll-source", labels={PROJECT_LABEL: PROJECT_VALUE, NAME_PREFIX_LABEL: prefix}
    )
    try:
        source.commit(repository=repository, tag=tag, changes=f"LABEL {ROLL_LABEL}={prefix}")
    finally:
        source.remove(force=True)
    if client.images.get(reference).id == client.images.get(image).id:
        raise RuntimeError(f"{reference} has the image ID of {image}: pulumi up would replace no container")
    return reference


def remove_rolled_images(prefix: str, client: Optional[docker.DockerClient] = None) -> List[str]:
    """Every image the run `prefix` rolled to, removed with its tags (no container of the run may use it
    any more); returns their tags."""
    if not RUN_PREFIX.fullmatch(prefix):
        raise ValueError(f"{prefix!r} is not a run's prefix: only a run's own rolled images are removed")
    engine = client or docker_client()
    removed: List[str] = []
    try:
        for image in engine.images.list(filters={"label": f"{ROLL_LABEL}={prefix}"}):
            engine.images.remove(str(image.id), force=True)
            removed += image.tags or [image.short_id]
    finally:
        if client is None:
            engine.close()
    return removed
