"""The one error type of the backup tool: what is wrong and how to fix it, printed without a traceback."""


class BackupError(Exception):
    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}. Fix: {fix}")
