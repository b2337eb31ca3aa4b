"""The kernel cache: isolated in tests, self-healing when its files are damaged, usable when its
directory is not (compiling in memory), bounded with least-recently-used eviction."""
import json
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

pytest.importorskip("numba")

from tracegraph_backends.numba import cache, cache_eviction  # noqa: E402 - after the skip

#: A kernel module as codegen writes them: a block and a kernel, both cached by numba.
SOURCE = textwrap.dedent("""\
    import numpy as np
    from numba import njit

    @njit(cache=True)
    def block(x):
        return x * 2.0 + 1.0

    @njit(cache=True)
    def kernel(x):
        return block(x)
    """)
EXPECTED = 7.0  # kernel(3.0)

#: Loads SOURCE through the cache in a fresh process; prints the result and the cache's warnings.
CHILD = textwrap.dedent("""\
    import json, sys, warnings
    from tracegraph_backends.numba import cache
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = cache.load_kernel_module(sys.argv[1]).kernel(3.0)
    messages = [str(w.message) for w in caught if issubclass(w.category, cache.KernelCacheWarning)]
    print(json.dumps({"result": result, "warnings": messages}))
    """)


def run_child(cache_dir, source=SOURCE, **environment):
    env = {**os.environ, "TRACEGRAPH_CACHE_DIR": str(cache_dir), **environment}
    done = subprocess.run([sys.executable, "-c", CHILD, source], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def kernel_files(cache_dir, source=SOURCE):
    key = cache._kernel_key(source)
    numba_dir = cache_dir / "numba"
    return (numba_dir / f"k_{key}.py", sorted((numba_dir / "__pycache__").glob(f"k_{key}.*")))


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    """A cache directory holding SOURCE's module and numba's compiled files for it."""
    cache_dir = tmp_path_factory.mktemp("warm")
    assert run_child(cache_dir) == {"result": EXPECTED, "warnings": []}
    return cache_dir


@pytest.fixture
def poisoned_copy(warm_cache, tmp_path):
    """A private copy of the warm cache to damage."""
    import shutil  # noqa: PLC0415 - only this fixture copies trees
    copy = tmp_path / "cache"
    shutil.copytree(warm_cache, copy)
    return copy


def test_tests_never_use_the_users_cache():
    default = os.path.join(os.path.expanduser("~"), ".cache", "tracegraph", "numba")
    assert os.environ.get("TRACEGRAPH_CACHE_DIR")
    assert cache.cache_directory() != default


def test_cache_directory_follows_the_environment_at_call_time(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(tmp_path))
    assert cache.cache_directory() == str(tmp_path / "numba")


def test_a_warm_cache_loads_without_compiling_or_warning(warm_cache):
    source_file, compiled = kernel_files(warm_cache)
    assert source_file.read_text() == SOURCE
    assert any(p.suffix == ".nbi" for p in compiled) and any(p.suffix == ".nbc" for p in compiled)
    assert run_child(warm_cache) == {"result": EXPECTED, "warnings": []}


SOURCE_DAMAGE = {
    "empty": lambda text: "",
    "truncated": lambda text: text[:len(text) // 2],
    "garbage": lambda text: "\x00\x01 not python (",
    "edited": lambda text: text.replace("x * 2.0 + 1.0", "x * 3.0"),
}


@pytest.mark.parametrize("damage", sorted(SOURCE_DAMAGE))
def test_a_damaged_kernel_source_is_rewritten(poisoned_copy, damage):
    source_file, _ = kernel_files(poisoned_copy)
    source_file.write_text(SOURCE_DAMAGE[damage](SOURCE))
    first = run_child(poisoned_copy)
    assert first["result"] == EXPECTED
    assert len(first["warnings"]) == 1 and str(source_file) in first["warnings"][0]
    assert source_file.read_text() == SOURCE
    assert run_child(poisoned_copy) == {"result": EXPECTED, "warnings": []}


def _flip_middle_byte(data):
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]


COMPILED_DAMAGE = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[:len(data) // 2],
    "garbage": lambda data: bytes(range(256)) * 2,
    "flipped byte": _flip_middle_byte,
}


@pytest.mark.parametrize("suffix", [".nbi", ".nbc"])
@pytest.mark.parametrize("damage", sorted(COMPILED_DAMAGE))
def test_a_damaged_numba_file_is_recompiled(poisoned_copy, suffix, damage):
    _, compiled = kernel_files(poisoned_copy)
    target = next(p for p in compiled if p.suffix == suffix and ".kernel-" in p.name)
    target.write_bytes(COMPILED_DAMAGE[damage](target.read_bytes()))
    first = run_child(poisoned_copy)
    assert first["result"] == EXPECTED
    assert len(first["warnings"]) == 1 and str(target) in first["warnings"][0]
    assert run_child(poisoned_copy) == {"result": EXPECTED, "warnings": []}


def load_in_process(source, monkeypatch):
    """Load `source` through a fresh in-process memo, returning the module and the cache warnings."""
    monkeypatch.setattr(cache, "_loaded", {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = cache.load_kernel_module(source)
    return module, [str(w.message) for w in caught if issubclass(w.category, cache.KernelCacheWarning)]


def unusable_directories(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a directory")
    return {"the path is a file": a_file, "a parent is a file": a_file / "below"}


@pytest.mark.parametrize("case", ["the path is a file", "a parent is a file"])
def test_an_unusable_cache_directory_compiles_in_memory(monkeypatch, tmp_path, case):
    # Root may write anywhere, so unusable here means: a path through a regular file.
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(unusable_directories(tmp_path)[case]))
    module, messages = load_in_process(SOURCE, monkeypatch)
    assert module.kernel(3.0) == EXPECTED
    assert len(messages) == 1 and "cannot be used" in messages[0]
    other, again = load_in_process(SOURCE.replace("2.0", "4.0"), monkeypatch)
    assert other.kernel(3.0) == 13.0 and again == []  # one warning per directory, not per kernel


def test_an_unusable_home_compiles_in_memory(tmp_path):
    home = unusable_directories(tmp_path)["the path is a file"]
    env = {k: v for k, v in os.environ.items() if k not in ("TRACEGRAPH_CACHE_DIR", "XDG_CACHE_HOME")}
    env["HOME"] = str(home)
    done = subprocess.run([sys.executable, "-c", CHILD, SOURCE], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["result"] == EXPECTED
    assert len(report["warnings"]) == 1 and str(home) in report["warnings"][0]


def distinct_source(i):
    return SOURCE.replace("1.0", f"{i}.0")


def load_and_run(i, monkeypatch):
    module, messages = load_in_process(distinct_source(i), monkeypatch)
    assert module.kernel(3.0) == 6.0 + i and messages == []


def test_loading_marks_a_kernel_used(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(tmp_path))
    load_and_run(1, monkeypatch)
    source_file, _ = kernel_files(tmp_path, distinct_source(1))
    os.utime(source_file, (1_000_000, 1_000_000))
    load_and_run(1, monkeypatch)
    assert source_file.stat().st_mtime > 1_000_000


def test_eviction_removes_whole_least_recently_used_kernels(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(tmp_path))
    for i in (1, 2, 3):
        load_and_run(i, monkeypatch)
    files = {i: kernel_files(tmp_path, distinct_source(i)) for i in (1, 2, 3)}
    for i, last_used in {1: 3_000_000, 2: 1_000_000, 3: 2_000_000}.items():
        for path in [files[i][0], *files[i][1]]:
            os.utime(path, (last_used, last_used))
    sizes = {i: sum(p.stat().st_size for p in [files[i][0], *files[i][1]]) for i in files}
    new_source_size = len(distinct_source(4).encode())
    monkeypatch.setenv("TRACEGRAPH_CACHE_MAX_BYTES", str(sizes[1] + sizes[3] + new_source_size))
    load_and_run(4, monkeypatch)
    assert not files[2][0].exists() and not any(p.exists() for p in files[2][1])
    assert all(p.exists() for i in (1, 3) for p in [files[i][0], *files[i][1]])
    assert cache.cache_info()["bytes"] <= cache.cache_bound() + max(sizes.values())  # + 4's compiled files


def test_eviction_tolerates_files_removed_by_another_process(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(tmp_path))
    load_and_run(1, monkeypatch)
    seen = cache_eviction.kernels_on_disk(cache.cache_directory())
    cache.clear_cache()  # the other process
    for kernel in seen.values():
        kernel.remove()
    assert cache.cache_info()["kernels"] == 0


def test_the_bound_is_configurable_and_checked(monkeypatch):
    monkeypatch.delenv("TRACEGRAPH_CACHE_MAX_BYTES", raising=False)
    assert cache.cache_bound() == cache.DEFAULT_MAX_BYTES
    monkeypatch.setenv("TRACEGRAPH_CACHE_MAX_BYTES", "1000")
    assert cache.cache_bound() == 1000
    monkeypatch.setenv("TRACEGRAPH_CACHE_MAX_BYTES", "lots")
    with pytest.raises(ValueError, match="TRACEGRAPH_CACHE_MAX_BYTES.*'lots'"):
        cache.cache_bound()


def test_info_and_clear(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(tmp_path))
    (tmp_path / "numba").mkdir()
    unrelated = tmp_path / "numba" / "notes.txt"
    unrelated.write_text("the user's")
    for i in (1, 2):
        load_and_run(i, monkeypatch)
    info = cache.cache_info()
    assert info["directory"] == str(tmp_path / "numba") and info["kernels"] == 2
    assert info["bytes"] > 0 and info["max_bytes"] == cache.cache_bound()
    assert cache.clear_cache() == 2
    assert cache.cache_info()["kernels"] == 0 and cache.cache_info()["bytes"] == 0
    assert unrelated.read_text() == "the user's"


def test_a_fused_function_gives_right_results_from_a_cache_it_repaired(monkeypatch, tmp_path):
    import tracegraph as tg  # noqa: PLC0415 - the end-to-end case only
    monkeypatch.setenv("TRACEGRAPH_CACHE_DIR", str(tmp_path))
    x = np.linspace(-2, 2, 10_000, dtype=np.float32)
    fn = tg.function(lambda v: v * 2.0 + 1.0, backend="numba")
    assert np.allclose(fn(x).numpy(), x * 2 + 1)
    for path in (tmp_path / "numba").glob("k_*.py"):
        path.write_text(path.read_text().replace("2.0", "5.0").replace("*", "-"))
    monkeypatch.setattr(cache, "_loaded", {})
    again = tg.function(lambda v: v * 2.0 + 1.0, backend="numba")
    with pytest.warns(cache.KernelCacheWarning):
        assert np.allclose(again(x).numpy(), x * 2 + 1)
