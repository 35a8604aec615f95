"""The one error type of the operations tools: what is wrong and how to fix it, printed without a traceback."""


class OperationError(Exception):
    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}. Fix: {fix}")
