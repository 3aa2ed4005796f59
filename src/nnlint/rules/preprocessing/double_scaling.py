from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.context import FileContext
from nnlint.analysis.bindings import here
from nnlint.analysis.pipelines import (
    Step,
    batch_names,
    dataset_pipeline,
    loader_dataset,
    loader_of,
    number,
    pipeline,
    scales_to_unit,
    transform_name,
)
from nnlint.analysis.torch_api import VALUE_KEEPING_METHODS
from nnlint.analysis.values import Instance
from nnlint.rule import Invalid, Rule, Valid

#: steps after which the values are no longer known to be in [0, 1]
_RESCALING = frozenset(("Lambda", "ConvertImageDtype", "ToDtype", "ToPILImage", "PILToTensor", "ToImage", "ToTensor", "LinearTransformation"))
_UINT8 = frozenset(("PILToTensor",))
_SAME_RANGE = VALUE_KEEPING_METHODS | {"view", "reshape", "flatten", "squeeze", "unsqueeze", "permute", "transpose"}


class DoubleScaling(Rule):
    """Pixels are scaled to [0, 1] twice, or normalised twice.

    ## What it does
    Follows torchvision pipelines (`Compose`, nested, through names) and reports:
    - a division by 255 of images that `ToTensor()` / `ToDtype(..., scale=True)` /
      `ConvertImageDtype(torch.float)` already scaled to [0, 1] — in a `Lambda` later in
      the pipeline, or on the batches of a `DataLoader` over a torchvision dataset with
      that pipeline;
    - two `Normalize` steps in one pipeline (an inverse `Normalize`, with negative means,
      is left alone).

    Only inputs known to be 8-bit are judged: the PIL images of torchvision datasets, or
    the output of `PILToTensor()`. `ToTensor()` does not scale float arrays, so a
    standalone pipeline whose input is unknown is not reported for the division.

    ## Why is this bad?
    Divided twice, pixels live in [0, 0.004]: the inputs are almost constant, the
    first layer's activations are tiny and training crawls or stalls; with pretrained
    weights the model sees images unlike anything it was trained on (checklist items 12
    and 14). Normalising twice shifts and stretches the inputs the same way.

    ## Example
    ```python
    train_set = CIFAR10(root, transform=T.Compose([T.ToTensor()]))
    for images, labels in DataLoader(train_set, batch_size=64, shuffle=True):
        images = images / 255.0
    ```

    ## Use instead
    ```python
    for images, labels in DataLoader(train_set, batch_size=64, shuffle=True):
        ...  # ToTensor already gives values in [0, 1]
    ```
    """

    code = "NN204"
    name = "double-scaling"
    checklist = (12, 14)
    message = "{problem}"
    help = "scale to [0, 1] once (ToTensor / ToDtype(scale=True)) and normalise once"
    requires_text = ("transforms",)

    valid = [
        Valid("""
            from torchvision import datasets, transforms
            train_set = datasets.MNIST("data", train=True, transform=transforms.Compose([
                transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
            images = train_set.data.float() / 255
        """, why="the raw uint8 .data array is scaled once"),
        Valid("""
            import torchvision.transforms as T
            normalize = T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
            unnormalize = T.Normalize(mean=[-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225], std=[1 / 0.229, 1 / 0.224, 1 / 0.225])
            roundtrip = T.Compose([normalize, unnormalize])
        """, why="the second Normalize inverts the first"),
        Valid("""
            import torchvision.transforms as T
            to_unit = T.Compose([T.ToTensor(), T.Lambda(lambda x: x / 255.0)])
        """, why="the input is not known: ToTensor leaves float arrays unscaled"),
        Valid("""
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms
            train_set = datasets.CIFAR10("data", transform=transforms.PILToTensor())
            for images, labels in DataLoader(train_set, batch_size=64, shuffle=True):
                images = images.float() / 255
        """, why="PILToTensor keeps uint8: dividing once is right"),
    ]
    invalid = [
        Invalid("""
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms
            transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
            train_set = datasets.FashionMNIST("data", train=True, download=True, transform=transform)
            loader = DataLoader(train_set, batch_size=64, shuffle=True)
            for epoch in range(10):
                for images, labels in loader:
                    images = images.to(device) / 255.0
        """, line=8),
        Invalid("""
            import torchvision.transforms as T
            from torchvision.datasets import ImageFolder
            tf = T.Compose([T.Resize(64), T.ToTensor(), T.Lambda(lambda x: x / 255)])
            data = ImageFolder("images", transform=tf)
        """, line=3),
        Invalid("""
            import torchvision.transforms as T
            normalize = T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
            base = T.Compose([T.Resize(256), T.ToTensor(), normalize])
            pipeline = T.Compose([base, T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
        """, line=4),
        Invalid("""
            import torch
            import torchvision.transforms as T
            tf = T.Compose([T.PILToTensor(), T.ConvertImageDtype(torch.float), T.Lambda(lambda t: t.div(255))])
        """, line=3),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._reported: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        name = transform_name(self.context.qualify(node.func))
        where = here(self.context)
        if where is None:
            return
        if name == "Compose":
            steps = pipeline(self.context, node, where)
            self._twice_normalized(steps)
            self._lambda_after_scaling(steps, uint8_input=False)
            return
        value = self.context.value(node) if (self.context.qualify(node.func) or "").startswith("torchvision.datasets.") else None
        steps_of_data = dataset_pipeline(self.context, value) if isinstance(value, Instance) else None
        if steps_of_data is not None:
            self._lambda_after_scaling(steps_of_data, uint8_input=True)

    def visit_For(self, node: cst.For) -> None:
        loader = loader_of(self.context, node.iter)
        dataset = loader_dataset(self.context, loader) if loader is not None else None
        steps = dataset_pipeline(self.context, dataset) if dataset is not None else None
        names = batch_names(node)
        if not steps or not names or len(names) < 2 or not _ends_in_unit_range(steps, self.context):
            return
        images = names[0]
        for statement in syntax.walk_statements(syntax.body_statements(node.body)):
            for small in syntax.small_statements(statement):
                division = self._division(small, images)
                if division is not None:
                    self._report(division, f"`{images}` is divided by 255 again: the dataset's pipeline already scaled it to [0, 1]")
                    return
                if _rebinds(small, images):
                    return

    def _division(self, node: cst.CSTNode, name: str) -> cst.CSTNode | None:
        if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.DivideAssign) and isinstance(node.target, cst.Name):
            return node if node.target.value == name and number(self.context, node.value) == 255 else None
        stack = [node]
        while stack:
            current = stack.pop()
            if (isinstance(current, cst.BinaryOperation) and isinstance(current.operator, cst.Divide)
                    and _value_root(current.left) == name and number(self.context, current.right) == 255):
                return current
            if (isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute) and current.func.attr.value in ("div", "div_", "true_divide")
                    and _value_root(current.func.value) == name and number(self.context, syntax.argument(current, 0, "other")) == 255):
                return current
            if not isinstance(current, cst.Lambda):
                stack.extend(syntax.children(current))
        return None

    def _twice_normalized(self, steps: list[Step]) -> None:
        normalizers = [step for step in steps if step.name == "Normalize" and not _inverse(step)]
        if len(normalizers) >= 2:
            self._report(normalizers[1].node, "the pipeline normalises twice: a second Normalize shifts and stretches already normalised inputs")

    def _lambda_after_scaling(self, steps: list[Step], uint8_input: bool) -> None:
        scaled, scaled_at = False, 0
        for index, step in enumerate(steps):
            if step.name == "Lambda" and scaled and step.call is not None:
                function = syntax.argument(step.call, 0, "lambd")
                if (isinstance(function, cst.Lambda) and len(function.params.params) == 1
                        and self._division(function.body, function.params.params[0].name.value) is not None):
                    self._report(step.node, f"this Lambda divides by 255 images that {steps[scaled_at].name} already scaled to [0, 1]")
                    return
            if scales_to_unit(step, self.context) and (uint8_input or (step.name != "ToTensor" and any(s.name in _UINT8 for s in steps[:index]))):
                scaled, scaled_at = True, index
            elif step.name is None or step.name in _RESCALING:
                scaled = False

    def _report(self, node: cst.CSTNode, problem: str) -> None:
        if id(node) not in self._reported:
            self._reported.add(id(node))
            self.report(node, problem=problem)


def _ends_in_unit_range(steps: list[Step], context: FileContext) -> bool:
    """The pipeline's output is in [0, 1] (or normalised from it): a scaling step, then only range-keeping steps."""
    for index in range(len(steps) - 1, -1, -1):
        if scales_to_unit(steps[index], context):
            return True
        if steps[index].name is None or steps[index].name in _RESCALING:
            return False
    return False


def _value_root(node: cst.BaseExpression) -> str | None:
    """``x`` for ``x``, ``x.to(device)``, ``x.view(-1, 784)``: the same values, moved, cast or reshaped."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _SAME_RANGE:
        node = node.func.value
    return node.value if isinstance(node, cst.Name) else None


def _inverse(step: Step) -> bool:
    """``Normalize(mean=[-m / s ...], std=[1 / s ...])`` undoes a normalisation."""
    if step.call is None:
        return True  # not known
    stack: list[cst.CSTNode] = [step.call]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.UnaryOperation) and isinstance(current.operator, cst.Minus):
            return True
        stack.extend(syntax.children(current))
    return False


def _rebinds(small: cst.BaseSmallStatement, name: str) -> bool:
    """``name = <anything but the same tensor moved or cast>``."""
    if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
        if any(name in syntax.names_in(target) for target in targets):
            return not (isinstance(small, cst.Assign) and small.value is not None and _value_root(small.value) == name)
    return False
