"""The tutorials' feature-column example (structured data, "2.2 特征列"): Titanic-style passengers
turned into model inputs by `tf.feature_column` (numeric, bucketized, vocabulary-list, hash-bucket,
embedding and crossed columns) inside `layers.DenseFeatures`, then a small MLP trained with `fit`
on a `tf.data` pipeline of (dict, label) batches.

The tutorial reads Kaggle's titanic CSV files with pandas; this example makes passengers of the
same columns with a fixed seed instead (no download, no pandas), so it runs anywhere.
Run: `python examples/feature_columns.py`.
"""
import datetime
import os

import numpy as np

import tracegraph as tf
from tracegraph.keras import layers

EPOCHS = int(os.environ.get("EXAMPLE_EPOCHS", 10))
SAMPLES = int(os.environ.get("EXAMPLE_SAMPLES", 1300))


def printlog(info):
    nowtime = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    print("\n" + "==========" * 8 + "%s" % nowtime)
    print(info + "...\n\n")


def make_passengers(n, seed=0):
    """Columns as the tutorial's `prepare_dfdata` leaves them: missing values filled, `_nan` flags."""
    rng = np.random.default_rng(seed)
    pclass = rng.choice([1, 2, 3], size=n, p=[0.25, 0.2, 0.55])
    sex = rng.choice(["male", "female"], size=n, p=[0.65, 0.35])
    age = np.clip(rng.normal(30, 14, size=n), 0.5, 80)
    age_nan = (rng.random(n) < 0.2).astype("int32")
    age = np.where(age_nan == 1, age[age_nan == 0].mean(), age)
    cabin_nan = (rng.random(n) < np.where(pclass == 1, 0.2, 0.9)).astype("int32")
    cabin = np.where(cabin_nan == 1, "", np.char.add(rng.choice(list("ABCDEF"), size=n),
                                                     rng.integers(1, 130, size=n).astype(str)))
    survived = rng.random(n) < 1 / (1 + np.exp(-(2.4 * (sex == "female") - 1.0 * (pclass - 2)
                                                  - 0.03 * (age - 30) - 0.6)))
    return {
        "pclass": pclass.astype("int32"), "sex": sex.tolist(), "age": age.astype("float32"),
        "sibsp": rng.poisson(0.5, size=n).astype("int32"), "parch": rng.poisson(0.4, size=n).astype("int32"),
        "ticket": [str(t) for t in rng.integers(100000, 400000, size=n)],
        "fare": np.round(rng.gamma(2.0, 16.0, size=n) * (4 - pclass), 2).astype("float32"),
        "cabin": cabin.tolist(), "embarked": rng.choice(["S", "C", "Q"], size=n, p=[0.72, 0.19, 0.09]).tolist(),
        "age_nan": age_nan, "cabin_nan": cabin_nan, "label": survived.astype("int32"),
    }


def take(data, rows):
    return {k: (np.asarray(v)[rows] if isinstance(v, np.ndarray) else [v[i] for i in rows]) for k, v in data.items()}


def df_to_dataset(df, shuffle=True, batch_size=32):
    dfdata = dict(df)
    labels = dfdata.pop("label")
    ds = tf.data.Dataset.from_tensor_slices((dfdata, labels))
    if shuffle:
        ds = ds.shuffle(buffer_size=len(labels), seed=0)
    return ds.batch(batch_size)


def make_feature_columns(data):
    feature_columns = []
    # 数值列 (numeric columns)
    for col in ["age", "fare", "parch", "sibsp"] + [c for c in data if c.endswith("_nan")]:
        feature_columns.append(tf.feature_column.numeric_column(col))
    # 分桶列 (bucketized column)
    age = tf.feature_column.numeric_column("age")
    age_buckets = tf.feature_column.bucketized_column(age, boundaries=[18, 25, 30, 35, 40, 45, 50, 55, 60, 65])
    feature_columns.append(age_buckets)
    # 类别列: every categorical column goes through indicator_column (or an embedding) into the model
    sex = tf.feature_column.indicator_column(
        tf.feature_column.categorical_column_with_vocabulary_list(key="sex", vocabulary_list=["male", "female"]))
    feature_columns.append(sex)
    pclass = tf.feature_column.indicator_column(
        tf.feature_column.categorical_column_with_vocabulary_list(key="pclass", vocabulary_list=[1, 2, 3]))
    feature_columns.append(pclass)
    ticket = tf.feature_column.indicator_column(tf.feature_column.categorical_column_with_hash_bucket("ticket", 3))
    feature_columns.append(ticket)
    embarked = tf.feature_column.indicator_column(
        tf.feature_column.categorical_column_with_vocabulary_list(key="embarked", vocabulary_list=["S", "C", "B"]))
    feature_columns.append(embarked)
    # 嵌入列 (embedding column)
    cabin = tf.feature_column.embedding_column(tf.feature_column.categorical_column_with_hash_bucket("cabin", 32), 2)
    feature_columns.append(cabin)
    # 交叉列 (crossed column)
    pclass_cate = tf.feature_column.categorical_column_with_vocabulary_list(key="pclass", vocabulary_list=[1, 2, 3])
    crossed_feature = tf.feature_column.indicator_column(
        tf.feature_column.crossed_column([age_buckets, pclass_cate], hash_bucket_size=15))
    feature_columns.append(crossed_feature)
    return feature_columns


def main():
    tf.random.set_seed(0)
    printlog("step1: prepare dataset")
    data = make_passengers(SAMPLES)
    split = int(SAMPLES * 0.7)
    dftrain, dftest = take(data, range(split)), take(data, range(split, SAMPLES))
    ds_train, ds_test = df_to_dataset(dftrain), df_to_dataset(dftest)

    printlog("step2: make feature columns")
    feature_columns = make_feature_columns(data)

    printlog("step3: define model")
    tf.keras.backend.clear_session()
    model = tf.keras.Sequential([
        layers.DenseFeatures(feature_columns),  # the feature columns go into DenseFeatures
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])

    printlog("step4: train model")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(ds_train, validation_data=ds_test, epochs=EPOCHS, verbose=2)

    printlog("step5: eval model")
    model.summary()
    return history


if __name__ == "__main__":
    main()
