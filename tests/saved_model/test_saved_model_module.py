"""A tg.Module with several tg.functions (dense, ragged and sparse inputs, dict outputs, Python arguments)
saved and loaded: the same attributes and results, signatures taking keyword tensors, the Variables
restored with their values and trainability, gradients through a loaded function and fine-tuning."""
import numpy as np
import pytest

import tracegraph as tg
import tracegraph.saved_model as saved_model

W = np.array([[1.0, -2.0], [0.5, 3.0], [-1.5, 0.25]])
B = np.array([0.5, -0.5])
X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])


class Model(tg.Module):
    def __init__(self, dtype=tg.float32):
        super().__init__()
        self.w = tg.Variable(W.astype(dtype.numpy_dtype), name="w")
        self.b = tg.Variable(B.astype(dtype.numpy_dtype), name="b")
        self.scale = tg.Variable(np.asarray(2.0, dtype.numpy_dtype), trainable=False, name="scale")

    @tg.function(input_signature=[tg.TensorSpec([None, 3], tg.float32, name="x")])
    def __call__(self, x):
        return tg.matmul(x, self.w) + self.b

    @tg.function(input_signature=[tg.RaggedTensorSpec([None, None], tg.float32)])
    def row_sums(self, rows):
        return tg.reduce_sum(rows, axis=1) * self.scale

    @tg.function(input_signature=[tg.SparseTensorSpec([None, 3], tg.float32)])
    def sparse_project(self, sparse):
        return {"projected": tg.matmul(tg.sparse.to_dense(sparse), self.w), "total": tg.sparse.reduce_sum(sparse)}

    @tg.function
    def power(self, a, n=2):
        return a ** n


def _saved(tmp_path, model, **kwargs):
    path = tmp_path / "model"
    saved_model.save(model, str(path), **kwargs)
    return saved_model.load(str(path))


@pytest.fixture
def model_and_loaded(tmp_path):
    model = Model()
    model.power(tg.constant([1.0, 2.0, 3.0]))
    model.power(tg.constant([[1, 2]]), n=3)
    signatures = {"serving_default": model.__call__, "row_sums": model.row_sums,
                  "sparse_project": model.sparse_project}
    return model, _saved(tmp_path, model, signatures=signatures)


def test_every_function_attribute_computes_what_the_original_does(model_and_loaded):
    model, loaded = model_and_loaded
    x = X.astype(np.float32)
    np.testing.assert_allclose(loaded(x).numpy(), x @ W + B, rtol=1e-6)
    rows = tg.ragged.constant([[1.0, 2.0], [3.0], [], [4.0, 5.0, 6.0]])
    np.testing.assert_allclose(loaded.row_sums(rows).numpy(), [6.0, 6.0, 0.0, 30.0])
    sparse = tg.sparse.SparseTensor([[0, 1], [1, 2]], [2.0, -1.0], [2, 3])
    result = loaded.sparse_project(sparse)
    dense = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, -1.0]])
    np.testing.assert_allclose(result["projected"].numpy(), dense @ W, rtol=1e-6)
    assert float(result["total"]) == 1.0


def test_each_traced_concrete_function_is_saved_and_chosen_by_the_arguments(model_and_loaded):
    _, loaded = model_and_loaded
    assert len(loaded.power.concrete_functions) == 2
    np.testing.assert_allclose(loaded.power(tg.constant([1.0, 2.0, 3.0])).numpy(), [1.0, 4.0, 9.0])
    np.testing.assert_array_equal(loaded.power(tg.constant([[1, 2]]), n=3).numpy(), [[1, 8]])
    with pytest.raises(TypeError, match="fit none of its saved concrete functions"):
        loaded.power(tg.constant([1.0]), n=5)


def test_signatures_take_keyword_tensors_and_return_dicts(model_and_loaded):
    _, loaded = model_and_loaded
    assert sorted(loaded.signatures) == ["row_sums", "serving_default", "sparse_project"]
    serving = loaded.signatures["serving_default"]
    assert serving.structured_input_signature == ((), {"x": tg.TensorSpec([None, 3], tg.float32, name="x")})
    assert serving.structured_outputs == {"output_0": tg.TensorSpec([None, 2], tg.float32, name="output_0")}
    out = serving(x=X.astype(np.float32))
    np.testing.assert_allclose(out["output_0"].numpy(), X @ W + B, rtol=1e-6)
    ragged = loaded.signatures["row_sums"]
    (name, spec), = ragged.structured_input_signature[1].items()
    assert name == "rows" and spec == tg.RaggedTensorSpec([None, None], tg.float32)
    np.testing.assert_allclose(ragged(rows=tg.ragged.constant([[1.0], [2.0, 3.0]]))["output_0"].numpy(), [2.0, 10.0])
    sparse = loaded.signatures["sparse_project"](sparse=tg.sparse.SparseTensor([[0, 0]], [1.0], [1, 3]))
    assert sorted(sparse) == ["projected", "total"]
    with pytest.raises(TypeError, match="missing \\['x'\\]"):
        serving(y=X)
    with pytest.raises(ValueError, match="input 'x'"):
        serving(x=np.ones((2, 4), np.float32))


def test_signature_inputs_are_named_as_tf_names_them(tmp_path):
    vector, scalar = tg.TensorSpec([None], tg.float32), tg.TensorSpec([], tg.float32)

    class Nested(tg.Module):
        @tg.function(input_signature=[(vector, vector), {"p": scalar, "q": tg.TensorSpec([], tg.float32, name="qq")},
                                      scalar])
        def f(self, pair, d, z):
            return pair[0] + pair[1] + d["p"] + d["q"] + z

    serving = _saved(tmp_path, Nested()).signatures["serving_default"]
    # TF 2.21: {'qq', 'pair_1', 'pair', 'z', 'd'} (a spec's own name, else the parameter's, made unique)
    assert sorted(serving.structured_input_signature[1]) == ["d", "pair", "pair_1", "qq", "z"]
    one = tg.constant([1.0])
    result = serving(pair=one, pair_1=2 * one, d=tg.constant(3.0), qq=tg.constant(4.0), z=tg.constant(5.0))
    np.testing.assert_array_equal(result["output_0"].numpy(), [15.0])


def test_the_only_function_with_an_input_signature_becomes_serving_default(tmp_path):
    class One(tg.Module):
        def __init__(self):
            super().__init__()
            self.v = tg.Variable(3.0)

        @tg.function(input_signature=[tg.TensorSpec([], tg.float32)])
        def triple(self, x):
            return x * self.v

    loaded = _saved(tmp_path, One())
    assert list(loaded.signatures) == ["serving_default"]
    assert float(loaded.signatures["serving_default"](x=tg.constant(2.0))["output_0"]) == 6.0
    assert not _saved(tmp_path, Model()).signatures  # three candidates: no default, as in TF


def test_variables_come_back_with_values_and_trainability(model_and_loaded):
    model, loaded = model_and_loaded
    assert len(loaded.variables) == 3
    for original, restored in zip(model.variables, loaded.variables):
        np.testing.assert_array_equal(restored.numpy(), original.numpy())
        assert restored.trainable == original.trainable and restored is not original
    assert [v.shape for v in loaded.trainable_variables] == [(2,), (3, 2)]
    model.b.assign([10.0, 10.0])  # the loaded object owns its own Variables
    np.testing.assert_allclose(loaded(X.astype(np.float32)).numpy(), X @ W + B, rtol=1e-6)


def test_gradients_through_a_loaded_function_match_finite_differences(tmp_path):
    class Float64(tg.Module):
        def __init__(self):
            super().__init__()
            self.w = tg.Variable(W, name="w")
            self.b = tg.Variable(B, name="b")

        @tg.function(input_signature=[tg.TensorSpec([None, 3], tg.float64)])
        def __call__(self, x):
            return tg.tanh(tg.matmul(x, self.w) + self.b)

    loaded = _saved(tmp_path, Float64())
    w, b = loaded.trainable_variables[1], loaded.trainable_variables[0]
    with tg.GradientTape() as tape:
        loss = tg.reduce_sum(loaded(X) ** 2)
    grad_w, grad_b = tape.gradient(loss, [w, b])

    def loss_at(w_value, b_value):
        return np.sum(np.tanh(X @ w_value + b_value) ** 2)

    eps = 1e-6
    numeric_w = np.zeros_like(W)
    for index in np.ndindex(*W.shape):
        step = np.zeros_like(W)
        step[index] = eps
        numeric_w[index] = (loss_at(W + step, B) - loss_at(W - step, B)) / (2 * eps)
    numeric_b = np.array([(loss_at(W, B + e) - loss_at(W, B - e)) / (2 * eps) for e in np.eye(2) * eps])
    np.testing.assert_allclose(grad_w.numpy(), numeric_w, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(grad_b.numpy(), numeric_b, rtol=1e-6, atol=1e-8)


def test_fine_tuning_a_loaded_function_lowers_the_loss(model_and_loaded):
    _, loaded = model_and_loaded
    x = X.astype(np.float32)
    target = np.zeros((2, 2), np.float32)
    losses = []
    for _ in range(20):
        with tg.GradientTape() as tape:
            loss = tg.reduce_mean((loaded(x) - target) ** 2)
        gradients = tape.gradient(loss, loaded.trainable_variables)
        for variable, gradient in zip(loaded.trainable_variables, gradients):
            variable.assign_sub(0.01 * gradient)
        losses.append(float(loss))
    assert losses[-1] < 0.5 * losses[0]
    # the calls after an update read the new values (the graph captures the Variables by reference)
    w, b = loaded.trainable_variables[1].numpy(), loaded.trainable_variables[0].numpy()
    np.testing.assert_allclose(loaded(x).numpy(), x @ w + b, rtol=1e-5)


def test_a_loaded_function_can_be_called_inside_a_new_tg_function(model_and_loaded):
    _, loaded = model_and_loaded

    @tg.function
    def doubled(x):
        return 2.0 * loaded(x)

    np.testing.assert_allclose(doubled(tg.constant(X, tg.float32)).numpy(), 2 * (X @ W + B), rtol=1e-6)


def test_control_flow_that_reads_and_assigns_variables_in_its_branches_round_trips(tmp_path):
    class Counter(tg.Module):
        def __init__(self):
            super().__init__()
            self.count = tg.Variable(0.0, trainable=False)
            self.step = tg.Variable(1.5)

        @tg.function(input_signature=[tg.TensorSpec([], tg.float32), tg.TensorSpec([], tg.int32)])
        def run(self, x, n):
            if x > 0:
                self.count.assign_add(self.step)
            total = tg.constant(0.0)
            for _ in tg.range(n):
                total += x * self.step
            return total

    loaded = _saved(tmp_path, Counter())
    assert float(loaded.run(tg.constant(2.0), tg.constant(3))) == 9.0
    assert float(loaded.run(tg.constant(-1.0), tg.constant(2))) == -3.0
    count = [v for v in loaded.variables if not v.trainable][0]
    assert float(count) == 1.5  # assigned once, inside the taken branch, on the loaded Variable
    assert float(loaded.signatures["serving_default"](x=tg.constant(1.0), n=tg.constant(1))["output_0"]) == 1.5


class Tutorial(tg.Module):
    """TF's SavedModel guide: a traced __call__ and a `mutate` with a signature that returns nothing."""

    def __init__(self):
        super().__init__()
        self.v = tg.Variable(1.)

    @tg.function
    def __call__(self, x):
        return x * self.v

    @tg.function(input_signature=[tg.TensorSpec([], tg.float32)])
    def mutate(self, new_v):
        self.v.assign(new_v)


def test_tf_guide_module_mutates_and_fine_tunes_after_loading(tmp_path):
    module = Tutorial()
    module(tg.constant(0.))
    imported = _saved(tmp_path, module)
    assert imported(tg.constant(3.)).numpy() == 3
    imported.mutate(tg.constant(2.))
    assert imported(tg.constant(3.)).numpy() == 6 and imported.v.numpy() == 2.0
    assert list(imported.signatures) == []  # `mutate` returns nothing: no default signature (TF 2.21 too)
    optimizer = tg.keras.optimizers.SGD(0.05)
    losses, values = [], []
    for _ in range(4):
        with tg.GradientTape() as tape:
            loss = (10. - imported(tg.constant(2.))) ** 2
        variables = tape.watched_variables()
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        losses.append(round(float(loss), 2))
        values.append(round(float(imported.v.numpy()), 2))
    # from TF 2.21 running the same steps on tf.saved_model.load's result
    assert losses == [36.0, 12.96, 4.67, 1.68] and values == [3.2, 3.92, 4.35, 4.61]


def test_signature_outputs_are_named_and_a_signature_must_return_tensors(tmp_path):
    module = Tutorial()
    signature = module.__call__.get_concrete_function(tg.TensorSpec(None, tg.float32))
    imported = _saved(tmp_path, module, signatures=signature)
    infer = imported.signatures["serving_default"]
    assert infer.structured_input_signature == ((), {"x": tg.TensorSpec(None, tg.float32, name="x")})
    assert infer.structured_outputs == {"output_0": tg.TensorSpec(None, tg.float32, name="output_0")}
    np.testing.assert_array_equal(infer(x=tg.constant([1., 2.]))["output_0"].numpy(), [1., 2.])
    with pytest.raises(ValueError, match="signature 'serving_default' \\(mutate\\) must return tensors"):
        saved_model.save(module, str(tmp_path / "other"), signatures=module.mutate)


def test_sub_modules_come_back_with_their_functions_and_variables(tmp_path):
    class Encoder(tg.Module):
        def __init__(self):
            super().__init__()
            self.w = tg.Variable([[2.0], [1.0]], name="w")

        @tg.function(input_signature=[tg.TensorSpec([None, 2], tg.float32)])
        def encode(self, x):
            return tg.matmul(x, self.w)

    class Outer(tg.Module):
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()
            self.bias = tg.Variable(1.0, name="bias")

        @tg.function(input_signature=[tg.TensorSpec([None, 2], tg.float32)])
        def __call__(self, x):
            return self.encoder.encode(x) + self.bias

    outer = Outer()
    loaded = _saved(tmp_path, outer)
    x = tg.constant([[1.0, 3.0]])
    assert float(loaded(x)[0, 0]) == 6.0 and float(loaded.encoder.encode(x)[0, 0]) == 5.0
    loaded.encoder.w.assign([[0.0], [1.0]])  # one Variable, shared by the outer and the inner function
    assert float(loaded(x)[0, 0]) == 4.0
    assert [v.shape for v in loaded.variables] == [(), (2, 1)] and loaded.bias.numpy() == 1.0
    assert loaded.encoder.variables == (loaded.encoder.w,) and loaded.submodules == (loaded.encoder,)
