"""The models the serving tests export (shared by conftest.py and the tests; a name of its own, as
`conftest` is the name of every directory's fixtures module)."""
import tracegraph as tg

BODY_LIMIT = 100_000


def build_mlp(seed):
    """The tutorials' 8-30-1 MLP with weights from `seed`."""
    tg.keras.utils.set_random_seed(seed)
    return tg.keras.Sequential([tg.keras.Input((8,)), tg.keras.layers.Dense(30, activation="relu"),
                                tg.keras.layers.Dense(1)])


class HalfPlusTwo(tg.Module):
    """TF Serving's half_plus_two example: y = 0.5 x + 2."""

    @tg.function(input_signature=[tg.TensorSpec([None], tg.float32, name="x")])
    def serve(self, x):
        return {"y": 0.5 * x + 2.0}


class ThreeInputs(tg.Module):
    """The tag/signal/sensor inputs of TF Serving's REST API guide."""

    @tg.function(input_signature=[tg.TensorSpec([None], tg.string, name="tag"),
                                  tg.TensorSpec([None, 5], tg.int32, name="signal"),
                                  tg.TensorSpec([None, 2, 2], tg.float32, name="sensor")])
    def serve(self, tag, signal, sensor):
        return {"tag_length": tg.strings.length(tag), "tag_bytes": tg.strings.upper(tag),
                "total": tg.cast(tg.reduce_sum(signal, axis=1), tg.float32) + tg.reduce_sum(sensor, axis=[1, 2])}
