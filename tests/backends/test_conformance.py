"""One conformance suite: every case of `conformance_cases` × every backend × every execution mode.

Modes:
- "eager": the function run op by op (`tg.config.run_functions_eagerly`) on the backend's device;
- "traced-unfused": the traced graph, and the graph after every pass but `fuse_elementwise`,
  each compiled by the backend;
- "traced-fused": the `tg.function` as a user calls it (default pipeline, fused nodes), and its
  optimized graph after a round trip through JSON, compiled again; on a backend that tiers up
  (Numba), also the optimized graph on NumPy's plan, the tier 0 that runs while it compiles.

Every result is compared with the reference interpreter on the traced graph (the oracle), and
the oracle with the case's NumPy expectation: exact dtype, exact shape, values within the case's
tolerance. Inputs come from hypothesis: broadcasting shapes, 0-d and empty arrays, non-contiguous
layouts (compiling backends draw those for the `all_kinds` cases only, see `Case.inputs`). Each
(case, backend, input dtypes and ranks) traces one function with `None` dimensions, so shapes
vary without retracing and the Numba backend compiles each kernel once (cached on disk under
$TRACEGRAPH_CACHE_DIR: a first run compiles a few hundred kernels and takes minutes).

Backends that cannot run here (CuPy without a GPU) stay in the parametrization, skipped with the
reason. Examples are derandomized, so a run is reproducible and a known bug (xfail, strict)
fails on every run.
"""
import dataclasses
import functools
from typing import Any, Dict

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings

import tracegraph as tg
from tracegraph.backend import backend_names, get_backend
from tracegraph.float_errors import call_ignoring_float_errors
from tracegraph.ir.graph import Graph
from tracegraph.ir.interpreter import interpret
from tracegraph.ir.verifier import verify
from tracegraph.core.op import REGISTRY, Op
from tracegraph.ops import string_hashing, string_joins, string_ngrams, string_numbers, string_ops, string_tokens
from tracegraph.passes import optimize
from tracegraph.passes.pipeline import DEFAULT_PIPELINE
from tracegraph.trace.tiering import backend_tiers_up

from conformance_cases import CASES
from support import as_layout, assert_same_result

MODES = ("eager", "traced-unfused", "traced-fused")
UNFUSED_PIPELINE = [(name, run) for name, run in DEFAULT_PIPELINE if name != "fuse_elementwise"]
#: Examples per (case, backend): few, because each example may trace the case again (a new
#: rank or dtype) and, on Numba, compile a kernel; every case has two backends' worth of them.
MAX_EXAMPLES = 6
#: Backends that compile a kernel per fused expression, dtype and broadcast kind of each input:
#: they draw aligned arguments (see `Case.inputs`) to keep the number of kernels moderate.
COMPILING_BACKENDS = ("numba", "cupy")
#: The Numba backend's size limits below which fused nodes run on NumPy instead of a kernel.
NUMBA_SIZE_LIMITS = ("TINY", "SMALL_ARITHMETIC", "SMALL_REDUCTION")


@pytest.fixture(autouse=True)
def _small_arrays_run_compiled_kernels(monkeypatch):
    """The Numba backend runs fused nodes on small inputs through NumPy (below `TINY` elements,
    `SMALL_ARITHMETIC` for plain arithmetic, `SMALL_REDUCTION` for fused reductions), because a
    kernel call costs more there. The suite's arrays are small, so it turns these limits off:
    the generated kernels are what it tests (`test_small_arrays_reach_...` guards this)."""
    if _why_unavailable("numba") is None:
        from tracegraph_backends.numba import kernels  # noqa: PLC0415 - imports numba
        for limit in NUMBA_SIZE_LIMITS:
            monkeypatch.setattr(kernels, limit, 0)


# ----- parametrization -----------------------------------------------------------------------

def _why_unavailable(name):
    try:
        get_backend(name)
    except (RuntimeError, ValueError) as error:
        return f"backend {name!r} cannot run here: {error}"
    return None


BACKENDS = [(name, _why_unavailable(name)) for name in backend_names()]


def _params():
    """One item per (case, backend) running every mode that is expected to work, plus one strict
    xfail item per (case, backend, mode) known to fail, so a known bug hides nothing else."""
    params = []
    for case in CASES:
        for backend, missing in BACKENDS:
            marks = [pytest.mark.gpu] if get_device_type(backend) == "GPU" else []
            if missing:
                marks.append(pytest.mark.skip(reason=missing))
            failing = [m for m in MODES if case.xfail_reason(backend, m)]
            working = tuple(m for m in MODES if m not in failing)
            if working:
                params.append(pytest.param(case, backend, working, id=f"{case.name}-{backend}", marks=marks))
            for mode in failing:
                xfail = pytest.mark.xfail(strict=True, reason=case.xfail_reason(backend, mode))
                params.append(pytest.param(case, backend, (mode,), id=f"{case.name}-{backend}-{mode}",
                                           marks=marks + [xfail]))
    return params


def get_device_type(backend):
    """The device type a backend runs on, without importing it (CuPy may be absent)."""
    return "GPU" if backend == "cupy" else "CPU"


# ----- compiled programs, one per (case, backend, input signature) ---------------------------

@dataclasses.dataclass
class Program:
    """A case traced for one input signature, and its graphs compiled on one backend."""

    function: Any
    concrete: Any
    backend: Any
    graphs: Dict[str, Any] = dataclasses.field(default_factory=dict)
    plans: Dict[str, Any] = dataclasses.field(default_factory=dict)

    def plan(self, stage):
        """The backend's compiled plan for "traced", "unfused" or "json" (the fused graph reloaded);
        "tier0" is the fused graph on NumPy's plan (tiered execution's first tier)."""
        if stage not in self.plans:
            backend = get_backend("numpy") if stage == "tier0" else self.backend
            self.plans[stage] = backend.compile(self.graph("fused" if stage == "tier0" else stage))
        return self.plans[stage]

    @property
    def tiers_up(self):
        """Whether tiered execution runs this backend's functions on NumPy's plan first."""
        return backend_tiers_up(self.backend)

    def graph(self, stage):
        """The graph of a stage: "traced", "unfused", "fused", or "json" (fused, saved and reloaded)."""
        if stage not in self.graphs:
            self.graphs[stage] = self._make_graph(stage)
        return self.graphs[stage]

    def _make_graph(self, stage):
        if stage == "traced":
            return self.concrete.graph
        if stage == "unfused":
            return optimize(self.concrete.graph, pipeline=UNFUSED_PIPELINE)
        if stage == "fused":
            return self.concrete.optimized_graph
        variables = {v.name: v for v in self.concrete.variables}
        return Graph.from_json(self.concrete.optimized_graph.to_json(), variables=variables)

    def run(self, stage, arrays):
        """Run a compiled stage on NumPy arrays; NumPy arrays back."""
        # as ConcreteFunction.call_flat runs a plan: floating-point errors ignored
        results = call_ignoring_float_errors(self.plan(stage), [self.backend.from_numpy(a) for a in arrays])
        return [np.asarray(self.backend.to_numpy(r)) for r in results]


_PROGRAMS = {}


def program_for(case, backend_name, arrays):
    """The cached Program of `case` on `backend_name` for the dtypes and ranks of `arrays`."""
    signature = tuple((a.dtype.name, a.ndim) for a in arrays)
    key = (case.name, backend_name, signature)
    if key not in _PROGRAMS:
        specs = [tg.TensorSpec([None] * ndim, tg.as_dtype(dtype)) for dtype, ndim in signature]
        function = tg.function(case.fn, input_signature=specs, backend=backend_name, fallback="error")
        program = Program(function, function.get_concrete_function(), get_backend(backend_name))
        verify(program.graph("json"))  # the pipeline verifies the others (TRACEGRAPH_VERIFY, tests/conftest.py)
        _PROGRAMS[key] = program
    return _PROGRAMS[key]


# ----- running one example in one mode -------------------------------------------------------

def _flat_numpy(result):
    return [np.asarray(t.numpy()) for t in tg.nest.flatten(result)]


def _as_list(result):
    return [np.asarray(r) for r in (result if isinstance(result, (tuple, list)) else (result,))]


def run_mode(program, mode, tensors, arrays):
    """{label: list of output arrays} for the case run in `mode`."""
    if mode == "eager":
        device = "/gpu:0" if get_device_type(program.backend.name) == "GPU" else "/cpu:0"
        tg.config.run_functions_eagerly(True)
        try:
            with tg.device(device):
                return {"eager": _flat_numpy(program.function(*tensors))}
        finally:
            tg.config.run_functions_eagerly(False)
    if mode == "traced-unfused":
        return {"traced graph": program.run("traced", arrays), "unfused graph": program.run("unfused", arrays)}
    results = {"tg.function (fused)": _flat_numpy(program.function(*tensors)),
               "fused graph from JSON": program.run("json", arrays)}
    if program.tiers_up:
        results["fused graph on tier 0"] = program.run("tier0", arrays)
    return results


def check_example(case, backend_name, modes, inputs):
    """Run one drawn example in each of `modes`; compare with the oracle and the NumPy expectation."""
    arrays, layouts = inputs
    tensors = [as_layout(a, layout) for a, layout in zip(arrays, layouts)]
    views = [np.asarray(t) for t in tensors]  # the very (possibly non-contiguous) arrays the tensors hold
    program = program_for(case, backend_name, arrays)
    outputs = {}
    for mode in modes:
        outputs.update(run_mode(program, mode, tensors, views))
    oracle = interpret(program.concrete.graph, views)
    expected = _as_list(case.reference(*arrays))
    if case.invariant is not None:
        outputs = {label: _as_list(case.invariant(out if len(out) > 1 else out[0], *arrays))
                   for label, out in outputs.items()}
        oracle = _as_list(case.invariant(oracle if len(oracle) > 1 else oracle[0], *arrays))
    # Each result against the oracle, and the oracle against NumPy: a result off from NumPy by
    # more than twice the tolerance fails one of them.
    _compare(case, "interpreter vs NumPy", oracle, expected)
    for label, results in outputs.items():
        _compare(case, f"{label} vs interpreter", results, oracle)
    if "traced-fused" in modes:
        _check_fully_fused(program.graph("fused"))


def _compare(case, label, results, wanted):
    assert len(results) == len(wanted), f"{label}: {len(results)} outputs, expected {len(wanted)}"
    for k, (got, want) in enumerate(zip(results, wanted)):
        rtol, atol = case.tolerance_for(want.dtype)
        assert_same_result(got, want, rtol=rtol, atol=atol, what=f"{case.name}: {label}, output {k}")


def _check_fully_fused(graph):
    """No elementwise node that fusion could take is left outside a fused node."""
    left = [node for node in graph.all_nodes()
            if node.op.elementwise and not node.op.stateful and node.outputs
            and node.outputs[0].spec.shape.rank is not None]
    assert not left, f"elementwise nodes left unfused: {[n.op.name for n in left]}\n{graph}"


class KnownFailure(Exception):
    """A failure an xfail mark expects, re-raised without its (slow to format) traceback."""


# ----- the suite -----------------------------------------------------------------------------

@pytest.mark.parametrize("case, backend_name, modes", _params())
def test_case_matches_interpreter_and_numpy(case, backend_name, modes):
    """The case on the backend, in each mode, agrees with the reference interpreter and with NumPy."""
    known_failure = any(case.xfail_reason(backend_name, mode) for mode in modes)

    @settings(max_examples=MAX_EXAMPLES, deadline=None,
              derandomize=True, database=None, print_blob=False,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much],
              # A known failure needs no minimal example on every run.
              phases=[Phase.explicit, Phase.generate] if known_failure else list(Phase))
    @given(inputs=case.inputs(aligned=backend_name in COMPILING_BACKENDS))
    def check(inputs):
        check_example(case, backend_name, modes, inputs)

    if not known_failure:
        check()
        return
    try:
        check()
    except Exception as error:  # noqa: BLE001 - reported short: the long traceback is known
        raise KnownFailure(f"{type(error).__name__}: {error}") from None


# ----- the table covers the registry ---------------------------------------------------------

#: Registered ops no case exercises directly, and why.
NOT_COVERED = {
    "fused_elementwise": "created by the fusion pass, run in every traced-fused case",
    "dataset_iterator_open": "a stateful tg.data iterator op (`for x in ds` in a function; tests/data)",
    "dataset_iterator_has_next": "a stateful tg.data iterator op (`for x in ds` in a function; tests/data)",
    "dataset_iterator_get_next": "a stateful tg.data iterator op (`for x in ds` in a function; tests/data)",
    "dataset_iterator_close": "a stateful tg.data iterator op (`for x in ds` in a function; tests/data)",
    "write_summary": "a stateful host op writing TensorBoard events (tests/summary)",
    "collective_all_reduce": "a cross-replica host op of tg.distribute, run under a strategy (tests/distribute)",
    "collective_all_reduce_start": "collective_all_reduce begun by the overlap pass (tests/distribute)",
    "collective_all_reduce_finish": "collective_all_reduce finished by the overlap pass (tests/distribute)",
    "feature_vocabulary_lookup": "a host op on strings of the feature columns (tests/feature_column, vs TF 2.21)",
    "feature_fingerprint_cross": "a host op on strings of the feature columns (tests/feature_column, vs TF 2.21)",
    "parse_example": "a host op decoding tf.train.Example protos (tests/io, vs TF 2.21's files)",
    "serialize_tensor": "a host op writing TF's TensorProto bytes (tests/io, vs TF 2.21's bytes)",
    "parse_tensor": "a host op reading TF's TensorProto bytes (tests/io, vs TF 2.21's bytes)",
}
# String ops take and give object arrays of bytes, which this suite's numeric inputs are not; no
# backend renders them (they run on the host with NumPy everywhere), and tests/ops/test_string_ops.py
# runs each one eagerly and traced on the numpy and numba backends against Python references.
NOT_COVERED.update({op.name: "a string op (see tests/ops/test_string_ops.py)"
                    for module in (string_hashing, string_joins, string_ngrams, string_numbers, string_ops,
                                   string_tokens)
                    for op in vars(module).values() if isinstance(op, Op)})


def _first_example(case):
    """The first input arrays hypothesis draws for `case` (deterministic)."""
    found = []

    @settings(max_examples=1, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(inputs=case.inputs())
    def capture(inputs):
        found.append(inputs[0])

    capture()
    return found[0]


def _traced_op_names(case):
    """The op names in the case's graphs (sub-graphs included), traced for one example's dtypes
    with unknown dimensions (as the suite runs it) and with its exact shapes (as constants fold)."""
    arrays = _first_example(case)
    names = set()
    for shape_of in (lambda a: [None] * a.ndim, lambda a: a.shape):
        specs = [tg.TensorSpec(shape_of(a), tg.as_dtype(a.dtype.name)) for a in arrays]
        try:
            graph = tg.function(case.fn, fallback="error").get_concrete_function(*specs).graph
        except Exception:  # noqa: BLE001 - a case that cannot trace is an xfail of the suite
            continue
        names.update(node.op.name for node in graph.all_nodes())
    return names


@functools.lru_cache(maxsize=None)
def covered_ops():
    """The op names the whole table exercises."""
    return frozenset().union(*[_traced_op_names(case) for case in CASES])


def test_every_op_with_a_template_has_a_case():
    """Every elementwise (template-bearing) op appears in some case's traced graph."""
    templated = [name for name, op in REGISTRY.items() if op.template is not None]
    missing = sorted(name for name in templated if name not in covered_ops())
    assert not missing, f"elementwise ops without a conformance case: {missing}"


def test_every_other_op_has_a_case_or_a_reason():
    """Every registered op is exercised by a case or listed in NOT_COVERED with the reason."""
    missing = sorted(name for name in REGISTRY if name not in covered_ops() and name not in NOT_COVERED)
    assert not missing, f"ops without a conformance case or a reason in NOT_COVERED: {missing}"


@pytest.mark.skipif(_why_unavailable("numba") is not None, reason="the Numba backend cannot run here")
@pytest.mark.parametrize("fn, reference", [
    (lambda x: tg.exp(x) * 2.0, lambda x: np.exp(x) * 2),          # with a transcendental function
    (lambda x: x * 2.0 + 1.0, lambda x: x * 2 + 1),                # plain arithmetic
    (lambda x: tg.reduce_sum(tg.square(x)), lambda x: np.sum(x * x)),  # a fused reduction
], ids=["transcendental", "arithmetic", "reduction"])
def test_small_arrays_reach_the_generated_numba_kernels(fn, reference):
    """The suite's small inputs run the compiled kernels, not the NumPy path for small arrays."""
    from tracegraph_backends.numba import kernels  # noqa: PLC0415 - imports numba
    assert all(hasattr(kernels, limit) for limit in NUMBA_SIZE_LIMITS), "the size limits were renamed"
    function = tg.function(fn, backend="numba")
    x = tg.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    np.testing.assert_allclose(function(x).numpy(), reference(x.numpy()), rtol=1e-6)
    [kernel] = function.get_concrete_function(x).compile().kernels
    assert [k for k in kernel.kernels.values() if k is not None], "no kernel was compiled for a 2x3 input"


def test_case_names_are_unique():
    """Case names are test ids: two cases with one name would hide one another."""
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
