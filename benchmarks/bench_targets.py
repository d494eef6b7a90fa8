"""Targets of the default fit: what ``Autoencoder(n_components=k)``, every other
parameter at its default, costs and gives against the old default, PCA and
scikit-learn's ``MLPRegressor`` used as an autoencoder.

Per data set and seed, 25% of the rows are held out (tables standardised on the
training rows, images in [0, 1]); each model is fitted on the rest and timed
(wall clock of ``fit``), and scored by its held-out mean squared error. The
targets, checked per seed:

- (a) the default fit ends converged: no ConvergenceWarning (the estimator's
  own check that the loss no longer improved by ``tol`` within the last
  ``n_iter_no_change`` epochs, whether the rule stopped it or ``max_iter``
  did, as a cosine schedule that annealed the step to 0 may);
- (b) its held-out error is at most PCA's of the same width;
- (c) it takes at most a third of the old default's time (batch 64,
  ``learning_rate_init=1e-3``, ``max_iter=200``, relative ``tol=2e-3``,
  constant step, no early stopping) at a held-out error at most 2% above the
  old default's;
- (d) it beats ``MLPRegressor(hidden_layer_sizes=(128, 64, k, 64, 128))``
  (scikit-learn's defaults otherwise, ReLU on the code layer too) on held-out
  error, in less time.

``--estimator`` picks another family (``ConvAutoencoder``,
``DenoisingAutoencoder``, ...; its name joins the file names).
``--params '{"batch_size": 256}'`` fits a candidate in place of the default
(the default's parameters overridden by these). Results go to
``targets[_<estimator>][_<tag>].json`` / ``.md`` (``--tag``, by default
``candidate`` with ``--params``), with a plot of each seed's time and error
(``.png``; ``--replot`` redraws it from the ``.json`` of the same options).

    python benchmarks/bench_targets.py --seeds 3
    python benchmarks/bench_targets.py --datasets mnist fashion-mnist --data-home ../shared/data
"""

import argparse
import json
import statistics
import time
import warnings

import numpy as np
from _data import code_width, held_out_split, load_reconstruction_data
from _harness import RESULTS, describe, metadata, write_results
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

import skae
from skae import Autoencoder

OLD_DEFAULT = {"batch_size": 64, "learning_rate_init": 1e-3, "max_iter": 200, "tol": 2e-3,
               "n_iter_no_change": 10, "learning_rate": "constant", "early_stopping": False}
DATASETS = ["digits", "breast-cancer", "wine", "diabetes", "table-2000", "table-20000"]


def timed_fit(model, X_train, X_test):
    """``(seconds, held-out MSE, ConvergenceWarnings, epochs)`` of one fit."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        if isinstance(model, MLPRegressor):  # learns X -> X
            model.fit(X_train, X_train)
        else:
            model.fit(X_train)
        seconds = time.perf_counter() - start
    if isinstance(model, MLPRegressor):
        restored = model.predict(X_test)
    else:
        restored = model.inverse_transform(model.transform(X_test))
    error = float(np.mean((restored - X_test) ** 2))
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return {"seconds": seconds, "error": error, "convergence_warnings": n_warnings,
            "epochs": getattr(model, "n_iter_", None)}


def one_seed(X, is_table, k, seed, params, estimator=Autoencoder):
    """The four models' fits on one split; ``estimator`` is the family whose
    default and old default are fitted."""
    X_train, X_test = held_out_split(X, is_table, seed)
    models = {
        "default": estimator(n_components=k, random_state=seed, **params),
        "old default": estimator(n_components=k, random_state=seed, **OLD_DEFAULT),
        "pca": PCA(k),
        "mlp": MLPRegressor(hidden_layer_sizes=(128, 64, k, 64, 128), random_state=seed),
    }
    fits = {}
    for name, model in models.items():
        fits[name] = timed_fit(model, X_train, X_test)
    new, old, pca, mlp = (fits[n] for n in ("default", "old default", "pca", "mlp"))
    fits["targets"] = {
        "a_converged": new["convergence_warnings"] == 0,
        "b_pca": new["error"] <= pca["error"],
        "c_third": (new["seconds"] <= old["seconds"] / 3
                    and new["error"] <= 1.02 * old["error"]),
        "d_mlp": new["error"] < mlp["error"] and new["seconds"] < mlp["seconds"],
    }
    return fits


CONTENDERS = {"default": ("default", "C0", "o"), "old default": ("old default", "C1", "s"),
              "mlp": ("MLPRegressor", "C2", "^")}


def plot(rows, path, title):
    """One panel per data set: each seed's fit time against its held-out error
    over PCA's, for the default, the old default and MLPRegressor (means
    large, seeds small), both axes logarithmic; PCA is the line at 1, and the
    shaded corner is where target (c) lies (a third of the old default's mean
    time, at most 2% above its mean error)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    n_cols = min(3, len(rows))
    n_rows = -(-len(rows) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4.0 * n_cols, 3.3 * n_rows),
                             squeeze=False)
    for ax, r in zip(axes.flat, rows):
        pca = r["pca_error"]
        seconds = [s[k]["seconds"] for s in r["seeds"] for k in CONTENDERS]
        errors = [s[k]["error"] / pca for s in r["seeds"] for k in CONTENDERS]
        low, high = min(errors) / 1.5, max(1.3, max(errors) * 1.3)
        ax.fill_between([min(seconds) / 3, r["old default_seconds"] / 3], low,
                        1.02 * r["old default_error"] / pca, color="C0", alpha=0.08, lw=0)
        for key, (label, colour, marker) in CONTENDERS.items():
            ax.scatter([s[key]["seconds"] for s in r["seeds"]],
                       [s[key]["error"] / pca for s in r["seeds"]], s=14, color=colour,
                       marker=marker, alpha=0.5, lw=0)
            ax.scatter(r[f"{key}_seconds"], r[f"{key}_error"] / pca, s=70, color=colour,
                       marker=marker, label=label, edgecolor="k", lw=0.6)
        ax.axhline(1.0, color="k", lw=0.8, ls="--", label="PCA")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(min(seconds) / 2, max(seconds) * 1.5)
        ax.set_ylim(low, high)
        narrow = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)  # more ticks where a span is short
        for axis, span in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, (low, high))):
            subs = narrow if span[1] / span[0] < 4 else (1.0, 2.0, 5.0)
            axis.set_major_locator(LogLocator(subs=subs))
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{r['dataset']} ({r['n_rows']} x {r['n_features']}, "
                     f"k={r['n_components']})", fontsize=10)
        ax.set_xlabel("fit time (s)")
        ax.set_ylabel("held-out error / PCA's")
    for ax in axes.flat[len(rows):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--image-rows", type=int, default=10000)
    parser.add_argument("--params", type=json.loads, default={},
                        help="a candidate's parameters, as JSON, in place of the defaults")
    parser.add_argument("--tag", default=None,
                        help="suffix of the result files (default: 'candidate' with "
                             "--params, none without)")
    parser.add_argument("--estimator", default="Autoencoder",
                        help="the family: Autoencoder, DenoisingAutoencoder, "
                             "SparseAutoencoder, VariationalAutoencoder, ConvAutoencoder, ...")
    parser.add_argument("--replot", action="store_true",
                        help="redraw the plot from the result file of these options, "
                             "fitting nothing")
    args = parser.parse_args()
    estimator = getattr(skae, args.estimator)
    result = "targets" + ("" if args.estimator == "Autoencoder" else f"_{args.estimator}")
    tag = args.tag or ("candidate" if args.params else None)
    result = f"{result}_{tag}" if tag else result
    title = (f"{args.estimator} {json.dumps(args.params) if args.params else 'default'} "
             "against the old default, MLPRegressor and PCA (bench_targets.py)")
    if args.replot:
        plot(json.loads((RESULTS / f"{result}.json").read_text())["rows"],
             RESULTS / f"{result}.png", title)
        return

    # one small fit first, so that no timed fit pays torch's first-call costs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Autoencoder(n_components=2, max_iter=2).fit(np.random.default_rng(0).random((64, 8)))
    rows = []
    for name in args.datasets:
        X, is_table = load_reconstruction_data(name, args.data_home, args.image_rows)
        k = code_width(name)
        seeds = []
        for seed in range(args.seeds):
            seeds.append(one_seed(X, is_table, k, seed, args.params, estimator))
            fits = seeds[-1]
            print(f"{name} seed {seed}: " + ", ".join(
                f"{m} {f['seconds']:.2f} s {f['error']:.4g}"
                + (f" ({f['epochs']} epochs, {f['convergence_warnings']} warnings)"
                   if f["epochs"] is not None else "")
                for m, f in fits.items() if m != "targets"), flush=True)

        def mean(model, key):
            return statistics.fmean(s[model][key] for s in seeds)
        rows.append({
            "dataset": name, "n_rows": len(X), "n_features": X.shape[1], "n_components": k,
            **{f"{m}_{key}": mean(m, key)
               for m in ("default", "old default", "pca", "mlp")
               for key in ("seconds", "error")},
            "default_epochs": mean("default", "epochs"),
            "old_default_epochs": mean("old default", "epochs"),
            "default_warnings": sum(s["default"]["convergence_warnings"] for s in seeds),
            "old_default_warnings": sum(s["old default"]["convergence_warnings"]
                                        for s in seeds),
            **{t: sum(s["targets"][t] for s in seeds) for t in seeds[0]["targets"]},
            "seeds": seeds,
        })

    which = (f"the candidate {json.dumps(args.params)}" if args.params
             else "the default fit")
    which += f" of {args.estimator}"
    meta = metadata(seeds=args.seeds, params=args.params, old_default=OLD_DEFAULT,
                    estimator=args.estimator)
    n = args.seeds
    lines = [f"Targets of {which} ({describe(meta)}); means over {n} seeds, 25% of the "
             "rows held out. Written by benchmarks/bench_targets.py.", "",
             "Errors are held-out MSE; 'x old' is the default's over the old default's "
             "(time, error); warnings are ConvergenceWarnings over all seeds. Targets, "
             "seeds met of n: (a) no ConvergenceWarning; (b) error <= PCA's; (c) <= 1/3 "
             "the old default's time at <= 1.02x its error; (d) better error than "
             "MLPRegressor in less time.", "",
             "| data | rows x features, k | default: s, epochs, error, warnings "
             "| old default: s, "
             "epochs, error, warnings | x old (time, error) | PCA error | MLPRegressor: "
             "s, error | (a) | (b) | (c) | (d) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(
            f"| {r['dataset']} | {r['n_rows']} x {r['n_features']}, {r['n_components']} "
            f"| {r['default_seconds']:.2f}, {r['default_epochs']:.0f}, "
            f"{r['default_error']:.4g}, {r['default_warnings']} "
            f"| {r['old default_seconds']:.2f}, {r['old_default_epochs']:.0f}, "
            f"{r['old default_error']:.4g}, {r['old_default_warnings']} "
            f"| {r['default_seconds'] / r['old default_seconds']:.2f}, "
            f"{r['default_error'] / r['old default_error']:.3f} "
            f"| {r['pca_error']:.4g} | {r['mlp_seconds']:.2f}, {r['mlp_error']:.4g} "
            f"| {r['a_converged']}/{n} | {r['b_pca']}/{n} | {r['c_third']}/{n} "
            f"| {r['d_mlp']}/{n} |")
    write_results(result, meta, rows, lines)
    plot(rows, RESULTS / f"{result}.png", title)


if __name__ == "__main__":
    main()
