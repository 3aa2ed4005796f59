"""Facts about training frameworks, as data, in one place (as ``torch_api`` holds torch's).

Names are fully qualified, as ``ModuleInfo.qualify`` resolves them; method names are the frameworks'
documented ones. Each framework has its own section.
"""

from __future__ import annotations

# --- accelerate ----------------------------------------------------------------------------------

ACCELERATORS = frozenset(("accelerate.Accelerator", "accelerate.accelerator.Accelerator"))
#: Accelerator methods that return what they are given, wrapped for the device and processes (several: a tuple)
ACCELERATE_PREPARE_METHODS = frozenset(("prepare", "prepare_model", "prepare_optimizer", "prepare_data_loader", "prepare_scheduler"))
#: Accelerator methods that clip the gradients of their first argument's parameters (unscaling them first under fp16)
ACCELERATE_CLIP_METHODS = frozenset(("clip_grad_norm_", "clip_grad_value_"))
#: Accelerator context managers inside which the prepared optimizer steps (and zeroes) only every k-th micro-batch
ACCELERATE_ACCUMULATE_METHODS = frozenset(("accumulate",))

# --- Hugging Face transformers -------------------------------------------------------------------

#: transformers' learning-rate schedule factories: each returns a torch ``LambdaLR`` on the optimizer it is given
TRANSFORMERS_SCHEDULE_FACTORIES = frozenset(
    f"transformers.{module}{name}" for module in ("", "optimization.")
    for name in ("get_linear_schedule_with_warmup", "get_cosine_schedule_with_warmup", "get_cosine_with_hard_restarts_schedule_with_warmup",
                 "get_polynomial_decay_schedule_with_warmup", "get_constant_schedule_with_warmup", "get_constant_schedule",
                 "get_inverse_sqrt_schedule", "get_wsd_schedule", "get_scheduler")
)
SCHEDULE_FACTORY_RESULT = "torch.optim.lr_scheduler.LambdaLR"
TRAINING_ARGUMENTS = frozenset(
    f"transformers.{module}{name}" for module in ("", "training_args.", "training_args_seq2seq.")
    for name in ("TrainingArguments", "Seq2SeqTrainingArguments")
)

# --- metric names (shared by the checkpoint / early-stopping / best-model rules of every framework) ---

#: words in a metric's name that say lower is better, and those that say higher is better (``eval_loss``, ``val/acc``)
LOWER_IS_BETTER_WORDS = frozenset(("loss", "perplexity", "ppl", "wer", "cer", "error", "err", "mae", "mse", "rmse", "nll", "fid"))
HIGHER_IS_BETTER_WORDS = frozenset(
    ("accuracy", "acc", "f1", "precision", "recall", "auc", "auroc", "bleu", "sacrebleu", "rouge", "rouge1", "rouge2", "rougel",
     "rougelsum", "meteor", "chrf", "map", "iou", "miou", "dice", "exact", "matthews", "mcc", "pearson", "spearman", "top1", "top5")
)
#: model methods that replace the token embeddings (and a tied output layer) with new parameters
EMBEDDING_RESIZE_METHODS = frozenset(("resize_token_embeddings",))

# --- PyTorch Lightning ---------------------------------------------------------------------------

LIGHTNING_MODULES = frozenset(
    f"{package}{module}LightningModule"
    for package in ("pytorch_lightning.", "lightning.pytorch.", "lightning.")
    for module in ("", "core.", "core.module.", "core.lightning.")
)
#: the LightningModule method Lightning runs as the body of its training loop (zero_grad / backward / step around it)
LIGHTNING_TRAINING_HOOKS = frozenset(("training_step",))
#: LightningModule methods Lightning runs with the module in eval mode and autograd off (``model.eval()`` + ``torch.no_grad()``)
LIGHTNING_EVALUATION_HOOKS = frozenset(("validation_step", "test_step", "predict_step"))
LIGHTNING_CONFIGURE_OPTIMIZERS = "configure_optimizers"
#: LightningModule methods that return what ``configure_optimizers`` gave (one optimizer, or a list of them) / run a backward
LIGHTNING_OPTIMIZERS_METHOD = "optimizers"
LIGHTNING_MANUAL_BACKWARD = "manual_backward"
#: the attribute that switches Lightning's automatic optimisation (default True) off
LIGHTNING_AUTOMATIC_OPTIMIZATION = "automatic_optimization"
#: keys of a ``configure_optimizers`` dict, and of its ``lr_scheduler`` config; an absent interval is "epoch"
LIGHTNING_OPTIMIZER_KEY = "optimizer"
LIGHTNING_SCHEDULER_KEY = "lr_scheduler"
LIGHTNING_SCHEDULER_CONFIG_KEY = "scheduler"
LIGHTNING_INTERVAL_KEY = "interval"
LIGHTNING_DEFAULT_INTERVAL = "epoch"
LIGHTNING_STEP_INTERVAL = "step"
#: schedulers whose length is counted in optimizer steps (Lightning must step them with ``"interval": "step"``):
#: torch's per-batch cycles and every transformers schedule factory (``num_training_steps``)
PER_STEP_SCHEDULERS = frozenset(("torch.optim.lr_scheduler.OneCycleLR", "torch.optim.lr_scheduler.CyclicLR")) | TRANSFORMERS_SCHEDULE_FACTORIES
#: Lightning callbacks that pick a checkpoint or stop by a monitored metric, with the default of their ``mode``
METRIC_CALLBACKS = {
    f"{package}callbacks.{module}{name}": "min"
    for package in ("pytorch_lightning.", "lightning.pytorch.")
    for module, name in (("", "ModelCheckpoint"), ("", "EarlyStopping"), ("model_checkpoint.", "ModelCheckpoint"),
                         ("early_stopping.", "EarlyStopping"))
}
#: a callback's ``mode`` values: the one that keeps the lowest metric and the one that keeps the highest
LIGHTNING_MODE_LOWER = "min"
LIGHTNING_MODE_HIGHER = "max"
