"""ONNX export of skae estimators through skl2onnx.

Importing this module registers a converter with skl2onnx for every skae
estimator that has one, so that ``skl2onnx.to_onnx`` converts a Pipeline
holding skae steps as a whole::

    import skae.onnx  # registers the converters
    from skl2onnx import to_onnx

    onx = to_onnx(pipeline, X[:1])

What each estimator becomes in the graph:

- the autoencoders (:class:`~skae.Autoencoder`, its denoising and sparse
  variants, :class:`~skae.ConvAutoencoder`, :class:`~skae.VariationalAutoencoder`
  and :class:`~skae.ConvVariationalAutoencoder`): ``transform``, the codes (a
  variational autoencoder's posterior means);
- :class:`~skae.Reconstructor`: its ``transform``, the reconstructions;
- :class:`~skae.AutoencoderImputer`: its ``transform``, missing entries (NaN,
  or ``missing_values``) imputed, with the indicator's columns after them;
- :class:`~skae.AutoencoderClassifier`: ``predict`` and ``predict_proba``,
  as scikit-learn's classifiers convert (``label`` and ``probabilities``,
  with skl2onnx's ``zipmap`` option);
- :class:`~skae.AutoencoderOutlierDetector` over a deterministic skae
  autoencoder: ``predict`` and ``decision_function`` (``label`` and
  ``scores``), as scikit-learn's outlier detectors convert;
- :class:`~skae.DeepEmbeddedClustering`: ``predict`` and ``transform`` (``label``
  and ``scores``, the codes), as scikit-learn's ``KMeans`` converts (its
  scores are its ``transform``).

The trained network is exported by ``torch.onnx`` (its exporter from
``torch.export``, which needs onnxscript) and its graph put inside the
pipeline's. What cannot convert raises a ``TypeError`` that names it: the
conditional VAE (its codes depend on a class the graph does not have), an
outlier detector over a variational or a non-skae autoencoder, and your own
``encoder``/``decoder`` when ``torch.onnx`` cannot export them. Install the
requirements with ``pip install "skae[onnx]"``.
"""

import contextlib
import copy
import io
import logging
import warnings

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import Autoencoder, DenoisingAutoencoder, SparseAutoencoder
from ._base import BaseAutoencoder
from ._classifier import AutoencoderClassifier
from ._clustering import DeepEmbeddedClustering
from ._conv import ConvAutoencoder
from ._cvae import ConditionalVariationalAutoencoder
from ._impute import AutoencoderImputer, is_nan
from ._losses import observed_error
from ._outlier import AutoencoderOutlierDetector, Reconstructor
from ._vae import BaseVariationalAutoencoder, ConvVariationalAutoencoder, VariationalAutoencoder
from ._validation import import_optional
from ._wrappers import unfrozen

import_optional("skl2onnx", "onnx", "skae.onnx")
_onnx = import_optional("onnx", "onnx", "skae.onnx")
import_optional("onnxscript", "onnx", "skae.onnx")

from onnx import numpy_helper  # noqa: E402
from onnx.helper import get_attribute_value  # noqa: E402
from skl2onnx import update_registered_converter  # noqa: E402
from skl2onnx.common.data_types import (  # noqa: E402
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)

# torch.onnx's exporter writes ops of the default domain from this opset on.
_MIN_OPSET = 18


class _Exported(torch.nn.Module):
    """``fn(module, x)`` of a copy of the trained module, as a module that
    torch.onnx can export."""

    def __init__(self, module, fn):
        super().__init__()
        self.module = module
        self.fn = fn

    def forward(self, x):
        return self.fn(self.module, x)


def _export(estimator, fn, n_features, opset):
    """The ONNX graph of ``fn(module, x)`` on the trained module of
    ``estimator`` (float32 on the CPU, evaluation mode), for any number of
    rows of ``n_features`` columns, in ``opset``."""
    if getattr(estimator, "column_layout_", None) is not None:
        raise ValueError(
            f"This {type(estimator).__name__} was fitted on a table with categorical "
            "columns (column_layout_), which it encodes itself; the ONNX export takes "
            "numeric rows only. To serve it through ONNX, encode the categories before it "
            "(e.g. OneHotEncoder in a ColumnTransformer) and fit it on the numbers.")
    if opset < _MIN_OPSET:
        raise ValueError(
            f"skae's converters need target_opset >= {_MIN_OPSET} (torch.onnx's "
            f"exporter); got target_opset={opset}.")
    module = copy.deepcopy(estimator.module_).float().cpu().eval()
    wrapper = _Exported(module, fn).eval()
    rows = torch.export.Dim("n_samples", min=1)
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    try:
        quiet.setLevel(logging.ERROR)
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                wrapper, (torch.zeros(2, n_features),), dynamo=True, opset_version=opset,
                dynamic_shapes=({0: rows},), verbose=False, optimize=True)
    except Exception as exc:
        raise TypeError(
            f"torch.onnx cannot export the network of {type(estimator).__name__} "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
            "a module of your own (encoder=, decoder=) must be one that torch.onnx "
            "exports.") from exc
    finally:
        quiet.setLevel(level)
    model = program.model_proto
    if len(model.functions):
        raise TypeError(
            f"torch.onnx exported the network of {type(estimator).__name__} with local "
            f"functions ({', '.join(f.name for f in model.functions)}), which skae cannot "
            "put inside a pipeline's graph.")
    return model


def _float_input(scope, operator, container):
    """The name of the operator's input as float32, the graph's input type: the
    input itself, or a Cast of a float64 input."""
    variable = operator.inputs[0]
    if isinstance(variable.type, FloatTensorType):
        return variable.full_name
    if not isinstance(variable.type, DoubleTensorType):
        name = type(operator.raw_operator).__name__
        raise TypeError(f"skae's converters take float32 or float64 rows; {name} gets "
                        f"{type(variable.type).__name__}.")
    name = scope.get_unique_variable_name(f"{operator.full_name}_float32")
    container.add_node("Cast", [variable.full_name], [name], to=_onnx.TensorProto.FLOAT,
                       name=scope.get_unique_operator_name(f"{operator.full_name}_Cast"))
    return name


def _splice(scope, operator, container, model, outputs):
    """Put the graph of ``model`` into ``container``: it reads the operator's
    input (cast to float32) and writes the variables ``outputs`` (cast back to
    float64 where they are declared so); its other names are made unique in
    ``scope``."""
    graph = model.graph
    names = {graph.input[0].name: _float_input(scope, operator, container)}
    casts = []
    for given, variable in zip(graph.output, outputs):
        if isinstance(variable.type, DoubleTensorType):
            names[given.name] = scope.get_unique_variable_name(f"{variable.full_name}_float32")
            casts.append((names[given.name], variable.full_name))
        else:
            names[given.name] = variable.full_name

    def renamed(name):
        if not name:
            return name  # an optional input left out
        if name not in names:
            names[name] = scope.get_unique_variable_name(f"{operator.full_name}_{name}")
        return names[name]

    opsets = {entry.domain: entry.version for entry in model.opset_import}
    for tensor in graph.initializer:
        array = numpy_helper.to_array(tensor)
        container.add_initializer(renamed(tensor.name), tensor.data_type, list(array.shape),
                                  numpy_helper.from_array(array))
    for node in graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise TypeError(
                f"torch.onnx exported an op of domain {node.domain!r} ({node.op_type}), "
                "which skae cannot put inside a pipeline's graph.")
        attributes = {}
        for attribute in node.attribute:
            value = get_attribute_value(attribute)
            if isinstance(value, _onnx.GraphProto) or (
                    isinstance(value, list) and value and isinstance(value[0],
                                                                     _onnx.GraphProto)):
                raise TypeError(f"torch.onnx exported a {node.op_type} with a subgraph, "
                                "which skae cannot put inside a pipeline's graph.")
            attributes[attribute.name] = value
        container.add_node(node.op_type, [renamed(name) for name in node.input],
                           [renamed(name) for name in node.output],
                           op_domain="", op_version=opsets.get(node.domain, opsets.get("")),
                           name=scope.get_unique_operator_name(f"{operator.full_name}_"
                                                               f"{node.op_type}"),
                           **attributes)
    for float32, output in casts:
        container.add_node("Cast", [float32], [output], to=_onnx.TensorProto.DOUBLE,
                           name=scope.get_unique_operator_name(f"{operator.full_name}_Cast"))


def _float_output(operator, width):
    """Set the type and shape of the operator's outputs: float rows of ``width``."""
    kind = (DoubleTensorType if isinstance(operator.inputs[0].type, DoubleTensorType)
            else FloatTensorType)
    n_rows = operator.inputs[0].get_first_dimension()
    for output in operator.outputs:
        output.type = kind([n_rows, width])


# ------------------------------------------------------------- transformers


def _transform_shape(operator):
    model = operator.raw_operator
    width = (model.n_features_in_ if isinstance(model, Reconstructor)
             else model.n_components)
    _float_output(operator, width)


def _encode(module, x):
    return module.encode(x)


def _reconstruct(module, x):
    return module.decode(module.encode(x))


def _convert_autoencoder(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    onx = _export(model, _encode, model.n_features_in_, container.target_opset)
    _splice(scope, operator, container, onx, operator.outputs[:1])


def _skae_autoencoder(model, role):
    """The fitted skae autoencoder inside ``model`` (unfrozen), or a TypeError."""
    inner = unfrozen(model.autoencoder_)
    if not isinstance(inner, BaseAutoencoder):
        raise TypeError(
            f"{type(model).__name__} converts to ONNX with a skae autoencoder; its "
            f"autoencoder is a {type(inner).__name__}.")
    if role == "scores" and isinstance(inner, BaseVariationalAutoencoder):
        raise TypeError(
            f"{type(model).__name__} over a {type(inner).__name__} does not convert to "
            "ONNX: its scores (the ELBO) average random draws of the codes. Use a "
            "deterministic autoencoder.")
    return inner


def _convert_reconstructor(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    inner = _skae_autoencoder(model, "reconstruct")
    onx = _export(inner, _reconstruct, inner.n_features_in_, container.target_opset)
    _splice(scope, operator, container, onx, operator.outputs[:1])


def _imputer_shape(operator):
    model = operator.raw_operator
    indicator = model.indicator_
    _float_output(operator, model.n_features_in_
                  + (0 if indicator is None else len(indicator.features_)))


def _convert_imputer(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    inner = _skae_autoencoder(model, "reconstruct")
    code_missing_as_nan = not is_nan(model.missing_values)
    placeholder = float(model.missing_values)
    mean, scale = ((None, None) if model.mean_ is None else
                   (torch.as_tensor(model.mean_, dtype=torch.float32),
                    torch.as_tensor(model.scale_, dtype=torch.float32)))
    flagged = (None if model.indicator_ is None
               else torch.as_tensor(model.indicator_.features_, dtype=torch.int64))

    def impute(module, x):
        missing = x == placeholder if code_missing_as_nan else torch.isnan(x)
        gapped = torch.where(missing, float("nan"), x)
        scaled = gapped if mean is None else (gapped - mean) / scale
        restored = module.decode(module.encode(scaled))
        if mean is not None:
            restored = restored * scale + mean
        imputed = torch.where(missing, restored, x)
        if flagged is None:
            return imputed
        return torch.cat([imputed, missing[:, flagged].to(x.dtype)], dim=1)

    onx = _export(inner, impute, model.n_features_in_, container.target_opset)
    _splice(scope, operator, container, onx, operator.outputs[:1])


def _refuse_conditional(scope, operator, container):
    raise TypeError(
        "ConditionalVariationalAutoencoder does not convert to ONNX: its codes depend "
        "on each sample's class (given as y, or the most probable one), which a "
        "converted pipeline does not have.")


# -------------------------------------------------------------- classifier


def _classifier_shape(operator):
    model = operator.raw_operator
    n_rows = operator.inputs[0].get_first_dimension()
    labels = model.classes_
    operator.outputs[0].type = (
        Int64TensorType([n_rows]) if np.issubdtype(np.asarray(labels).dtype, np.integer)
        else StringTensorType([n_rows]))
    operator.outputs[1].type = FloatTensorType([n_rows, len(labels)])


def _probabilities(module, x):
    return torch.softmax(module(x), dim=1)


def _convert_classifier(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    label, probabilities = operator.outputs[0].full_name, operator.outputs[1].full_name
    onx = _export(model, _probabilities, model.n_features_in_, container.target_opset)
    _splice(scope, operator, container, onx, operator.outputs[1:2])
    index = scope.get_unique_variable_name(f"{operator.full_name}_argmax")
    container.add_node("ArgMax", [probabilities], [index], axis=1, keepdims=0,
                       name=scope.get_unique_operator_name(f"{operator.full_name}_ArgMax"))
    classes = np.asarray(model.classes_)
    if np.issubdtype(classes.dtype, np.integer):
        classes, kind = classes.astype(np.int64).tolist(), _onnx.TensorProto.INT64
    else:
        classes, kind = classes.astype(str).tolist(), _onnx.TensorProto.STRING
    name = scope.get_unique_variable_name(f"{operator.full_name}_classes")
    container.add_initializer(name, kind, [len(classes)], classes)
    container.add_node("Gather", [name, index], [label], axis=0,
                       name=scope.get_unique_operator_name(f"{operator.full_name}_Gather"))


# ---------------------------------------------------------- outlier detector


def _outlier_shape(operator):
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = Int64TensorType([n_rows])
    operator.outputs[1].type = FloatTensorType([n_rows])


def _convert_outlier_detector(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    inner = _skae_autoencoder(model, "scores")
    loss, offset = inner._reconstruction_loss(), float(model.offset_)

    def decision(module, x):
        output = module.decode_for_loss(module.encode(x))
        scores = -observed_error(output, x, loss) - offset
        return torch.where(scores >= 0, 1, -1).to(torch.int64), scores

    onx = _export(inner, decision, model.n_features_in_, container.target_opset)
    _splice(scope, operator, container, onx, operator.outputs[:2])


# ---------------------------------------------------------------- clustering


def _clustering_shape(operator):
    model = operator.raw_operator
    n_rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = Int64TensorType([n_rows])
    operator.outputs[1].type = FloatTensorType([n_rows, model._n_features_out])


def _assign(module, x):
    codes = module.autoencoder.encode(x)
    return module.soft_assign(codes).argmax(dim=1), codes


def _convert_clustering(scope, operator, container):
    model = operator.raw_operator
    check_is_fitted(model)
    onx = _export(model, _assign, model.n_features_in_, container.target_opset)
    _splice(scope, operator, container, onx, operator.outputs[:2])


# ------------------------------------------------------------- registration

_AUTOENCODERS = (Autoencoder, DenoisingAutoencoder, SparseAutoencoder, ConvAutoencoder,
                 VariationalAutoencoder, ConvVariationalAutoencoder)


def _register():
    for estimator in _AUTOENCODERS:
        update_registered_converter(estimator, f"Skae{estimator.__name__}",
                                    _transform_shape, _convert_autoencoder)
    update_registered_converter(Reconstructor, "SkaeReconstructor", _transform_shape,
                                _convert_reconstructor)
    update_registered_converter(AutoencoderImputer, "SkaeAutoencoderImputer", _imputer_shape,
                                _convert_imputer)
    update_registered_converter(ConditionalVariationalAutoencoder,
                                "SkaeConditionalVariationalAutoencoder", _transform_shape,
                                _refuse_conditional)
    update_registered_converter(AutoencoderClassifier, "SkaeAutoencoderClassifier",
                                _classifier_shape, _convert_classifier,
                                options={"zipmap": [True, False, "columns"],
                                         "nocl": [True, False]})
    update_registered_converter(AutoencoderOutlierDetector, "SkaeAutoencoderOutlierDetector",
                                _outlier_shape, _convert_outlier_detector)
    update_registered_converter(DeepEmbeddedClustering, "SkaeDeepEmbeddedClustering",
                                _clustering_shape, _convert_clustering)


_register()

__all__ = []
