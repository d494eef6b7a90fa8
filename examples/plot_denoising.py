"""
=========================
Denoising, with PSNR
=========================

A :class:`~skae.DenoisingAutoencoder` is trained to reconstruct clean inputs
from corrupted ones, so ``inverse_transform(transform(X))`` cleans new noisy
images. :class:`~skae.Reconstructor` wraps that round trip as a transformer,
so that a Pipeline can denoise and then classify. The quality is measured by
the peak signal-to-noise ratio (:func:`~skae.metrics.peak_signal_noise_ratio`,
in dB, higher is better) against the clean images.

Each autoencoder here is trained on the kind of noise it has to remove: the
training noise must match. The default ``DenoisingAutoencoder()`` (masking 20%
of the entries) barely improves Gaussian-noisy digits (11.29 against 10.45 dB,
where training on Gaussian noise reaches 16.93; ``benchmarks/bench_denoising.py``).

Runs offline on scikit-learn's digits in well under a minute; the gallery's introduction
says how to switch to MNIST or Fashion-MNIST.
"""

# %%
import os

import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skae import DenoisingAutoencoder, Reconstructor
from skae.datasets import add_noise, load_images
from skae.metrics import peak_signal_noise_ratio
from skae.plotting import SampleGridDisplay

MAX_ITER = int(os.environ.get("SKAE_EXAMPLE_MAX_ITER", 150))
data = load_images(os.environ.get("SKAE_EXAMPLE_DATASET", "digits"),
                   data_home=os.environ.get("SKAE_DATA_HOME"),
                   n_samples=int(os.environ.get("SKAE_EXAMPLE_N_SAMPLES", 10000)))
X_train, X_test, y_train, y_test = train_test_split(data.data, data.target,
                                                    test_size=0.3, random_state=0)

# %%
# Corrupt the test images three ways with :func:`skae.datasets.add_noise`,
# which applies the same corruption the denoising autoencoder trains with.
noises = {"gaussian": 0.3, "masking": 0.4, "salt_and_pepper": 0.2}
noisy = {name: add_noise(X_test, name, level, random_state=0)
         for name, level in noises.items()}

# %%
# One denoising autoencoder per kind of noise, trained on the clean training
# images (the corruption is drawn afresh every epoch). PSNR before and after.
denoised = {}
for name, level in noises.items():
    dae = DenoisingAutoencoder(n_components=32, hidden_layer_sizes=(256,), noise=name,
                               noise_level=level, max_iter=MAX_ITER, random_state=0)
    dae.fit(X_train)
    denoised[name] = dae.inverse_transform(dae.transform(noisy[name]))
    print(f"{name:>15}: PSNR noisy {peak_signal_noise_ratio(X_test, noisy[name]):5.1f} dB, "
          f"denoised {peak_signal_noise_ratio(X_test, denoised[name]):5.1f} dB")

# %%
# Clean, noisy and denoised images, one pair of rows per kind of noise.
n = 8
rows = [X_test[:n]]
for name in noises:
    rows += [noisy[name][:n].clip(0, 1), denoised[name][:n]]
display = SampleGridDisplay([image for row in rows for image in row], data.image_shape,
                            n_cols=n).plot(value_range=(0, 1))
labels = ["clean"] + [f"{name} {kind}" for name in noises for kind in ("noisy", "denoised")]
side = data.image_shape[1]
display.ax_.set_yticks([(side + 1) * r + (side - 1) / 2 for r in range(len(labels))],
                       labels)
display.figure_.set_size_inches(7, 6)
display.figure_.tight_layout()

# %%
# Denoise, then classify: a classifier trained on clean images loses accuracy
# on noisy ones; a Reconstructor in front of it wins some of it back.
classifier = LogisticRegression(max_iter=2000).fit(X_train, y_train)
pipeline = make_pipeline(
    Reconstructor(DenoisingAutoencoder(n_components=32, hidden_layer_sizes=(256,),
                                       noise="gaussian", noise_level=0.3,
                                       max_iter=MAX_ITER, random_state=0)),
    LogisticRegression(max_iter=2000)).fit(X_train, y_train)
print(f"clean test accuracy {classifier.score(X_test, y_test):.3f}; gaussian noise: "
      f"{classifier.score(noisy['gaussian'], y_test):.3f} without denoising, "
      f"{pipeline.score(noisy['gaussian'], y_test):.3f} with")
plt.show()
