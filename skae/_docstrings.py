"""Parameter and attribute descriptions shared by the autoencoder docstrings.

A docstring writes ``%(name)s`` where a shared block belongs; ``fill_doc``
substitutes it once, at import.
"""

_BLOCKS = {
    "layers_params": """\
encoder : torch.nn.Module or None, default=None
        Your own encoder, used instead of the built-in architecture (which
        the architecture parameters describe; they are then ignored). It
        maps float32 rows ``(n, n_features)`` (flat, as X; begin with
        ``nn.Unflatten`` for images) to codes ``(n, n_components)``; a
        variational autoencoder adds its Gaussian head on top, so its
        encoder may end at any width. A copy trains, starting from the
        module's current weights (``random_state`` does not redraw them);
        the module given is never trained.
    decoder : torch.nn.Module or None, default=None
        Your own decoder, given with ``encoder``: it maps codes
        ``(n, n_components)`` to rows ``(n, n_features)``, with no output
        activation (skae applies the loss's: a sigmoid for
        ``"binary_crossentropy"``). A conditional model appends the one-hot
        class to the input of both. Both are checked on a batch of zeros
        when ``fit`` starts.
    activation : {"relu", "leaky_relu", "elu", "gelu", "selu", "tanh", "sigmoid", \
"identity"} or torch.nn.Module, default="relu"
        Nonlinearity of the hidden layers: a name, or a module that each
        layer gets a copy of, e.g. ``nn.LeakyReLU(0.1)`` for another slope
        than ``"leaky_relu"``'s 0.01.
    dropout : float in [0, 1), default=0.0
        Dropout probability after each hidden layer (training only).
    batch_norm : bool, default=False
        Batch normalisation after each hidden layer.
    weight_init : {"he_normal", "he_uniform", "glorot_normal", \
"glorot_uniform"} or None, default=None
        How the weights of the built-in linear and convolution layers are
        drawn, by Keras' names (He's for ReLU layers, Glorot's for tanh and
        sigmoid ones), with zero biases as Keras sets them; None keeps
        torch's default (weights and biases uniform in +-1/sqrt(fan_in)).
        Your own ``encoder`` and ``decoder`` keep their weights.""",
    "conv_channels_params": """\
channels : tuple of int or of tuples of int, default=(32, 64)
        Output channels of the encoder's convolution stages. A stage given
        as a tuple has several convolutions, e.g. ``((32, 32), (64, 64))``
        for two of each (as VGG-style blocks): the first downsamples (its
        ``stride``, or the pooling after the stage), the others keep the
        size (stride 1, ``kernel_size // 2`` padding).
    decoder_channels : tuple of int or of tuples of int, or None, default=None
        Channels of the decoder's stages, one per encoder stage from the code
        side: each stage's convolutions (a tuple of widths), then a
        transposed convolution to the next stage's first width (the image's
        channels at the last). ``channels=(32, 64), decoder_channels=(32,
        16)`` decodes through 32 then 16 channels. None mirrors the encoder
        (``channels=((32, 32), (64, 128))`` gives ``((128, 64), (32, 32))``).""",
    "density_params": """\
latent_density : {"full", "diag", "mixture"}, default="full"
        Density fitted to the training codes, from which :meth:`sample`
        draws: a Gaussian with full or diagonal (per-dimension) covariance,
        or a mixture of ``n_mixture_components`` full-covariance Gaussians.
    n_mixture_components : int, default=10
        Number of components of ``latent_density="mixture"``.""",
    "objective_params": """\
loss : {"squared_error", "binary_crossentropy"}, default="squared_error"
        Reconstruction loss. ``"binary_crossentropy"`` puts a sigmoid on the
        output and needs X in [0, 1].
    output_activation : {"relu", "leaky_relu", "elu", "gelu", "selu", "tanh", \
"sigmoid", "identity"} or None, default=None
        Activation on the decoder's output, chosen apart from the loss (e.g.
        ``"sigmoid"`` with ``"squared_error"`` for pixels in [0, 1]). None:
        the loss's own, ``"identity"`` for squared error and ``"sigmoid"`` for
        binary cross-entropy (which takes no other).
    noise : {"gaussian", "masking", "missing", "salt_and_pepper"}, callable \
or None, default=%(noise)s
        Corruption of the inputs during training (denoising); the target is
        always the clean input, and nothing is corrupted outside ``fit``.
        ``"missing"`` hides entries as missing values are (filled with the
        column means on the way into the encoder): training to fill gaps. A
        callable is your own corruption: called with each training batch (a
        float tensor of rows, as the encoder takes them, on ``device``), it
        returns the corrupted batch, of the same shape. Its random draws come
        from torch's default generator, which ``fit`` seeds from
        ``random_state`` and restores afterwards. A ``torch.nn.Module`` is
        copied per fit, as ``encoder`` is.
    noise_level : float, default=%(noise_level)s
        Standard deviation of the Gaussian noise, or the fraction of inputs
        zeroed (masking), hidden (missing) or set to the minimum or maximum of
        the training data (salt and pepper); these three need a value in
        [0, 1]. Not used with a callable ``noise``.
    sparsity : {"l1", "kl"} or None, default=%(sparsity)s
        Sparsity penalty on the codes: ``"l1"`` adds the mean L1 norm of the
        codes; ``"kl"`` puts a sigmoid on the codes and adds the KL divergence
        between ``sparsity_target`` and each unit's mean activation.
    sparsity_weight : float, default=%(sparsity_weight)s
        Weight of the sparsity penalty in the objective.
    sparsity_target : float in (0, 1), default=0.05
        Target mean activation of ``sparsity="kl"``.
    contractive_weight : float, default=0.0
        Weight of the contractive penalty (Rifai et al., 2011): the squared
        Frobenius norm of the encoder's Jacobian at each training row,
        averaged over the batch, so that codes change little when the input
        moves off the data. Logged as the ``"contractive"`` term of
        ``loss_terms_curve_``. Computed exactly, one extra backward pass
        through the encoder per code unit: training takes several times as
        long. 0 adds nothing.
    penalty : callable or None, default=None
        Your own term of the training objective, added to the loss: called
        as ``penalty(x, codes, module)`` with the clean batch, its codes and
        the torch module (whose ``encode`` and ``decode`` it may call), it
        returns a scalar tensor, weight included. Computed on validation
        batches too; logged as the ``"penalty"`` term of
        ``loss_terms_curve_``. Random draws as for a callable ``noise``.
    code_activation : {"relu", "leaky_relu", "elu", "gelu", "selu", "tanh", \
"sigmoid", "identity"} or None, default=None
        Activation on the code (the encoder's output). None: ``"identity"``
        (a linear code), or ``"sigmoid"`` with ``sparsity="kl"`` (which takes
        no other).""",
    "vae_objective_params": """\
loss : {"squared_error", "binary_crossentropy"}, default=%(loss)s
        Likelihood of the decoder. ``"binary_crossentropy"`` is a Bernoulli
        likelihood for data in [0, 1] (pixel intensities); its mean is a
        sigmoid. ``"squared_error"`` is a Gaussian likelihood for real-valued
        data, with one learned standard deviation shared by all features.
    output_activation : {"relu", "leaky_relu", "elu", "gelu", "selu", "tanh", \
"sigmoid", "identity"} or None, default=None
        Activation that gives the likelihood's mean from the decoder's
        output: e.g. ``"sigmoid"`` keeps a Gaussian's mean in (0, 1) for
        pixels. None: the loss's own, ``"identity"`` for the Gaussian and
        ``"sigmoid"`` for the Bernoulli (which takes no other).
    likelihood_scale : "learned" or float, default="learned"
        Standard deviation of the Gaussian likelihood of
        ``loss="squared_error"``: one scale for all features, learned with
        the networks (starting at the data's spread), or fixed at this value.
        A fixed scale ``s`` makes the reconstruction term the sum of squared
        errors over ``2 s**2`` plus a constant: ``s=0.5**0.5`` gives the
        "sum of squared errors + KL" objective many courses use (in nats,
        plus ``0.5 * log(pi)`` per feature). Only with ``"squared_error"``.
    beta : float, default=1.0
        Weight of the KL term in the objective (the beta-VAE); 1 trains on
        the evidence lower bound (ELBO), larger values trade reconstruction
        for codes closer to the prior.
    kl_warmup : int, default=0
        Number of epochs over which the KL weight rises linearly to
        ``beta`` (``beta * e / kl_warmup`` at epoch ``e``); 0 starts at
        ``beta``. A warm-up keeps a decoder from ignoring its codes early in
        training.""",
    "vae_methods_note": """\
:meth:`transform` gives the posterior mean (``sample_posterior=True``
    draws codes from the posterior instead), :meth:`inverse_transform` the
    likelihood's mean of codes, :meth:`score_samples` the evidence lower
    bound (ELBO) of each sample in nats, :meth:`log_likelihood` the tighter
    importance-sampled (IWAE) estimate of log p(x), and :meth:`sample`
    decodes codes drawn from the standard normal prior.""",
    "training_params": """\
optimizer : {"sgd", "adam", "adamw", "adamax", "nadam", "rmsprop", "adagrad", \
"adadelta"} or torch.optim.Optimizer subclass, default="adam"
        Optimizer, by name or as a class.
    learning_rate_init : float, default=%(learning_rate_init)s
        Initial step size.
    learning_rate : {"constant", "plateau", "cosine"}, default=%(learning_rate)s
        Step-size schedule, applied once per epoch. ``"plateau"`` divides the
        step size by 5 when the monitored loss (validation loss with early
        stopping, training loss otherwise) has not improved by ``tol`` for 2
        epochs (relative, as for stopping); ``"cosine"`` anneals it to 0 over
        the ``max_iter`` epochs of each ``fit`` (a warm start anneals anew
        from ``learning_rate_init``), while ``partial_fit`` holds it at
        ``learning_rate_init``, as the number of calls to come is unknown.
    momentum : float in [0, 1], default=0.9
        Momentum of ``optimizer="sgd"``.
    nesterovs_momentum : bool, default=True
        Nesterov momentum for ``optimizer="sgd"`` (when ``momentum > 0``).
    weight_decay : float, default=0.0
        L2 penalty, passed as the optimizer's ``weight_decay`` (decoupled
        weight decay for ``"adamw"``).
    weight_l1 : float, default=0.0
        L1 penalty on the weights: ``weight_l1`` times the sum of the
        absolute values of the weights of every linear and convolution layer
        (not their biases) is added to the objective, and logged as the
        ``weight_l1`` term; the validation loss includes it too, so that the
        training and validation curves compare.
    optimizer_params : dict or None, default=None
        Further keyword arguments of the optimizer, e.g.
        ``{"betas": (0.9, 0.99), "eps": 1e-7}`` for Adam or ``{"rho": 0.95}``
        for Adadelta. The step size, ``weight_decay`` and SGD's momentum have
        their own parameters; a name the optimizer does not take is a
        ValueError. skae asks for torch's fused implementation (one kernel
        for all the parameters; Adam, AdamW, SGD and Adagrad, on the CPU
        from torch 2.4) where the optimizer and device have one, unless
        these name an implementation (``fused``, ``foreach``,
        ``differentiable``, ``capturable``): ``{"fused": False}`` gives
        torch's default.
    batch_size : int, default=%(batch_size)s
        Mini-batch size (the whole data when it has fewer samples). Smaller
        batches take more steps per epoch, larger ones train faster per
        epoch; a larger batch usually wants a larger ``learning_rate_init``.
    max_iter : int, default=%(max_iter)s
        Most epochs (passes over the training data); training stops earlier
        when its loss has converged (see ``tol``).
    shuffle : bool, default=True
        Shuffle the training data at each epoch.
    early_stopping : bool, default=%(early_stopping)s
        Hold out ``validation_fraction`` of the training data, stop when the
        validation loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs, and restore the weights of the best epoch. Without it, no
        data is held out and training stops when the training loss has not
        improved by ``tol`` for ``n_iter_no_change`` epochs, keeping the last
        epoch's weights, as scikit-learn's MLP does.
    validation_fraction : float in (0, 1), default=0.1
        Fraction of the training data held out for early stopping.
    n_iter_no_change : int, default=%(n_iter_no_change)s
        Epochs in a row without improvement before training stops.
    tol : float or None, default=%(tol)s
        Smallest relative decrease of the monitored loss (the validation loss
        with early stopping, else the training loss) counted as an
        improvement: an epoch improves when its loss is below
        ``best - tol * |best - floor|``, so the rule does not depend on the
        scale of the data. ``floor`` is the least loss the monitored data
        allow: 0, except binary cross-entropy on grey values (neither 0 nor
        1), which cannot fall below their entropy. ``tol=0`` counts any
        decrease. ``None``, as in ``SGDRegressor``, trains all ``max_iter``
        epochs with no stopping rule and no ConvergenceWarning (a fixed
        budget; with ``early_stopping=True`` the weights of the best
        validation epoch are still restored).
    warm_start : bool, default=False
        When fitted already, continue training the same network, with the
        same optimizer state, for ``max_iter`` more epochs instead of
        starting anew. The architecture and training settings are those of
        the first fit; changing ``early_stopping`` in between is an error.
        The ``"cosine"`` schedule anneals anew over each continuation.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (instances or ``(name, callback)`` pairs); they
        are copied, never modified.
    random_state : int, RandomState instance or None, default=None
        Seed of the weights, the shuffling, dropout, noise and the
        validation split. The same int gives the same model on CPU. Torch's
        global random state is left as it was.
    verbose : int, default=0
        0 is silent; 1 prints one line per epoch (losses and duration;
        coloured only on a terminal, plain text in pipes and log files) and a
        closing line (epochs run, why training stopped, time, last losses);
        2 shows instead a bar over the epochs with the last losses where a
        bar can be seen (standard error a terminal, or Jupyter), and the
        lines of 1 elsewhere; 3 adds a bar over each epoch's batches.
    device : str or torch.device, default="cpu"
        Where to train and infer, e.g. ``"cuda"``. A device that is not
        present is an error.""",
    "fitted_attributes": """\
net_ : skorch.NeuralNet
        The trained skorch net; ``net_.history`` holds every epoch's losses,
        each loss term included (``train_reconstruction``, ...).
    module_ : torch.nn.Module
        The trained torch module, with ``encode`` and ``decode``.
    n_iter_ : int
        Number of epochs trained (over all warm starts).
    loss_curve_ : list of float
        Training loss (the objective) at each epoch.
    loss_terms_curve_ : dict of str to list of float
        Each loss term of the objective at each epoch (e.g.
        ``"reconstruction"``, ``"sparsity"``, ``"kl"``).
    validation_loss_curve_ : list of float or None
        Validation loss at each epoch (on ``X_val``, or on the
        ``validation_fraction`` held out for early stopping); None without
        validation data (NaN for epochs of a warm start that had none).
    validation_loss_terms_curve_ : dict of str to list of float or None
        Each loss term on the validation data at each epoch; None without
        validation data.
    best_epoch_ : int or None
        Epoch (1-based) whose weights early stopping restored; None without
        early stopping.
    explained_variance_ratio_ : float
        Share of the training data's variance that the reconstructions
        explain: one minus their summed squared error over the summed
        squared deviations of X's columns from their means (of the last
        block, after ``partial_fit``). For PCA this is
        ``explained_variance_ratio_.sum()``, so the two compare at the same
        width; :func:`skae.metrics.explained_variance_scorer` measures it on
        held-out data.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.""",
    "table_params": """\
categorical_features : "from_dtype", array-like of str, int or bool, or None, \
default="from_dtype"
        Which columns of X are categorical, as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`:
        ``"from_dtype"`` takes a DataFrame's category, string, object and
        bool columns (none of an array's); or column names, indices, or a
        boolean mask; None takes none. A table with categorical columns is
        encoded by a layout fitted on the training rows
        (``column_layout_``): numeric columns standardised, each
        categorical column one-hot over the levels seen in training (a
        category column's declared categories), a missing entry (NaN, None)
        left out of the loss. The loss is then the squared error on the
        numeric columns and a cross-entropy over each categorical column's
        levels, each column counting once; :meth:`inverse_transform` and
        :meth:`sample` give a DataFrame with the training columns, dtypes
        and categories (the most likely level of each categorical column).
        X without categorical columns is standardised or not as ``scale``
        says.
    handle_unknown : {"error", "ignore"}, default="error"
        A level not seen in training, after ``fit``: ``"error"`` raises a
        ValueError naming it; ``"ignore"`` encodes it as no level at all
        (all its one-hot columns 0, as
        :class:`~sklearn.preprocessing.OneHotEncoder` does), which the
        encoder reads as it is and the reconstruction error counts as a
        column with nothing to match.
    scale : "auto" or bool, default="auto"
        Whether the network standardises the columns of X (numbers only;
        a table with categorical columns is always standardised by its
        layout), so that no ``StandardScaler`` is needed first: by the
        means and standard deviations of the training rows (``mean_``,
        ``scale_``; those of the first block for :meth:`partial_fit`), the
        loss and :meth:`score` then counting each column's squared error in
        its own standard deviations, and :meth:`inverse_transform` and
        :meth:`sample` giving X's units back. ``"auto"`` standardises when
        the loss is ``"squared_error"`` with no ``output_activation`` and
        some training value lies outside [0, 1]: a table, not pixels in
        [0, 1]. True always standardises, False takes X as it is.
        ``noise`` applies to the standardised columns.""",
    "table_attributes": """\
column_layout_ : ColumnLayout or None
        How the table X's columns became the network's: its ``names``,
        ``categorical`` flags, ``categories``, ``means`` and ``scales`` (of
        the numeric columns); None when X had no categorical column.
    mean_ : ndarray of shape (`n_features_in_`,) or None
        The training rows' column means the network standardised X by
        (``scale``); None when it took X as it is.
    scale_ : ndarray of shape (`n_features_in_`,) or None
        The columns' standard deviations it divided by (1 for a constant
        column); None when it took X as it is.
    column_loss_curve_ : dict of str to list of float or None
        For a table with categorical columns, each column's loss at each
        epoch on the training rows, by column name: the mean over the rows
        where it is observed of its squared error in standard deviations
        (numeric) or cross-entropy over its levels in nats (categorical;
        a VAE's: each column's negative log-likelihood in nats). On rows
        without gaps their mean is the ``"reconstruction"`` term of
        ``loss_terms_curve_`` (a VAE's: their sum). None without
        categorical columns.
    validation_column_loss_curve_ : dict of str to list of float or None
        The same on the validation data; None without validation data or
        categorical columns.""",
    "density_attributes": """\
latent_density_ : object
        The density fitted to the training codes, used by :meth:`sample`.""",
}

_AUTOENCODER_DEFAULTS = {
    "noise": "None", "noise_level": "0.1", "sparsity": "None",
    "sparsity_weight": "1e-3", "max_iter": "200", "loss": '"squared_error"', "tol": "1e-4",
    "batch_size": "64", "learning_rate_init": "1e-3", "learning_rate": '"constant"',
    "early_stopping": "False", "n_iter_no_change": "10",
}

# The training defaults of the deterministic autoencoders (dense, denoising,
# sparse, convolutional), chosen by benchmarks/bench_targets.py: converged
# (no ConvergenceWarning) in 0.40 to 0.58 of the old defaults' time.
FAST_TRAINING = {"batch_size": "128", "learning_rate_init": "3e-3",
                 "learning_rate": '"cosine"', "max_iter": "150"}

# The training defaults of the variational autoencoders, chosen by
# benchmarks/bench_vae_defaults.py: stopped by their held-out ELBO, converged
# (no ConvergenceWarning) where the old defaults ran out of epochs on 6 of 9
# fits, at a held-out ELBO within 3% of theirs.
VAE_TRAINING = {"early_stopping": "True", "n_iter_no_change": "20", "max_iter": "500"}


def fill_doc(**defaults):
    """Class decorator substituting the shared blocks into ``__doc__``."""
    values = {**_AUTOENCODER_DEFAULTS, **defaults}

    def decorate(cls):
        blocks = {name: text % values for name, text in _BLOCKS.items()}
        cls.__doc__ = cls.__doc__ % blocks
        return cls

    return decorate
