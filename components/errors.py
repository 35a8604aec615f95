"""The one error type for bad configuration.

Every validation failure names the setting, what is wrong with it and how to fix it, so that
`pulumi preview` stops with a message a person can act on before anything is created.

It derives from pulumi.RunError so the CLI prints the message alone, without a Python traceback.
"""

import pulumi


class ConfigError(pulumi.RunError, ValueError):
    """A setting is invalid. Raised before any resource is registered."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        self.setting = setting
        self.problem = problem
        self.fix = fix
        super().__init__(f"invalid setting '{setting}': {problem}. Fix: {fix}")
