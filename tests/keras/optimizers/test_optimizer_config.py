"""get / serialize / deserialize and get_config / from_config of optimizers and schedules, in
Keras 3's form."""
import pytest

from tracegraph.keras import optimizers as O

S = O.schedules

EXAMPLES = [O.SGD(0.2, momentum=0.5, nesterov=True), O.Adam(0.01, amsgrad=True, clipnorm=1.0),
            O.AdamW(weight_decay=0.1), O.RMSprop(rho=0.8, centered=True), O.Adagrad(initial_accumulator_value=0.3),
            O.Adadelta(rho=0.9), O.Adamax(beta_2=0.99), O.Nadam(epsilon=1e-6),
            O.Ftrl(l1_regularization_strength=0.1, beta=0.2)]


@pytest.mark.parametrize("optimizer", EXAMPLES, ids=lambda o: type(o).__name__)
def test_config_round_trip(optimizer):
    config = optimizer.get_config()
    clone = type(optimizer).from_config(config)
    assert clone.get_config() == config
    again = O.deserialize(O.serialize(optimizer))
    assert type(again) is type(optimizer) and again.get_config() == config


def test_serialized_form_is_keras_3s():
    # Keras 3.15: serialize(SGD()) (learning_rate is the float32 Variable's value)
    assert O.serialize(O.SGD(name="sgd")) == {
        "module": "keras.optimizers", "class_name": "SGD", "registered_name": None,
        "config": {"name": "sgd", "learning_rate": 0.009999999776482582, "weight_decay": None, "clipnorm": None,
                   "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                   "ema_overwrite_frequency": None, "loss_scale_factor": None,
                   "gradient_accumulation_steps": None, "momentum": 0.0, "nesterov": False}}


def test_a_schedule_in_the_config_is_serialized_and_restored():
    optimizer = O.Adam(learning_rate=S.ExponentialDecay(0.1, 10, 0.5))
    config = optimizer.get_config()
    assert config["learning_rate"] == {
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay", "registered_name": None,
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": False,
                   "name": "ExponentialDecay"}}
    clone = O.Adam.from_config(config)
    assert isinstance(clone._learning_rate, S.ExponentialDecay) and clone.get_config() == config


@pytest.mark.parametrize("name, cls", [("sgd", O.SGD), ("SGD", O.SGD), ("adam", O.Adam), ("rmsprop", O.RMSprop),
                                       ("RMSprop", O.RMSprop), ("adagrad", O.Adagrad), ("adadelta", O.Adadelta),
                                       ("adamax", O.Adamax), ("nadam", O.Nadam), ("ftrl", O.Ftrl),
                                       ("adamw", O.AdamW)])
def test_get_by_name_makes_a_default_optimizer(name, cls):
    optimizer = O.get(name)
    assert type(optimizer) is cls
    assert optimizer.get_config() == {**cls().get_config(), "name": optimizer.name}


def test_get_passes_instances_through_and_reads_configs():
    sgd = O.SGD()
    assert O.get(sgd) is sgd
    assert O.get(None) is None
    adam = O.get({"class_name": "Adam", "config": {"learning_rate": 0.5}})
    assert isinstance(adam, O.Adam) and float(adam.learning_rate) == 0.5
    with pytest.raises(ValueError, match="Unknown optimizer"):
        O.get("adamm")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        O.get(42)


def test_custom_objects_extend_deserialize():
    class MySGD(O.SGD):
        pass
    optimizer = O.deserialize({"class_name": "MySGD", "config": {"momentum": 0.5}}, custom_objects={"MySGD": MySGD})
    assert type(optimizer) is MySGD and optimizer.momentum == 0.5


@pytest.mark.parametrize("schedule", [S.ExponentialDecay(0.1, 3, 0.5, staircase=True),
                                      S.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]),
                                      S.CosineDecay(0.1, 6, alpha=0.1, warmup_target=0.2, warmup_steps=3),
                                      S.InverseTimeDecay(0.1, 2, 0.5), S.PolynomialDecay(0.1, 5, cycle=True),
                                      S.CosineDecayRestarts(0.1, 2, m_mul=0.5)], ids=lambda s: type(s).__name__)
def test_schedule_round_trip(schedule):
    clone = S.deserialize(S.serialize(schedule))
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    assert [float(clone(step)) for step in range(8)] == [float(schedule(step)) for step in range(8)]


def test_schedule_arguments_are_checked():
    with pytest.raises(ValueError, match="decay_steps"):
        S.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="1 less than"):
        S.PiecewiseConstantDecay([1, 2], [0.1])
    with pytest.raises(NotImplementedError):
        S.LearningRateSchedule()(0)
