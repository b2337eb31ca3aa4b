"""A short tour of tracegraph: TensorFlow 2's API, running on NumPy.

Run it with `python3 examples/tour.py`. Tensors and Variables print exactly as
they do in TF2, with `tg.` in place of `tf.`.
"""
import numpy as np

import tracegraph as tg


def section(title):
    print(f"\n== {title} " + "=" * (60 - len(title)))


section("Tensors")
t = tg.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(t)
print("shape:", t.shape, " dtype:", t.dtype.name, " rank:", t.ndim)
print(repr(tg.constant(3.0)))
print(tg.constant("hello"))

section("Ops and NumPy")
print(t + 10)
print(tg.square(t))
print(t @ tg.transpose(t))
print("NumPy functions take tensors:", np.square(tg.constant([1.0, 2.0])))
print("and .numpy() gives the values:", t.numpy()[1])

section("Broadcasting")
row = tg.constant([10.0, 20.0, 30.0])
print(t + row)
try:
    t + tg.constant([1.0, 2.0])
except ValueError as error:
    print("ValueError:", error)

section("dtypes: TF's rules")
print("Python float ->", tg.constant(1.5).dtype.name, "| Python int ->", tg.constant(1).dtype.name,
      "| NumPy keeps ->", tg.constant(np.arange(2.0)).dtype.name)
print("int / int =", tg.constant(7) / tg.constant(2))
print("a Python scalar takes the tensor's dtype:", tg.constant([1, 2], tg.int8) * 3)
for bad in (lambda: tg.constant(1.0) + tg.constant(1.0, tg.float64), lambda: tg.constant([1, 2]) * 2.5):
    try:
        bad()
    except TypeError as error:
        print("TypeError:", error)
print("explicit conversion:", tg.cast(tg.constant([1.7, -1.7]), tg.int32))

section("Indexing")
print(t[:, 1:])
print(t[..., 1])
print(t[-1, ::-1])
print(t[tg.newaxis].shape)

section("Variables")
v = tg.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(v)
v.assign(2 * v)
v[0, 1].assign(42)
v[1].assign([7.0, 8.0, 9.0])
print(v.numpy())
print(v + 1.0)

section("Gradients")
x = tg.Variable(3.0)
with tg.GradientTape() as tape:
    y = x ** 2 + 2 * x
print("d(x^2 + 2x)/dx at 3 =", tape.gradient(y, x))
time = tg.Variable(1.0)
with tg.GradientTape() as outer:
    with tg.GradientTape() as inner:
        position = 4.9 * time ** 2
    speed = inner.gradient(position, time)
print("speed:", float(speed), " acceleration:", float(outer.gradient(speed, time)))

section("tg.function: trace once, run the graph")


@tg.function
def scaled(x):
    return x * 2.0 + 1.0


print(scaled(tg.constant([1.0, 2.0])))
print(scaled(tg.constant([3.0, 4.0])))
print("traced", scaled.experimental_get_tracing_count(), "time(s) for two calls of one signature")
