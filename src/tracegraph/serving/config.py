"""Which models to serve: one from the command line, or several from a model config file.

The file is TF Serving's own `--model_config_file`: a `ModelServerConfig` in protobuf text format, so a
deployment moving from TF Serving keeps its file unchanged:

    model_config_list {
      config { name: "mlp" base_path: "/models/mlp" model_platform: "tensorflow"
               model_version_policy { specific { versions: 1 versions: 2 } }
               version_labels { key: "stable" value: 1 } }
    }

The same message in proto3's JSON mapping (`{"model_config_list": {"config": [{"name": ...}]}}`) is read
too, for tools that write JSON. Only the fields the server uses are read (name, base_path,
model_version_policy, version_labels); model_platform must be "tensorflow" or "tracegraph" if given.
Reading the text format takes a few dozen lines here, where the protobuf runtime would be a heavy
dependency for a file of a dozen lines.
"""
import json
import re

__all__ = ["ModelSpec", "VersionPolicy", "parse_version_policy", "read_model_config", "parse_text_proto",
           "ConfigError"]


class ConfigError(ValueError):
    """A model config file or version policy that cannot be used, with the reason."""


class VersionPolicy:
    """TF Serving's model_version_policy: the `latest` N versions, `all`, or `specific` ones."""

    def __init__(self, kind="latest", count=1, versions=()):
        if kind not in ("latest", "all", "specific"):
            raise ConfigError(f"unknown version policy {kind!r}: expected latest, all or specific")
        if kind == "latest" and count < 1 or kind == "specific" and not versions:
            raise ConfigError("a 'latest' policy needs num_versions >= 1, a 'specific' one at least one version")
        self.kind, self.count, self.versions = kind, count, frozenset(versions)

    def select(self, available):
        """The versions to serve among the `available` version numbers."""
        if self.kind == "all":
            return sorted(available)
        if self.kind == "specific":
            return sorted(v for v in available if v in self.versions)
        return sorted(available)[-self.count:]

    def __repr__(self):
        detail = {"latest": f"{self.count}", "all": "", "specific": ",".join(map(str, sorted(self.versions)))}
        return f"VersionPolicy({self.kind}{':' if detail[self.kind] else ''}{detail[self.kind]})"


class ModelSpec:
    """One model to serve: its name, versioned base directory, version policy and version labels."""

    def __init__(self, name, base_path, policy=None, labels=None):
        if not name or "/" in name or ":" in name:
            raise ConfigError(f"invalid model name {name!r}: it must be non-empty without '/' or ':'")
        self.name, self.base_path = name, base_path
        self.policy = policy or VersionPolicy()
        self.labels = dict(labels or {})

    def __repr__(self):
        return f"ModelSpec({self.name!r}, {self.base_path!r}, {self.policy!r}, labels={self.labels})"


def parse_version_policy(text):
    """A policy from the command line: `latest`, `latest:N`, `all`, or version numbers `1,3`."""
    kind, _, count = text.partition(":")
    try:
        if kind == "latest":
            return VersionPolicy("latest", int(count) if count else 1)
        if kind == "all" and not count:
            return VersionPolicy("all")
        return VersionPolicy("specific", versions=[int(v) for v in text.split(",")])
    except ValueError:
        raise ConfigError(f"invalid --versions {text!r}: expected latest, latest:N, all, or numbers like 1,3") \
            from None


def read_model_config(path):
    """The ModelSpecs of a model config file (text format or JSON)."""
    try:
        with open(path, encoding="utf8") as f:
            text = f.read()
    except OSError as error:
        raise ConfigError(f"cannot read the model config file: {error}") from None
    try:
        document = json.loads(text) if text.lstrip().startswith("{") else parse_text_proto(text)
    except (ValueError, ConfigError) as error:
        raise ConfigError(f"{path}: {error}") from None
    configs = _list(_field(document, "model_config_list", path).get("config", []))
    if not configs:
        raise ConfigError(f"{path}: model_config_list has no config entries")
    specs = [_model_spec(entry, f"{path}: config {k}") for k, entry in enumerate(configs)]
    names = [spec.name for spec in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{path}: the model names {duplicates} appear more than once")
    return specs


def _model_spec(entry, where):
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a message")
    platform = entry.get("model_platform", "tensorflow")
    if platform not in ("tensorflow", "tracegraph"):
        raise ConfigError(f"{where}: model_platform {platform!r} is not served (tensorflow or tracegraph)")
    name, base_path = _field(entry, "name", where), _field(entry, "base_path", where)
    policy = _policy(entry.get("model_version_policy"), where)
    labels = entry.get("version_labels", [])
    if not isinstance(labels, dict) or set(labels) == {"key", "value"}:  # text format: repeated key/value
        labels = {item["key"]: item["value"] for item in _list(labels)}
    try:
        labels = {str(k): int(v) for k, v in labels.items()}
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: version_labels must map label names to version numbers") from None
    return ModelSpec(str(name), str(base_path), policy, labels)


def _policy(entry, where):
    if entry is None:
        return VersionPolicy()
    if not isinstance(entry, dict) or len(entry) != 1:
        raise ConfigError(f"{where}: model_version_policy must hold one of latest, all, specific")
    ((kind, body),) = entry.items()
    body = body or {}
    if kind == "latest":
        return VersionPolicy("latest", int(body.get("num_versions", 1)))
    if kind == "specific":
        return VersionPolicy("specific", versions=[int(v) for v in _list(body.get("versions", []))])
    return VersionPolicy(kind)


def _field(entry, key, where):
    if not isinstance(entry, dict) or key not in entry:
        raise ConfigError(f"{where}: missing {key!r}")
    return entry[key]


def _list(value):
    return value if isinstance(value, list) else [value]


_TOKEN = re.compile(r"""\s+|\#[^\n]*|(?P<tok>[{}<>:;,]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[\w.+-]+)""")


def parse_text_proto(text):
    """A protobuf text-format message as nested dicts; a field given twice becomes a list."""
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ConfigError(f"unexpected character {text[position]!r} at offset {position}")
        if match.group("tok") is not None:
            tokens.append(match.group("tok"))
        position = match.end()
    message, end = _message(tokens, 0, None)
    return message


def _message(tokens, i, closing):
    message = {}
    while i < len(tokens) and tokens[i] != closing:
        name = tokens[i]
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ConfigError(f"expected a field name, got {name!r}")
        i += 1
        if i < len(tokens) and tokens[i] == ":":
            i += 1
        if i >= len(tokens):
            raise ConfigError(f"field {name!r} has no value")
        if tokens[i] in ("{", "<"):
            value, i = _message(tokens, i + 1, "}" if tokens[i] == "{" else ">")
        else:
            value, i = _scalar(tokens[i]), i + 1
        if name in message:
            previous = message[name]
            message[name] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            message[name] = value
        if i < len(tokens) and tokens[i] in (";", ","):
            i += 1
    if closing is not None:
        if i >= len(tokens):
            raise ConfigError(f"missing {closing!r}")
        i += 1
    return message, i


def _scalar(token):
    if token[0] in "\"'":
        return bytes(token[1:-1], "utf8").decode("unicode_escape")
    for kind in (int, float):
        try:
            return kind(token)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(token, token)
