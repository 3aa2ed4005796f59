"""Facts about torch and the libraries around it, as data, in one place.

Every table of library names the analysis and the rules need lives here, so a
name added once (a new ``tqdm`` import path, a loss function) is seen by every
rule at the same time, and no rule keeps a private copy that drifts out of date
(``for b in track(loader)`` was once missed where ``tqdm(loader)`` was seen).
Names are fully qualified, as ``ModuleInfo.qualify`` resolves them.
"""

from __future__ import annotations

import enum


class Kind(enum.Enum):
    """What the values of a tensor mean, as far as the loss rules care."""

    LOGITS = "raw logits"
    PROBS = "probabilities"
    LOG_PROBS = "log-probabilities"
    SIGMOID = "sigmoid probabilities"


def _nn(*names: str) -> frozenset[str]:
    return frozenset(f"torch.nn.{name}" for name in names)


def _functional(*names: str) -> frozenset[str]:
    return frozenset(f"torch.nn.functional.{name}" for name in names)


# --- data loading --------------------------------------------------------------------------------

LOADERS = frozenset(("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"))
DISTRIBUTED_SAMPLERS = frozenset(("torch.utils.data.DistributedSampler", "torch.utils.data.distributed.DistributedSampler"))
#: builtins whose iteration yields the elements of their first argument (``enumerate`` pairs them with an index)
ITERATION_BUILTINS = frozenset(("enumerate", "iter"))
#: library wrappers whose iteration is their first argument's (progress bars, slicing)
ITERATION_WRAPPERS = frozenset(
    ("tqdm", "tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm", "tqdm.rich.tqdm", "rich.progress.track", "itertools.islice",
     "itertools.cycle")
)
#: samplers that draw from the whole dataset on every rank (no sharding between processes)
UNSHARDED_SAMPLERS = frozenset(
    f"torch.utils.data.{module}{name}" for module in ("", "sampler.")
    for name in ("RandomSampler", "SequentialSampler", "WeightedRandomSampler", "SubsetRandomSampler")
)
#: map-style datasets from libraries (indexable: a sampler decides which samples a process reads)
MAP_STYLE_DATASETS = frozenset(
    f"torch.utils.data.{module}{name}" for module in ("", "dataset.") for name in ("TensorDataset", "Subset", "ConcatDataset", "StackDataset")
)
MAP_STYLE_DATASET_PREFIXES = ("torchvision.datasets.",)
#: base classes of datasets that are iterated, not indexed (no sampler, no shuffle)
ITERABLE_DATASET_BASES = ("torch.utils.data.IterableDataset", "torch.utils.data.dataset.IterableDataset")
#: datasets that read a folder of images, ``transform`` their second parameter
IMAGE_FOLDER_DATASETS = frozenset(("torchvision.datasets.ImageFolder", "torchvision.datasets.DatasetFolder"))
#: functions that split a dataset into random subsets that share the dataset (and its transform)
RANDOM_SPLITS = frozenset(("torch.utils.data.random_split", "torch.utils.data.dataset.random_split"))
#: where a process asks for its rank and the world size (a dataset that calls these may shard itself)
DISTRIBUTED_STATE_PREFIX = "torch.distributed."
#: DataLoader's parameters by position: ``DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, ...)``
LOADER_POSITIONS = {
    name: position
    for position, name in enumerate(("dataset", "batch_size", "shuffle", "sampler", "batch_sampler", "num_workers", "collate_fn",
                                     "pin_memory", "drop_last", "timeout", "worker_init_fn"))
}
#: functions and classes that make a Python or NumPy random generator (each its own state, copied into a forked worker)
RNG_MAKERS = frozenset(("numpy.random.default_rng", "numpy.random.RandomState", "numpy.random.Generator", "random.Random"))
TORCH_GENERATORS = frozenset(("torch.Generator",))

# --- autograd ------------------------------------------------------------------------------------

BACKWARD_METHODS = frozenset(("backward", "manual_backward"))
BACKWARD_FUNCTIONS = frozenset(("torch.autograd.backward",))
NO_GRAD = frozenset(("torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad"))
ENABLE_GRAD = frozenset(("torch.enable_grad", "torch.set_grad_enabled", "torch.autograd.enable_grad"))
#: base classes of custom autograd functions (their ``backward`` receives the gradient of their outputs)
AUTOGRAD_FUNCTION_BASES = frozenset(("torch.autograd.Function", "torch.autograd.function.Function", "torch.autograd.function.InplaceFunction"))
#: context managers / decorators that switch autograd off, or set it on purpose
GRAD_MODE = NO_GRAD | ENABLE_GRAD | frozenset(("torch.autograd.set_grad_enabled", "torch.autograd.grad_mode.inference_mode"))

# --- losses --------------------------------------------------------------------------------------

CROSS_ENTROPY, BCE, BCE_WITH_LOGITS = "cross-entropy", "bce", "bce-with-logits"
#: the cross-entropy family, by what each expects as input: qualified name -> (family, how messages name it)
CLASSIFICATION_LOSSES = {
    "torch.nn.CrossEntropyLoss": (CROSS_ENTROPY, "CrossEntropyLoss"),
    "torch.nn.modules.loss.CrossEntropyLoss": (CROSS_ENTROPY, "CrossEntropyLoss"),
    "torch.nn.functional.cross_entropy": (CROSS_ENTROPY, "F.cross_entropy"),
    "torch.nn.BCELoss": (BCE, "BCELoss"),
    "torch.nn.modules.loss.BCELoss": (BCE, "BCELoss"),
    "torch.nn.functional.binary_cross_entropy": (BCE, "F.binary_cross_entropy"),
    "torch.nn.BCEWithLogitsLoss": (BCE_WITH_LOGITS, "BCEWithLogitsLoss"),
    "torch.nn.modules.loss.BCEWithLogitsLoss": (BCE_WITH_LOGITS, "BCEWithLogitsLoss"),
    "torch.nn.functional.binary_cross_entropy_with_logits": (BCE_WITH_LOGITS, "F.binary_cross_entropy_with_logits"),
}
#: the negative log-likelihood loss, which expects log-probabilities (as a class and as a function)
NLL_LOSS_CLASS = "torch.nn.NLLLoss"
NLL_LOSS_FUNCTION = "torch.nn.functional.nll_loss"
#: every functional loss: a call of one of these computes a loss from a prediction and a target
LOSS_FUNCTIONS = _functional(
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "ctc_loss", "poisson_nll_loss", "gaussian_nll_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multilabel_margin_loss", "hinge_embedding_loss", "multi_margin_loss", "cosine_embedding_loss",
    "margin_ranking_loss", "triplet_margin_loss",
)

# --- layers and activations ----------------------------------------------------------------------

#: layers whose output is an unnormalised score when they come last
LOGIT_LAYERS = _nn("Linear", "LazyLinear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "LazyConv1d", "LazyConv2d", "LazyConv3d")
#: layers that read rows of features: given a 2-D tensor, dim 0 is the batch
ROW_LAYERS = _nn("Linear", "LazyLinear")
#: where a scoring layer's number of outputs is: (position, keyword)
LAYER_OUTPUTS = {
    "torch.nn.Linear": (1, "out_features"),
    "torch.nn.LazyLinear": (0, "out_features"),
    "torch.nn.Bilinear": (2, "out_features"),
    **{f"torch.nn.Conv{d}d": (1, "out_channels") for d in (1, 2, 3)},
    **{f"torch.nn.LazyConv{d}d": (0, "out_channels") for d in (1, 2, 3)},
}
#: layers that pass their input's kind through when they come last
PASSTHROUGH_LAYERS = _nn("Dropout", "Identity", "Flatten", "Dropout1d", "Dropout2d")
LAYER_KINDS = {
    "torch.nn.Softmax": Kind.PROBS,
    "torch.nn.Softmax2d": Kind.PROBS,
    "torch.nn.LogSoftmax": Kind.LOG_PROBS,
    "torch.nn.Sigmoid": Kind.SIGMOID,
    "torch.nn.LogSigmoid": Kind.LOG_PROBS,
}
LOG_SOFTMAX_FUNCTIONS = frozenset(("torch.log_softmax", "torch.nn.functional.log_softmax", "torch.special.log_softmax"))
FUNCTION_KINDS = {
    name: kind
    for names, kind in (
        (("torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax"), Kind.PROBS),
        (LOG_SOFTMAX_FUNCTIONS, Kind.LOG_PROBS),
        (("torch.sigmoid", "torch.nn.functional.sigmoid", "torch.special.expit"), Kind.SIGMOID),
        (("torch.nn.functional.logsigmoid",), Kind.LOG_PROBS),
    )
    for name in names
}
SOFTMAX_FUNCTIONS = frozenset(name for name, kind in FUNCTION_KINDS.items() if kind is Kind.PROBS)
SIGMOID_FUNCTIONS = frozenset(name for name, kind in FUNCTION_KINDS.items() if kind is Kind.SIGMOID)
#: the layers that normalise over one dimension (their ``dim`` says which)
SOFTMAX_LAYERS = _nn("Softmax", "LogSoftmax")
METHOD_KINDS = {"softmax": Kind.PROBS, "log_softmax": Kind.LOG_PROBS, "sigmoid": Kind.SIGMOID}
LOG_FUNCTIONS = frozenset(("torch.log",))
#: element-wise activations, as layer classes, functions and tensor methods (``.relu``) -> one name
ACTIVATIONS: dict[str, str] = {}
for _name, _layer, _functions in (
    ("relu", "ReLU", ("torch.relu", "torch.nn.functional.relu")),
    ("relu6", "ReLU6", ("torch.nn.functional.relu6",)),
    ("sigmoid", "Sigmoid", ("torch.sigmoid", "torch.nn.functional.sigmoid", "torch.special.expit")),
    ("tanh", "Tanh", ("torch.tanh", "torch.nn.functional.tanh")),
    ("hardtanh", "Hardtanh", ("torch.nn.functional.hardtanh",)),
    ("hardsigmoid", "Hardsigmoid", ("torch.nn.functional.hardsigmoid",)),
    ("softsign", "Softsign", ("torch.nn.functional.softsign",)),
    ("softplus", "Softplus", ("torch.nn.functional.softplus",)),
    ("gelu", "GELU", ("torch.nn.functional.gelu",)),
    ("silu", "SiLU", ("torch.nn.functional.silu",)),
    ("elu", "ELU", ("torch.nn.functional.elu",)),
    ("leaky_relu", "LeakyReLU", ("torch.nn.functional.leaky_relu",)),
    ("softmax", "Softmax", ("torch.softmax", "torch.nn.functional.softmax", "torch.special.softmax")),
    ("log_softmax", "LogSoftmax", ("torch.log_softmax", "torch.nn.functional.log_softmax", "torch.special.log_softmax")),
):
    ACTIVATIONS.update({f"torch.nn.{_layer}": _name, f".{_name}": _name, **dict.fromkeys(_functions, _name)})
DROPOUT_FUNCTIONS = _functional("dropout", "dropout1d", "dropout2d", "alpha_dropout")
#: functional dropouts that take a ``training`` flag third (``F.dropout(x, p, training)``) and default it to True
TRAINING_FLAG_DROPOUTS = _functional("dropout", "dropout1d", "dropout2d", "dropout3d")
#: everything that drops activations with a probability ``p`` (its second argument, for the functions)
DROPOUT_LAYERS = _nn("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout")
DROPOUT_PROBABILITY_FUNCTIONS = _functional("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout") | frozenset(
    ("torch.dropout", "torch.alpha_dropout", "torch.feature_dropout")
)
#: layers with a ``dropout=`` probability among their options
LAYERS_WITH_DROPOUT_OPTION = _nn("LSTM", "GRU", "RNN", "Transformer", "TransformerEncoderLayer", "TransformerDecoderLayer", "MultiheadAttention")

# --- tensor methods ------------------------------------------------------------------------------

#: tensor methods that keep what the values mean (shape, dtype or device changes only)
KIND_PRESERVING_METHODS = frozenset(
    ("view", "reshape", "squeeze", "unsqueeze", "flatten", "contiguous", "float", "double", "half", "to", "cpu", "cuda", "permute", "transpose")
)
#: tensor methods that change neither values nor shape / only the shape
NEUTRAL_METHODS = frozenset(("float", "double", "half", "to", "cpu", "cuda", "contiguous", "clone", "detach"))
RESHAPE_METHODS = frozenset(("view", "reshape", "squeeze", "unsqueeze", "flatten", "permute", "transpose", "view_as", "reshape_as"))
#: in-place methods (trailing ``_``) that change no values a rule follows
IN_PLACE_WITHOUT_VALUE_CHANGE = frozenset(("requires_grad_", "retain_grad", "share_memory_", "detach_"))

# --- modules -------------------------------------------------------------------------------------

#: wrappers that return (or hold, as ``.module``) the model they are given, computing what it computes
MODEL_WRAPPERS = frozenset(
    ("torch.nn.DataParallel", "torch.nn.parallel.DataParallel", "torch.nn.parallel.DistributedDataParallel", "torch.compile",
     "torch.distributed.fsdp.FullyShardedDataParallel", "torch.nn.parallel.data_parallel.DataParallel")
)
#: wrappers that make a model train in several processes, each on its own shard of the data
DISTRIBUTED_WRAPPERS = frozenset(
    ("torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.distributed.DistributedDataParallel",
     "torch.distributed.fsdp.FullyShardedDataParallel", "torch.distributed.fsdp.fully_sharded_data_parallel.FullyShardedDataParallel",
     "torch.distributed.fsdp.fully_shard", "torch.distributed._composable.fsdp.fully_shard")
)
#: of those, the wrappers whose gradient synchronisation hooks run only through the wrapper's own forward
#: (``ddp.module(x)`` skips them)
GRADIENT_SYNC_WRAPPERS = frozenset(("torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.distributed.DistributedDataParallel"))
#: module methods that return the module itself
SELF_RETURNING_METHODS = frozenset(("to", "cuda", "cpu", "float", "double", "half", "bfloat16", "requires_grad_", "share_memory", "to_empty"))
#: module methods that switch train/eval mode
MODE_METHODS = frozenset(("train", "eval"))
#: layers that compute differently in train and eval mode
MODE_DEPENDENT_LAYERS = _nn(
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
    "SyncBatchNorm", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "TransformerEncoderLayer", "TransformerDecoderLayer",
    "TransformerEncoder", "TransformerDecoder", "Transformer",
)
MODE_DEPENDENT_FUNCTIONS = _functional("dropout", "batch_norm", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d")
#: where the base classes of models come from (a subclass of a class under these is a module)
MODULE_BASE_PREFIXES = ("torch.nn.", "pytorch_lightning.", "lightning.")
#: model factories whose models classify (a zoo model is a classifier unless it detects, segments, tracks flow or video)
CLASSIFIER_ZOO_PREFIX = "torchvision.models."
NON_CLASSIFIER_ZOO_PREFIXES = ("torchvision.models.detection", "torchvision.models.segmentation", "torchvision.models.optical_flow",
                               "torchvision.models.video")
CLASSIFIER_FACTORIES = frozenset(("timm.create_model",))
MODULE_CONTAINERS = _nn("Sequential", "ModuleList")
PARAMETER_CLASSES = frozenset(("torch.nn.Parameter", "torch.nn.parameter.Parameter"))
#: layers whose ``weight`` is a matrix or kernel of independent units (not a norm layer's per-channel scale)
WEIGHTED_LAYERS = _nn(
    "Linear", "LazyLinear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "LazyConv1d", "LazyConv2d", "LazyConv3d", "Embedding", "EmbeddingBag",
)
#: layers without parameters of their own
PARAMETERLESS_LAYERS = _nn(
    "Identity", "Flatten", "Unflatten", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "ReLU", "ReLU6",
    "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus",
    "Hardswish", "Hardsigmoid", "Hardtanh", "Tanhshrink", "Softsign", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d",
    "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "Upsample", "PixelShuffle", "PixelUnshuffle", "ZeroPad2d", "ConstantPad2d",
)

# --- tensors -------------------------------------------------------------------------------------

#: torch functions that make a new tensor from sizes or Python data, on the default device unless ``device=`` is given
#: (not ``as_tensor``/``normal``/``bernoulli``: given tensors, they keep those tensors' device)
TENSOR_FACTORIES = frozenset(
    f"torch.{name}"
    for name in ("zeros", "ones", "empty", "full", "arange", "range", "linspace", "logspace", "eye", "rand", "randn", "randint",
                 "randperm", "tensor", "Tensor", "FloatTensor", "LongTensor", "BoolTensor")
)
#: of those, the factories whose positional arguments are all sizes (``torch.randn(1000, 8)``: 1000 rows of 8)
SIZE_ONLY_FACTORIES = frozenset(f"torch.{name}" for name in ("zeros", "ones", "empty", "rand", "randn"))
#: tensor attributes and methods that read only a tensor's shape, type or device (not its values)
SHAPE_ONLY_ATTRIBUTES = frozenset(("shape", "size", "dim", "ndim", "numel", "dtype", "device", "is_cuda", "new_zeros", "new_ones", "new_empty",
                                   "new_full"))
#: torch functions that make a tensor like another from its shape alone
SHAPE_ONLY_FUNCTIONS = frozenset(f"torch.{name}_like" for name in ("zeros", "ones", "empty", "full", "rand", "randn", "randint"))
#: tensor methods that return the same tensor moved, cast or re-laid out without changing its values' meaning
VALUE_KEEPING_METHODS = frozenset(("to", "cuda", "cpu", "float", "double", "half", "bfloat16", "contiguous", "type"))
RECURRENT_LAYERS = _nn("LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell")
#: of those, the layers that read a whole sequence, laid out as ``batch_first`` says
BATCH_FIRST_RECURRENT_LAYERS = _nn("LSTM", "GRU", "RNN")
#: layers and functions that keep the (batch, seq, ...) layout of their input
BATCH_LAYOUT_KEEPING = (
    _nn("Embedding", "Linear", "Dropout", "LayerNorm", "ReLU", "GELU", "Tanh", "Sigmoid", "Identity", "LeakyReLU", "ELU")
    | _functional("relu", "gelu", "dropout", "layer_norm", "embedding", "linear", "leaky_relu", "elu")
    | frozenset(("torch.tanh", "torch.relu", "torch.sigmoid"))
)

# --- optimisation --------------------------------------------------------------------------------

SCALERS = frozenset(
    ("torch.cuda.amp.GradScaler", "torch.amp.GradScaler", "torch.cuda.amp.grad_scaler.GradScaler", "torch.amp.grad_scaler.GradScaler",
     "torch.cpu.amp.GradScaler")
)
#: mixed-precision contexts; their dtype is ``dtype=`` or, left out, the device's default (float16 on CUDA, bfloat16 on CPU)
AUTOCAST = frozenset(("torch.autocast", "torch.amp.autocast", "torch.amp.autocast_mode.autocast", "torch.cuda.amp.autocast",
                      "torch.cpu.amp.autocast"))
#: of those, the ones bound to CUDA (default dtype float16)
CUDA_AUTOCAST = frozenset(("torch.cuda.amp.autocast",))
#: devices whose autocast dtype defaults to float16
FLOAT16_AUTOCAST_DEVICES = frozenset(("cuda",))
FLOAT16_DTYPES = frozenset(("torch.float16", "torch.half"))
CLIP_FUNCTIONS = frozenset(
    f"torch.nn.utils.{prefix}{name}" for prefix in ("", "clip_grad.") for name in ("clip_grad_norm_", "clip_grad_value_", "clip_grad_norm")
)

#: optimizers by the learning rates that suit them: plain SGD (0.01-0.1), adaptive steps (1e-4-1e-3), others (any rate; only too low is known)
#: where optimizer classes live, and the parts of torch.optim that hold something else
OPTIMIZER_PREFIXES = ("torch.optim.", "bitsandbytes.optim.", "apex.optimizers.", "torch_optimizer.", "transformers.optimization.")
NOT_OPTIMIZER_PREFIXES = ("torch.optim.lr_scheduler.", "torch.optim.swa_utils.")
#: optimizers whose ``weight_decay`` is an L2 term added to the gradient (coupled), by its position
COUPLED_DECAY_OPTIMIZERS = dict.fromkeys(("torch.optim.Adam", "torch.optim.adam.Adam", "torch.optim.NAdam", "torch.optim.RAdam", "torch.optim.Adamax"), 4)
SGD_OPTIMIZERS = frozenset(("torch.optim.SGD", "torch.optim.sgd.SGD", "torch.optim.ASGD"))
ADAPTIVE_OPTIMIZERS = frozenset(
    f"torch.optim.{name}" for name in ("Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SparseAdam", "RMSprop", "adam.Adam", "adamw.AdamW")
) | {"transformers.AdamW", "transformers.optimization.AdamW"}
OTHER_OPTIMIZERS = frozenset(("torch.optim.Adagrad", "torch.optim.Adadelta", "torch.optim.Rprop"))

#: schedulers whose length is usually counted in epochs (stepped once per epoch):
#: qualified name -> (class name, position and keyword of the argument that counts steps or decays per step)
EPOCH_SCHEDULERS = {
    f"torch.optim.lr_scheduler.{name}": (name, position, keyword)
    for name, position, keyword in (("StepLR", 1, "step_size"), ("MultiStepLR", 1, "milestones"), ("CosineAnnealingLR", 1, "T_max"),
                                    ("ExponentialLR", 1, "gamma"))
}

# --- arrays, shuffling and splitting -------------------------------------------------------------

#: calls that turn Python / NumPy data into an array or tensor, row for row (order and values kept)
ARRAY_CONVERTERS = frozenset(("numpy.array", "numpy.asarray", "torch.tensor", "torch.as_tensor", "torch.from_numpy", "torch.Tensor",
                              "torch.FloatTensor", "torch.DoubleTensor", "torch.LongTensor"))
#: calls that make a new tensor from data: it is a leaf, outside any autograd graph
GRAPHLESS_TENSOR_MAKERS = frozenset(name for name in ARRAY_CONVERTERS if name.startswith("torch.")) | frozenset(
    ("torch.scalar_tensor", "torch.autograd.Variable"))
#: tensor factories whose first argument is data (a literal list is known to be more than a 0-dim scalar)
DATA_TENSOR_FACTORIES = frozenset(("torch.tensor",))
#: shuffles that reorder their argument in place / return a permutation of indices / return shuffled copies of every argument
IN_PLACE_SHUFFLES = frozenset(("numpy.random.shuffle", "random.shuffle"))
PERMUTATION_FUNCTIONS = frozenset(("numpy.random.permutation", "torch.randperm"))
COPYING_SHUFFLES = frozenset(("sklearn.utils.shuffle",))
#: calls that reset the global random state (two shuffles after the same seed draw the same order)
RNG_RESETS = frozenset(("numpy.random.seed", "numpy.random.set_state", "random.seed", "random.setstate"))
#: estimator methods (sklearn's API) whose result has the rows of their first argument, in its order
ROW_KEEPING_TRANSFORMS = frozenset(("transform", "fit_transform", "inverse_transform"))
#: calls that take inputs and labels together and keep their rows paired from then on
PAIRING_CALLS = frozenset(("torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset", "sklearn.model_selection.train_test_split"))
#: functions that split data into train and held-out parts: qualified name -> how messages name it
SPLIT_FUNCTIONS = {
    "sklearn.model_selection.train_test_split": "train_test_split",
    "sklearn.model_selection._split.train_test_split": "train_test_split",
    "sklearn.cross_validation.train_test_split": "train_test_split",
    **dict.fromkeys(RANDOM_SPLITS, "random_split"),
    "sklearn.model_selection.cross_val_score": "cross_val_score",
    "sklearn.model_selection.cross_validate": "cross_validate",
    "sklearn.model_selection.cross_val_predict": "cross_val_predict",
}
#: functions that cut an array into chunks (a split only when the chunks are named train/test/val)
CHUNK_FUNCTIONS = frozenset(("numpy.split", "numpy.array_split", "torch.split", "torch.tensor_split"))
SUBSET_CLASSES = frozenset(("torch.utils.data.Subset", "torch.utils.data.dataset.Subset"))
#: calls whose result carries the data passed to them (converted, stacked, framed, split)
DATA_CARRYING_CALLS = ARRAY_CONVERTERS | frozenset((
    "numpy.ascontiguousarray", "numpy.float32", "numpy.nan_to_num", "torch.nan_to_num",
    "numpy.concatenate", "numpy.hstack", "numpy.vstack", "numpy.column_stack", "numpy.stack", "numpy.expand_dims",
    "torch.cat", "torch.stack", "torch.hstack", "torch.vstack", "torch.unsqueeze", "pandas.DataFrame", "pandas.concat", "pandas.get_dummies",
    "torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset",
    *SPLIT_FUNCTIONS, *CHUNK_FUNCTIONS, *SUBSET_CLASSES,
))
#: sklearn estimators whose ``fit`` learns statistics of the data (class names, under any ``sklearn.*`` path)
SKLEARN_FITTED_TRANSFORMERS = frozenset((
    "StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "QuantileTransformer", "PowerTransformer",
    "PCA", "IncrementalPCA", "KernelPCA", "TruncatedSVD", "SimpleImputer", "KNNImputer", "IterativeImputer",
    "TfidfVectorizer", "TfidfTransformer", "CountVectorizer", "KBinsDiscretizer",
))
#: sklearn cross-validation splitters (class names): ``KFold(5).split(X)`` splits X
SKLEARN_SPLITTERS = frozenset((
    "KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold", "ShuffleSplit", "StratifiedShuffleSplit",
    "GroupShuffleSplit", "RepeatedKFold", "RepeatedStratifiedKFold", "TimeSeriesSplit", "LeaveOneOut", "LeavePOut",
))
#: samplers that draw each sample with the weight given for it
WEIGHTED_SAMPLERS = frozenset(("torch.utils.data.WeightedRandomSampler", "torch.utils.data.sampler.WeightedRandomSampler"))
#: calls that give one value per class (counts or weights): qualified name -> how messages name it
PER_CLASS_COUNTERS = {"numpy.bincount": "np.bincount", "torch.bincount": "torch.bincount",
                      "sklearn.utils.class_weight.compute_class_weight": "compute_class_weight"}
UNIQUE_FUNCTIONS = frozenset(("numpy.unique", "torch.unique"))

# --- numerics ------------------------------------------------------------------------------------

#: statistics that may be 0 (a constant feature, an empty mask): method name -> what messages call it
SPREAD_METHODS = {"std": "a standard deviation", "var": "a variance", "nanstd": "a standard deviation", "nanvar": "a variance"}
SPREAD_FUNCTIONS = {f"{library}.{name}": text for library in ("torch", "numpy") for name, text in SPREAD_METHODS.items()}
NORM_FUNCTIONS = frozenset(("torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm", "numpy.linalg.norm"))
SUM_FUNCTIONS = frozenset(("torch.sum", "numpy.sum"))
COUNT_NONZERO_FUNCTIONS = frozenset(("torch.count_nonzero", "numpy.count_nonzero"))
LOGARITHMS = frozenset(f"{library}.{name}" for library in ("torch", "numpy", "math") for name in ("log", "log2", "log10"))
SQUARE_ROOTS = frozenset(("torch.sqrt", "torch.rsqrt"))
#: element-wise comparisons written as functions (``torch.gt(x, 0.5)``)
COMPARISON_FUNCTIONS = frozenset(f"torch.{name}" for name in ("gt", "ge", "lt", "le", "greater", "greater_equal", "less", "less_equal"))
#: reductions that turn element-wise comparisons into one truth value (a sanity check of a range): builtins and torch's
ALL_ANY_REDUCTIONS = frozenset(("all", "any", "torch.all", "torch.any"))
#: operations whose result carries no gradient: qualified name -> the operation (in messages)
NON_DIFFERENTIABLE_FUNCTIONS = {f"torch.{name}": name for name in ("argmax", "argmin", "round", "floor", "ceil", "sign", "tensor", "as_tensor",
                                                                   "from_numpy")}
#: initialisers that set every element to one constant: qualified name -> the constant (None: given as an argument)
CONSTANT_INITS: dict[str, float | None] = {"torch.nn.init.zeros_": 0.0, "torch.nn.init.ones_": 1.0, "torch.nn.init.constant_": None,
                                           "torch.nn.init.constant": None}

# --- names people give ---------------------------------------------------------------------------

#: words in a variable's name that say it holds evaluation data or its transforms (``val_transform``, ``testset``)
EVAL_WORDS = frozenset(("val", "valid", "validation", "test", "testing", "eval", "evaluation", "dev", "holdout",
                        "valset", "testset", "validset", "valdata", "testdata", "valds", "testds"))
#: words that say it holds training data or its transforms (``train_tf``, ``augment``)
TRAIN_WORDS = frozenset(("train", "training", "trainset", "traindata", "trainds", "aug", "augment", "augmentation"))
#: words that name one side of a data split (``X_train``, ``x_val``): a split's training rows and its held-out rows
SPLIT_TRAIN_WORDS = frozenset(("train", "training", "trn"))
SPLIT_HELD_OUT_WORDS = frozenset(("test", "testing", "tst", "val", "valid", "validation", "holdout", "dev", "eval"))
