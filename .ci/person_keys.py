"""CI, as a person: write keys to the `redis` stack through its `connect` hint (redisPy), or check them.

    python .ci/person_keys.py write|check

Run in a shell where `eval "$(make -s env)"` was done, from the clone's virtualenv.
"""

import json
import os
import subprocess
import sys

KEYS = 200


def output(*args: str) -> str:
    return subprocess.run(
        ["pulumi", "stack", "output", "-s", "redis", *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def main(mode: str) -> int:
    hint = json.loads(output("connect", "--json"))["redisPy"]
    os.environ["REDIS_PASSWORD"] = output("--show-secrets", "password")
    scope: dict = {}
    exec(hint, scope)  # the hint as a person pastes it: connects, sets a, prints b
    rc = scope["rc"]
    if mode == "write":
        for i in range(KEYS):
            rc.set(f"person:{i}", str(i))
        print(f"wrote {KEYS} keys through the connect hint")
        return 0
    missing = [i for i in range(KEYS) if rc.get(f"person:{i}") != str(i).encode()]
    states = {str(node.name): rc.cluster_info(target_nodes=node)["cluster_state"] for node in rc.get_nodes()}
    print(f"{KEYS - len(missing)} of {KEYS} keys read back; cluster_state by node: {states}")
    return 0 if not missing and set(states.values()) == {"ok"} and len(states) == 6 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
