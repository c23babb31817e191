"""Imports a function's real handler the way Lambda does: from its CodeUri, with the layer on the path.

Every function's module is called `app`, as Lambda expects; locally they share one process, so each
is imported under a name of its own. A function running several invocations at once gets one copy
of its module per concurrent "container" (`instance`), as each Lambda container has its own module
globals (`services`, a batch processor, caches); the layer's modules are shared, as one process has
them once.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from local.runtime.template import ROOT, FunctionSpec

Handler = Callable[[dict[str, Any], Any], Any]

LAYER_PATH = str(ROOT / "shared")
_modules: dict[str, ModuleType] = {}
_importing = threading.RLock()  # two containers starting at once must not run one module twice


def load_module(spec: FunctionSpec, instance: int = 0) -> ModuleType:
    """Imports once per process and instance, like a warm Lambda container; the environment must be
    set first. Instance 0 is the module tests reach with `load_handler`."""
    name = f"fieldbooks_fn_{spec.logical_id}" + (f"_{instance}" if instance else "")
    with _importing:
        if name not in _modules:
            if LAYER_PATH not in sys.path:
                sys.path.insert(0, LAYER_PATH)
            module_name = spec.handler.rsplit(".", 1)[0]
            path = spec.code_uri / f"{module_name.replace('.', '/')}.py"
            module_spec = importlib.util.spec_from_file_location(name, path)
            if module_spec is None or module_spec.loader is None:
                raise ImportError(f"{spec.logical_id}: no handler module at {path}")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[module_spec.name] = module
            module_spec.loader.exec_module(module)
            _modules[name] = module
        return _modules[name]


def load_handler(spec: FunctionSpec, instance: int = 0) -> Handler:
    return getattr(load_module(spec, instance), spec.handler.rsplit(".", 1)[1])


class LambdaContext:
    """The attributes Powertools reads from a Lambda context object."""

    def __init__(self, function_name: str, timeout_seconds: int = 30) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = "local"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._timeout_ms = timeout_seconds * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms
