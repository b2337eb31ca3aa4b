"""The core the op library, autodiff and tracing stand on.

`Op` and the registry of ops by name, `bind` (the one dispatch point), the shape-rule helpers,
`FuncGraph` (the graph being traced), sub-graphs for control flow, the tracing scope, and the
graph primitives (`const`, `read_variable`, `assign_variable`). It imports only the value types
(tensors, specs, dtypes, the execution context) and the IR; nothing here imports `ops/`,
`autodiff/` or `trace/`.
"""
