"""What every benchmark records beside its figures, and where it writes them.

A benchmark calls :func:`metadata` once and :func:`write_results` at the end,
so that its JSON and Markdown files carry the same description of the run
(versions, threads, machine, date) as every other benchmark's.
"""

import json
import platform
import statistics
import threading
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def metadata(**extra):
    """Versions of the libraries that set the figures, torch's threads, the
    machine and the date, with the benchmark's own settings ``extra``."""
    import sklearn
    import skorch
    import torch

    import skae

    meta = {"skae": skae.__version__, "torch": torch.__version__,
            "skorch": skorch.__version__, "scikit-learn": sklearn.__version__,
            "threads": torch.get_num_threads(), "machine": platform.platform(),
            "python": platform.python_version(), "date": time.strftime("%Y-%m-%d")}
    meta.update(extra)
    return meta


def table_rows(table, runs, key="detector"):
    """One row per model of ``runs`` (one ``{model: {figure: value}}`` per
    seed) on ``table``: each figure's mean over the seeds; printed as made."""
    rows = []
    for label in runs[0]:
        row = {"table": table, key: label}
        for figure in runs[0][label]:
            row[figure] = statistics.fmean(r[label][figure] for r in runs)
        rows.append(row)
        print(row, flush=True)
    return rows


def describe(meta):
    """The metadata as one line of Markdown."""
    return (f"skae {meta['skae']}, torch {meta['torch']}, skorch {meta['skorch']}, "
            f"scikit-learn {meta['scikit-learn']}, {meta['threads']} torch threads, "
            f"{meta['date']}")


def write_results(name, meta, rows, lines, **extra):
    """Write ``results/<name>.json`` (``meta``, ``rows`` and the ``extra``
    figures) and ``results/<name>.md`` (``lines``), and print the Markdown."""
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps({"meta": meta, "rows": rows, **extra}, indent=1))
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")


def memory_mb():
    """This process's resident memory now, in MB (Linux's /proc/self/status):
    all of it (``VmRSS``), the anonymous part it allocated (``RssAnon``) and
    the pages of mapped files (``RssFile``, the kernel's page cache)."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


class PeakSampler(threading.Thread):
    """Samples :func:`memory_mb` every 2 ms until stopped; ``peak`` holds the
    largest of each figure."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = memory_mb()
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.002):
            self.sample()

    def sample(self):
        self.peak = {k: max(v, now) for (k, v), now in
                     zip(self.peak.items(), memory_mb().values())}


def run_with_memory(fn):
    """Call ``fn()``, timed, sampling the memory meanwhile: ``(result, seconds,
    memory before, peak memory)``, the memories as :func:`memory_mb` gives them."""
    before = memory_mb()
    sampler = PeakSampler()
    sampler.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    sampler.sample()
    return result, seconds, before, sampler.peak


def stop_epoch(losses, kind, tol, n_iter_no_change=10):
    """The epoch (1-based) at which the stopping rule stops on the loss curve
    ``losses``, or len(losses) if it never does: "stop once the loss has not
    improved on its best by more than tol x |best| (``kind="relative"``, as
    skae's rule) or tol (``"absolute"``, as scikit-learn's MLP) for
    ``n_iter_no_change`` epochs in a row"."""
    best, count = float("inf"), 0
    for epoch, loss in enumerate(losses, 1):
        margin = tol * abs(best) if kind == "relative" else tol
        count = count + 1 if not loss < best - margin else 0
        best = min(best, loss)
        if count >= n_iter_no_change:
            return epoch
    return len(losses)


def call_times(fn, repeats, warmup=1):
    """Seconds of each of ``repeats`` calls of ``fn()``, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def interleaved_call_times(fns, repeats, block=20, warmup=20):
    """Seconds of each of ``repeats`` calls of each ``fns[name]()``, taken in
    rounds of ``block`` calls of each function in turn, after ``warmup``
    calls of each: a host whose speed drifts during the run (shared or
    throttled CPUs) slows every contender alike, so their ratios hold."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    for _ in range(-(-repeats // block)):
        for name, fn in fns.items():
            for _ in range(block):
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: t[:repeats] for name, t in times.items()}
