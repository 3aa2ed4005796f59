from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import reaching_value
from nnlint.analysis.pipelines import (
    Step,
    batch_names,
    built_at,
    constructor_argument,
    dataset_pipeline,
    loader_dataset,
    loader_of,
    number,
    same_values_root,
    scales_to_unit,
)
from nnlint.analysis.values import Instance, is_classifier_factory
from nnlint.rule import Invalid, Rule, Valid

_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
_TOLERANCE = 0.02


class PretrainedWithoutMatchingNormalization(Rule):
    """A pretrained torchvision model is fed images without the normalisation its weights were trained with.

    ## What it does
    Follows the batches of a `DataLoader` over a torchvision dataset into a torchvision
    classifier loaded with pretrained weights (`weights=...` other than `None`, or
    `pretrained=True`), and reports the dataset's `transform` when that pipeline is known
    step by step, scales to [0, 1] (`ToTensor`, `ToDtype(scale=True)`), and then has no
    `Normalize` — or one whose literal mean/std are not ImageNet's
    (`[0.485, 0.456, 0.406]`, `[0.229, 0.224, 0.225]`). Pipelines with steps it cannot
    see into (`weights.transforms()`, a project function) and batches changed in the
    loop before the model call are left alone.

    ## Why is this bad?
    Pretrained features expect the input statistics of their training data (checklist
    item 14). Fed [0, 1] images or `Normalize(0.5, 0.5)` instead of ImageNet's
    statistics, every first-layer activation is shifted; fine-tuning still "works" but
    starts far from the pretrained optimum and ends measurably worse, and a frozen
    backbone gives much weaker features.

    ## Example
    ```python
    model = torchvision.models.resnet50(weights=ResNet50_Weights.IMAGENET1K_V2)
    train_set = ImageFolder("data/train", transform=T.Compose([T.Resize(224), T.ToTensor()]))
    ```

    ## Use instead
    ```python
    weights = ResNet50_Weights.IMAGENET1K_V2
    model = torchvision.models.resnet50(weights=weights)
    train_set = ImageFolder("data/train", transform=weights.transforms())
    ```
    or add `T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])`.
    """

    code = "NN203"
    name = "pretrained-without-matching-normalization"
    checklist = (14,)
    message = "{model} loads pretrained ImageNet weights but this pipeline {problem}"
    help = "use weights.transforms(), or Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]) after ToTensor"
    requires_text = ("weights", "pretrained")

    valid = [
        Valid("""
            import torchvision
            import torchvision.transforms as T
            from torch.utils.data import DataLoader
            model = torchvision.models.resnet18(weights="IMAGENET1K_V1")
            tf = T.Compose([T.Resize(224), T.ToTensor(), T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
            for x, y in DataLoader(torchvision.datasets.CIFAR10("data", transform=tf), batch_size=32, shuffle=True):
                loss_fn(model(x), y).backward()
        """, why="ImageNet statistics"),
        Valid("""
            import torchvision
            from torchvision.models import ResNet50_Weights
            from torch.utils.data import DataLoader
            weights = ResNet50_Weights.DEFAULT
            model = torchvision.models.resnet50(weights=weights)
            data = torchvision.datasets.ImageFolder("images", transform=weights.transforms())
            for x, y in DataLoader(data, batch_size=32, shuffle=True):
                loss_fn(model(x), y).backward()
        """, why="the weights' own preprocessing"),
        Valid("""
            import torchvision
            import torchvision.transforms as T
            from torch.utils.data import DataLoader
            model = torchvision.models.resnet18(weights=args.weights)
            data = torchvision.datasets.CIFAR10("data", transform=T.ToTensor())
            for x, y in DataLoader(data, batch_size=32, shuffle=True):
                loss_fn(model(x), y).backward()
        """, why="the weights come from configuration (maybe None): unknown"),
        Valid("""
            import torchvision
            import torchvision.transforms as T
            from torch.utils.data import DataLoader
            model = torchvision.models.resnet18(num_classes=10)
            data = torchvision.datasets.CIFAR10("data", transform=T.ToTensor())
            for x, y in DataLoader(data, batch_size=32, shuffle=True):
                loss_fn(model(x), y).backward()
        """, why="trained from scratch: any consistent normalisation works"),
        Valid("""
            import torchvision
            import torchvision.transforms as T
            from torch.utils.data import DataLoader
            normalize = T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
            model = torchvision.models.efficientnet_b0(weights="DEFAULT")
            data = torchvision.datasets.ImageFolder("images", transform=T.ToTensor())
            for x, y in DataLoader(data, batch_size=32, shuffle=True):
                x = normalize(x)
                loss_fn(model(x), y).backward()
        """, why="normalised in the loop"),
    ]
    invalid = [
        Invalid("""
            import torchvision
            from torchvision import transforms
            from torchvision.models import ResNet50_Weights
            from torch.utils.data import DataLoader
            model = torchvision.models.resnet50(weights=ResNet50_Weights.IMAGENET1K_V2)
            train_set = torchvision.datasets.ImageFolder("data/train", transform=transforms.Compose([
                transforms.RandomResizedCrop(224), transforms.ToTensor()]))
            for images, labels in DataLoader(train_set, batch_size=32, shuffle=True):
                loss = criterion(model(images), labels)
        """, line=6),
        Invalid("""
            import torchvision.models as models
            import torchvision.transforms as T
            from torchvision.datasets import CIFAR10
            from torch.utils.data import DataLoader
            tf = T.Compose([T.Resize(224), T.ToTensor(), T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
            train_loader = DataLoader(CIFAR10("data", train=True, transform=tf), batch_size=64, shuffle=True)
            def train(model, loader):
                for x, y in loader:
                    criterion(model(x.cuda()), y.cuda()).backward()
            train(models.vgg16(pretrained=True), train_loader)
        """, line=6),
        Invalid("""
            import torch
            import torchvision
            from torchvision.transforms import v2
            from torch.utils.data import DataLoader
            model = torchvision.models.mobilenet_v3_small(weights="DEFAULT")
            data = torchvision.datasets.Flowers102("data", split="train", transform=v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)]))
            for x, y in DataLoader(data, batch_size=16, shuffle=True):
                model(x).logsumexp(1).mean().backward()
        """, line=6),
    ]

    def visit_For(self, node: cst.For) -> None:
        loader = loader_of(self.context, node.iter)
        dataset = loader_dataset(self.context, loader) if loader is not None else None
        steps = dataset_pipeline(self.context, dataset) if dataset is not None else None
        names = batch_names(node)
        if dataset is None or not steps or not names or len(names) < 2 or any(step.name is None for step in steps):
            return
        problem = self._problem(steps)
        model = self._pretrained_model_fed(node, names[0]) if problem is not None else None
        transform = constructor_argument(self.context, dataset, None, "transform")
        if model is not None and transform is not None:
            self.report(transform[0], model=model, problem=problem)

    def _problem(self, steps: list[Step]) -> str | None:
        scaled = [index for index, step in enumerate(steps) if scales_to_unit(step, self.context)]
        if not scaled:
            return None
        normalizers = [step for step in steps[scaled[-1]:] if step.name == "Normalize"]
        if not normalizers:
            return "scales images to [0, 1] and never normalises them with ImageNet's mean and std"
        for step in normalizers:
            if step.call is None:
                return None
            mean = self._triple(syntax.argument(step.call, 0, "mean"))
            std = self._triple(syntax.argument(step.call, 1, "std"))
            if mean is None or std is None:
                return None
            if any(abs(a - b) > _TOLERANCE for a, b in zip((*mean, *std), (*_IMAGENET_MEAN, *_IMAGENET_STD))):
                return f"normalises with mean {list(mean)} and std {list(std)} instead of ImageNet's {list(_IMAGENET_MEAN)} and {list(_IMAGENET_STD)}"
        return None

    def _triple(self, node: cst.BaseExpression | None) -> tuple[float, ...] | None:
        if not isinstance(node, (cst.List, cst.Tuple)) or len(node.elements) != 3:
            return None
        values = [number(self.context, element.value) for element in node.elements]
        return tuple(v for v in values if v is not None) if all(v is not None for v in values) else None

    def _pretrained(self, model: Instance) -> bool:
        if model.call is None or not model.qualname.startswith("torchvision.models.") or not is_classifier_factory(model.qualname):
            return False
        weights = syntax.keyword(model.call, "weights")
        if weights is None:
            return syntax.literal_bool(getattr(syntax.keyword(model.call, "pretrained"), "value", None)) is True
        value = weights.value
        if isinstance(value, cst.Name) and (where := built_at(self.context, model)) is not None:
            found = reaching_value(self.context.info, value.value, where)
            value = found[0] if found is not None else value
        return _weights_value(value)

    def _pretrained_model_fed(self, loop: cst.For, images: str) -> str | None:
        env = self.context.env()
        for statement in syntax.walk_statements(syntax.body_statements(loop.body)):
            for small in syntax.small_statements(statement):
                for call in syntax.calls_in(small):
                    if not call.args or call.args[0].keyword is not None or same_values_root(call.args[0].value) != images:
                        continue
                    model = self.context.interpreter.value(call.func, env)
                    if isinstance(model, Instance) and self._pretrained(model):
                        return model.qualname.rsplit(".", 1)[-1]
                if (isinstance(small, cst.Assign) and any(images in syntax.names_in(t.target) for t in small.targets)
                        and same_values_root(small.value) != images):
                    return None
        return None


def _weights_value(node: cst.BaseExpression) -> bool:
    """``"IMAGENET1K_V1"``, ``"DEFAULT"``, ``ResNet50_Weights.IMAGENET1K_V2``: weights named, not a run-time choice."""
    if isinstance(node, cst.SimpleString):
        return True
    name = syntax.dotted_name(node) or ""
    return isinstance(node, cst.Attribute) and "_Weights" in name
