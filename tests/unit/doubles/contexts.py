"""Docker contexts written by hand in the docker CLI's on-disk format (what `docker context create` leaves
in DOCKER_CONFIG): contexts/meta/<sha256 of the name>/meta.json and contexts/tls/<same>/docker/*.pem."""

import hashlib
import json
import shutil
from pathlib import Path
from typing import Optional


def write_context(
    config_dir: Path, name: str, host: str, tls_from: Optional[Path] = None, skip_tls_verify: bool = False
) -> None:
    """The context `name` for the engine at `host`; with `tls_from`, its ca.pem, cert.pem and key.pem."""
    context_id = hashlib.sha256(name.encode()).hexdigest()
    meta = config_dir / "contexts" / "meta" / context_id
    meta.mkdir(parents=True)
    endpoint = {"Host": host, "SkipTLSVerify": skip_tls_verify}
    (meta / "meta.json").write_text(json.dumps({"Name": name, "Metadata": {}, "Endpoints": {"docker": endpoint}}))
    if tls_from is not None:
        tls = config_dir / "contexts" / "tls" / context_id / "docker"
        tls.mkdir(parents=True)
        for pem in ("ca.pem", "cert.pem", "key.pem"):
            shutil.copy(tls_from / pem, tls / pem)


def use_context(config_dir: Path, name: str) -> None:
    """`docker context use name`: the current context in config.json."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.json").write_text(json.dumps({"auths": {}, "currentContext": name}))
