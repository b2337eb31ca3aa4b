"""The server's Prometheus metrics: request counts, request latency and batch sizes, as exposition text.

Kept in plain dicts of counters (a request adds to two of them): the `prometheus_client` package would
be one more dependency for three metric families. With `--workers N` each process keeps its own
counts; a scrape sees the process that answered it.
"""
import bisect

__all__ = ["Metrics", "Histogram"]

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class Histogram:
    """Cumulative-bucket histogram of observed values."""

    def __init__(self, bounds):
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, value):
        """Count one value."""
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def lines(self, name, labels):
        """The exposition lines of this histogram under `name` with `labels` ("k=\"v\"" text)."""
        out, running = [], 0
        for bound, count in zip(self.bounds + ("+Inf",), self.counts):
            running += count
            out.append(f'{name}_bucket{{{labels},le="{bound}"}} {running}')
        out.append(f"{name}_sum{{{labels}}} {self.total}")
        out.append(f"{name}_count{{{labels}}} {running}")
        return out


class Metrics:
    """Counts of requests by model, API and status code; latency per model and API; batch sizes per model."""

    def __init__(self):
        self.requests = {}
        self.latency = {}
        self.batch_sizes = {}

    def observe_request(self, model, api, code, seconds):
        """Count one answered request."""
        key = (model, api, code)
        self.requests[key] = self.requests.get(key, 0) + 1
        histogram = self.latency.get((model, api))
        if histogram is None:
            histogram = self.latency[(model, api)] = Histogram(LATENCY_BUCKETS)
        histogram.observe(seconds)

    def batch_observer(self, model):
        """A function counting the row count of each call made for `model` (batched or not)."""
        histogram = self.batch_sizes.get(model)
        if histogram is None:
            histogram = self.batch_sizes[model] = Histogram(BATCH_BUCKETS)
        return histogram.observe

    def render(self, store):
        """The Prometheus text exposition of every metric (and the loaded versions of `store`'s models)."""
        lines = ["# HELP tracegraph_serving_requests_total Requests answered, by model, API and HTTP status.",
                 "# TYPE tracegraph_serving_requests_total counter"]
        lines += [f'tracegraph_serving_requests_total{{model="{_escape(m)}",api="{a}",code="{c}"}} {n}'
                  for (m, a, c), n in sorted(self.requests.items())]
        lines += ["# HELP tracegraph_serving_request_latency_seconds Time from request to answer, in the server.",
                  "# TYPE tracegraph_serving_request_latency_seconds histogram"]
        for (m, a), histogram in sorted(self.latency.items()):
            lines += histogram.lines("tracegraph_serving_request_latency_seconds", f'model="{_escape(m)}",api="{a}"')
        lines += ["# HELP tracegraph_serving_batch_size Rows per call of a model's function (batched requests).",
                  "# TYPE tracegraph_serving_batch_size histogram"]
        for m, histogram in sorted(self.batch_sizes.items()):
            lines += histogram.lines("tracegraph_serving_batch_size", f'model="{_escape(m)}"')
        lines += ["# HELP tracegraph_serving_model_versions Versions of each model loaded and serving.",
                  "# TYPE tracegraph_serving_model_versions gauge"]
        lines += [f'tracegraph_serving_model_versions{{model="{_escape(name)}"}} {len(model.versions)}'
                  for name, model in sorted(store.models.items())]
        return "\n".join(lines) + "\n"


def _escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
