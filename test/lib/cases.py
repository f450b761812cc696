"""Registry of oracle cases.

A case is a function `make(rng) -> (inputs, expected)` decorated with
`@case(...)`: `inputs` are the NumPy arrays passed to the function in order
(their dtypes must match the function's argument types: float32, float16,
int32, int64; bf16 arguments take float32), `expected` the NumPy results.
Each cases_*.py module registers the cases of one op family.
"""

import importlib
import os
from dataclasses import dataclass
from typing import Callable

REGISTRY = {}


@dataclass
class Case:
    make: Callable
    rtol: float
    atol: float
    seed: int


def case(name, rtol=1e-5, atol=1e-6, seed=0):
    def register(fn):
        if name in REGISTRY:
            raise ValueError(f"duplicate oracle case {name!r}")
        REGISTRY[name] = Case(fn, rtol, atol, seed)
        return fn
    return register


_here = os.path.dirname(os.path.abspath(__file__))
for _file in sorted(os.listdir(_here)):
    if _file.startswith("cases_") and _file.endswith(".py"):
        importlib.import_module(_file[:-3])
