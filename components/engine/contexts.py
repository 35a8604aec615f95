"""Docker contexts as the docker CLI stores them, read with the standard library.

The store lives in DOCKER_CONFIG (else ~/.docker): `config.json` names the current context
(`docker context use`), `contexts/meta/<sha256 of the name>/meta.json` holds a context's endpoint and
`contexts/tls/<same id>/docker/{ca,cert,key}.pem` its TLS files. docker-py's own ContextAPI reads the
same files but finds none of them unless a config.json exists (`docker context create` writes none),
and takes DOCKER_CONFIG from the process only, so the project reads them here.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional

DEFAULT_CONTEXT = "default"  # the docker CLI's built-in context: DOCKER_HOST, else the local socket


class StoreError(ValueError):
    """A file of the context store that cannot be read as docker writes it."""


@dataclass(frozen=True)
class StoredContext:
    name: str
    host: str
    tls_dir: Optional[str]  # the directory with ca.pem, cert.pem and key.pem, when the context has TLS files
    skip_tls_verify: bool


def config_dir(environ: Mapping[str, str]) -> str:
    """The docker CLI's configuration directory: DOCKER_CONFIG, else ~/.docker of HOME."""
    given = environ.get("DOCKER_CONFIG")
    if given:
        return given
    home = environ.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".docker")


def context_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _load_json(path: str) -> Optional[Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise StoreError(f"{path} cannot be read ({error})") from None


def current_context(directory: str) -> Optional[str]:
    """The context `docker context use` chose, from config.json; None when it names none."""
    config = _load_json(os.path.join(directory, "config.json"))
    name = config.get("currentContext") if isinstance(config, dict) else None
    return name if isinstance(name, str) and name else None


def read_context(directory: str, name: str) -> Optional[StoredContext]:
    """The context `name` of the store in `directory`; None when there is none of that name."""
    meta_file = os.path.join(directory, "contexts", "meta", context_id(name), "meta.json")
    meta = _load_json(meta_file)
    if meta is None:
        return None
    endpoint = (meta.get("Endpoints") or {}).get("docker") if isinstance(meta, dict) else None
    if not isinstance(endpoint, dict) or not isinstance(endpoint.get("Host"), str) or not endpoint["Host"]:
        raise StoreError(f"{meta_file} has no Endpoints.docker.Host")
    tls_dir = os.path.join(directory, "contexts", "tls", context_id(name), "docker")
    return StoredContext(
        name=name,
        host=endpoint["Host"],
        tls_dir=tls_dir if os.path.isdir(tls_dir) and os.listdir(tls_dir) else None,
        skip_tls_verify=bool(endpoint.get("SkipTLSVerify")),
    )
