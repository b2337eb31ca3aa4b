"""The served models and their versions, kept current with the version directories on disk.

A model's base path holds one saved model per version, in directories named by the version number
(`BASE/1/`, `BASE/2/`, as TF Serving lays them out). A poller scans it every few seconds; a version the
policy wants is loaded *and warmed up* (one call of every signature, then the wait for its compiled plan)
off the event loop, and only then swapped in: the model's version table is an immutable dict replaced
by one assignment. A request looks its version up once and holds that object until it is answered, so
requests in flight when a version is unloaded finish on it; nothing is dropped during a swap. A version
that fails to load is reported in the model's status and skipped (the policy picks among the others), and
tried again when its `saved_model.json` changes.
"""
import logging
import os
import threading

from .errors import InvalidArgument, NotFound, Unavailable
from .signature import ServedSignature
from .. import config as tg_config, saved_model
from ..saved_model.format import METADATA_FILE

__all__ = ["ModelStore", "ServedModel", "ServableVersion", "load_version"]

logger = logging.getLogger("tracegraph.serving")

#: How long loading a version waits for its compiled plans before serving on the NumPy plans.
COMPILE_WAIT_SECONDS = 120.0


class ServableVersion:
    """One loaded version of a model: its signatures, ready to run."""

    def __init__(self, model_name, version, path, signatures):
        self.model_name, self.version, self.path = model_name, version, path
        self.signatures = signatures
        self.batchers = {}  # signature name -> Batcher, made by the server on first use

    def signature(self, name):
        """The ServedSignature `name` (TF Serving's 400 naming the ones there are)."""
        try:
            return self.signatures[name]
        except KeyError:
            raise InvalidArgument(f'Serving signature key "{name}" not found: model \'{self.model_name}\' version '
                                  f'{self.version} has the signatures {sorted(self.signatures)}') from None


def load_version(model_name, version, path):
    """Load the saved model at `path` and warm every signature up before it takes traffic."""
    loaded = saved_model.load(path)
    signatures = {}
    for name, function in loaded.signatures.items():
        try:
            signatures[name] = ServedSignature(name, function)
        except ValueError as error:
            logger.warning("model %s version %d: not serving %s", model_name, version, error)
    for signature in signatures.values():
        signature.run(signature.example_inputs())
        signature._concrete.wait_compiled(COMPILE_WAIT_SECONDS)
        signature.check_batchable()
    return ServableVersion(model_name, version, path, signatures)


class ServedModel:
    """A model name with its spec (base path, version policy, labels) and its loaded versions."""

    def __init__(self, spec):
        self.spec = spec
        self.name = spec.name
        self.versions = {}  # version -> ServableVersion; replaced whole, never changed in place
        self.states = {}  # version -> (state, error_code, error_message), TF Serving's version status
        self._failed = {}  # version -> the saved_model.json mtime that failed to load

    def resolve(self, version=None, label=None):
        """The ServableVersion asked for: a number, a label, or (neither) the highest loaded."""
        versions = self.versions
        if label is not None:
            if label not in self.spec.labels:
                raise NotFound(f"model '{self.name}' has no version label '{label}' "
                               f"(labels: {sorted(self.spec.labels)})")
            version = self.spec.labels[label]
        if version is None:
            if not versions:
                raise Unavailable(f"model '{self.name}' has no version loaded yet (base path "
                                  f"{self.spec.base_path})")
            return versions[max(versions)]
        found = versions.get(version)
        if found is None:
            raise NotFound(f"Servable not found for request: Specific({self.name}, {version}): model '{self.name}' "
                           f"serves the versions {sorted(versions)}")
        return found

    def poll(self):
        """Load the versions the policy now wants, swap them in, unload the others; True if anything changed."""
        on_disk = version_directories(self.spec.base_path)
        for version, mtime in list(self._failed.items()):
            if version not in on_disk or _mtime(on_disk[version]) != mtime:
                del self._failed[version]
        current = self.versions
        while True:
            wanted = self.spec.policy.select(set(on_disk) - set(self._failed))
            missing = [v for v in wanted if v not in current]
            if not missing:
                break
            current = dict(current)
            for version in missing:
                loaded = self._load(version, on_disk[version])
                if loaded is not None:
                    current[version] = loaded
        new = {v: current[v] for v in wanted}
        if not new and self.versions and not on_disk:
            logger.warning("model %s: the base path %s has no versions any more; still serving %s",
                           self.name, self.spec.base_path, sorted(self.versions))
            return False
        changed = set(new) != set(self.versions)
        for version in set(self.versions) - set(new):
            self.states[version] = ("END", "OK", "")
        self.versions = new  # the swap: one assignment, seen whole by every request after it
        if changed:
            logger.info("model %s: serving versions %s", self.name, sorted(new))
        return changed

    def _load(self, version, path):
        self.states[version] = ("LOADING", "OK", "")
        try:
            loaded = load_version(self.name, version, path)
        except Exception as error:  # a broken version must not stop the others being served
            self._failed[version] = _mtime(path)
            self.states[version] = ("END", "INVALID_ARGUMENT", f"loading {path} failed: {error}")
            logger.error("model %s: version %d at %s failed to load: %s", self.name, version, path, error)
            return None
        self.states[version] = ("AVAILABLE", "OK", "")
        return loaded

    def status(self, version=None):
        """TF Serving's GetModelStatus answer: every known version's state (or only `version`'s)."""
        if version is not None and version not in self.states:
            raise NotFound(f"Servable not found for request: Specific({self.name}, {version}): model "
                           f"'{self.name}' knows the versions {sorted(self.states)}")
        chosen = [version] if version is not None else sorted(self.states, reverse=True)
        return {"model_version_status": [
            {"version": str(v), "state": self.states[v][0],
             "status": {"error_code": self.states[v][1], "error_message": self.states[v][2]}} for v in chosen]}


def version_directories(base_path):
    """{version number: directory} for the complete saved models under `base_path` (temporary and
    hidden directories, such as an atomic save's `.2.tmp-...`, are not versions)."""
    try:
        names = os.listdir(base_path)
    except OSError:
        return {}
    found = {}
    for name in names:
        path = os.path.join(base_path, name)
        if name.isdigit() and os.path.isfile(os.path.join(path, METADATA_FILE)):
            found[int(name)] = path
    return found


def _mtime(path):
    try:
        return os.stat(os.path.join(path, METADATA_FILE)).st_mtime_ns
    except OSError:
        return None


class ModelStore:
    """All served models by name, and the thread that polls their base paths.

    `backend` names the tracegraph backend the models run on (default: tracegraph's default). The
    choice is per thread, and a version's plans are compiled by its warm-up call in the loading
    thread (or by the background compile that `load` starts when the backend tiers up), so it is set
    in each thread that loads.
    """

    def __init__(self, specs, poll_seconds=2.0, backend=None):
        self.models = {spec.name: ServedModel(spec) for spec in specs}
        self.poll_seconds = poll_seconds
        self.backend = backend
        self._stop = threading.Event()
        self._thread = None

    def model(self, name):
        """The ServedModel `name` (NotFound naming the served ones)."""
        try:
            return self.models[name]
        except KeyError:
            raise NotFound(f"Servable not found for request: Latest({name}): the server has the models "
                           f"{sorted(self.models)}") from None

    def poll_all(self):
        """One scan of every model's base path."""
        if self.backend is not None:
            tg_config.set_backend(self.backend)
        for model in self.models.values():
            try:
                model.poll()
            except Exception:  # the poller must outlive any one model's trouble
                logger.exception("model %s: polling %s failed", model.name, model.spec.base_path)

    def start(self):
        """Load what is there now (before the server takes requests), then poll in the background."""
        self.poll_all()
        for model in self.models.values():
            if not model.versions and os.path.isfile(os.path.join(model.spec.base_path, METADATA_FILE)):
                logger.warning("model %s: %s is a saved model itself, not a directory of versions: serve the "
                               "directory above it if its name is a version number, else move it into a "
                               "sub-directory named 1", model.name, model.spec.base_path)
            elif not model.versions:
                logger.warning("model %s: no loadable version under %s yet (expected directories named by "
                               "version number, each a tg.saved_model); answering 503 until one appears",
                               model.name, model.spec.base_path)
        if self.poll_seconds > 0:
            self._thread = threading.Thread(target=self._run, name="tracegraph-model-poller", daemon=True)
            self._thread.start()

    def stop(self):
        """Stop polling."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self):
        while not self._stop.wait(self.poll_seconds):
            self.poll_all()

    def ready(self):
        """True once every model has a version to serve."""
        return all(model.versions for model in self.models.values())
