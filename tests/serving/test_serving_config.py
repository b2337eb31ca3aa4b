"""The model config file (TF Serving's text format and its JSON form) and version policies."""
import json

import pytest

from tracegraph.serving.config import ConfigError, parse_text_proto, parse_version_policy, read_model_config

TEXT = """
# two models
model_config_list {
  config {
    name: "mlp"  base_path: "/models/mlp"  model_platform: "tensorflow"
    model_version_policy { specific { versions: 1 versions: 3 } }
    version_labels { key: "stable" value: 1 }
    version_labels { key: 'canary' value: 3 }
  }
  config < name: 'other' base_path: "/models/other"; model_version_policy: { latest { num_versions: 2 } } >
}
"""


def test_text_format_is_read_as_tf_serving_writes_it(tmp_path):
    path = tmp_path / "models.config"
    path.write_text(TEXT)
    mlp, other = read_model_config(str(path))
    assert (mlp.name, mlp.base_path, mlp.labels) == ("mlp", "/models/mlp", {"stable": 1, "canary": 3})
    assert mlp.policy.select({1, 2, 3, 4}) == [1, 3]
    assert (other.name, other.policy.select({1, 2, 3, 4})) == ("other", [3, 4])


def test_json_form_gives_the_same_models(tmp_path):
    document = {"model_config_list": {"config": [
        {"name": "mlp", "base_path": "/models/mlp", "model_version_policy": {"specific": {"versions": [1, 3]}},
         "version_labels": {"stable": "1", "canary": "3"}},
        {"name": "other", "base_path": "/models/other", "model_version_policy": {"latest": {"num_versions": 2}}}]}}
    (tmp_path / "models.json").write_text(json.dumps(document))
    (tmp_path / "models.config").write_text(TEXT)
    from_json = read_model_config(str(tmp_path / "models.json"))
    from_text = read_model_config(str(tmp_path / "models.config"))
    assert [repr(spec) for spec in from_json] == [repr(spec) for spec in from_text]


def test_repeated_fields_become_lists_and_strings_unescape():
    assert parse_text_proto('a: 1 a: 2 b { c: "x\\ty" } d: true e: -1.5') == \
        {"a": [1, 2], "b": {"c": "x\ty"}, "d": True, "e": -1.5}


@pytest.mark.parametrize("text, words", [
    ("model_config_list { config { name: 'a' } }", ["missing 'base_path'"]),
    ("model_config_list { config { name: 'a' base_path: '/x' }", ["missing '}'"]),
    ("model_config_list { }", ["no config entries"]),
    ("model_config_list { config { name: 'a' base_path: '/x' } config { name: 'a' base_path: '/y' } }",
     ["['a']", "more than once"]),
    ("model_config_list { config { name: 'a' base_path: '/x' model_platform: 'pytorch' } }", ["pytorch"]),
    ("model_config_list { config { name: 'a/b' base_path: '/x' } }", ["invalid model name"]),
    ("model_config_list { config { name: 'a' base_path: '/x' } } $", ["unexpected character '$'"]),
])
def test_bad_config_files_say_what_is_wrong(tmp_path, text, words):
    path = tmp_path / "bad.config"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        read_model_config(str(path))
    assert all(word in str(error.value) for word in words), str(error.value)


def test_version_policies_from_the_command_line():
    available = {1, 2, 5, 7}
    assert parse_version_policy("latest").select(available) == [7]
    assert parse_version_policy("latest:2").select(available) == [5, 7]
    assert parse_version_policy("all").select(available) == [1, 2, 5, 7]
    assert parse_version_policy("2,7,9").select(available) == [2, 7]
    with pytest.raises(ConfigError, match="latest, latest:N, all"):
        parse_version_policy("newest")
