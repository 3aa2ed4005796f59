from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.bindings import here
from nnlint.analysis.pipelines import Step, constructor_argument, is_eval_name, literal_string, name_words, pipeline, value_at, words
from nnlint.analysis.torch_api import IMAGE_FOLDER_DATASETS, RANDOM_SPLITS
from nnlint.analysis.values import Instance
from nnlint.rule import Invalid, Rule, Valid

_RANDOM = frozenset(("ColorJitter", "RandAugment", "AutoAugment", "TrivialAugmentWide", "AugMix", "ElasticTransform", "MixUp", "CutMix", "ScaleJitter"))


def _random(step: Step) -> bool:
    return step.name is not None and (step.name.startswith("Random") or step.name in _RANDOM)


class RandomTransformOnEvalData(Rule):
    """Validation or test data goes through random augmentation, or through the training transform.

    ## What it does
    Finds datasets that hold evaluation data — `train=False`, `split="val"/"test"`, a
    root path or a variable named `val`/`test`/`valid`/`eval` — and reports when their
    `transform` contains a random transform (`Random*`, `ColorJitter`, `RandAugment`,
    `AutoAugment`, `TrivialAugmentWide`, `AugMix`...), followed through `Compose`,
    nested pipelines and names, or is the training transform (`train_transform`,
    `transforms["train"]`) whose steps are not known to be deterministic. Also reports
    `random_split` of a dataset with random transforms into a validation part: the
    subsets share the parent's transform. Transforms named for test-time augmentation
    (`tta`) are left alone.

    ## Why is this bad?
    Augmentation belongs to training (checklist item 13). On evaluation data it makes
    every metric noisy and pessimistic — accuracy changes from run to run on the same
    weights — and model selection by validation score becomes a lottery. The same
    preprocessing, minus the randomness, must be applied to every split (item 15).

    ## Example
    ```python
    train_set = CIFAR10(root, train=True, transform=train_transform)
    test_set = CIFAR10(root, train=False, transform=train_transform)
    ```

    ## Use instead
    ```python
    test_transform = T.Compose([T.ToTensor(), T.Normalize(mean, std)])
    test_set = CIFAR10(root, train=False, transform=test_transform)
    ```
    and with `random_split`, build two datasets over the same files with different
    transforms and split their indices.
    """

    code = "NN202"
    name = "random-transform-on-eval-data"
    checklist = (13, 15)
    message = "{data} holds evaluation data ({evidence}) but {problem}: its metrics come from randomly augmented samples"
    help = "give validation/test data a deterministic transform (resize, center crop, to tensor, normalize)"
    requires_text = ("transform",)

    valid = [
        Valid("""
            import torchvision
            import torchvision.transforms as T
            train_tf = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(), T.ToTensor()])
            test_tf = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,))])
            train_set = torchvision.datasets.CIFAR10("data", train=True, transform=train_tf)
            test_set = torchvision.datasets.CIFAR10("data", train=False, transform=test_tf)
        """, why="random transforms on training data only"),
        Valid("""
            import os
            from torchvision import datasets, transforms
            data_transforms = {
                "train": transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor()]),
                "val": transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor()]),
            }
            image_datasets = {x: datasets.ImageFolder(os.path.join(data_dir, x), data_transforms[x]) for x in ["train", "val"]}
        """, why="the transfer-learning tutorial idiom: each split gets its own transform"),
        Valid("""
            from torchvision import datasets, transforms as T
            train_transform = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
            test_data = datasets.MNIST("data", train=False, transform=train_transform)
        """, why="the training transform is known to be deterministic: sharing it is fine"),
        Valid("""
            from my_project.data import SkinLesions, get_transform
            val_ds = SkinLesions(val_df, transform=get_transform(train=False))
            test_ds = SkinLesions(test_df, transform=train_tf if args.augment_test else test_tf)
        """, why="a factory asked for the evaluation transform; a choice made at run time"),
        Valid("""
            from torchvision import datasets, transforms as T
            tta_transform = T.Compose([T.RandomHorizontalFlip(), T.ToTensor()])
            test_set = datasets.ImageFolder("data/test", transform=tta_transform)
        """, why="test-time augmentation on purpose"),
        Valid("""
            from torch.utils.data import random_split
            from torchvision import datasets, transforms as T
            full = datasets.ImageFolder("data", transform=T.Compose([T.Resize(64), T.ToTensor()]))
            train_ds, val_ds = random_split(full, [0.8, 0.2])
        """, why="the shared transform is deterministic"),
    ]
    invalid = [
        Invalid("""
            import torchvision
            import torchvision.transforms as transforms
            transform_train = transforms.Compose([
                transforms.RandomCrop(32, padding=4),
                transforms.RandomHorizontalFlip(),
                transforms.ToTensor(),
            ])
            testset = torchvision.datasets.CIFAR10(root="./data", train=False, download=True, transform=transform_train)
        """, line=8),
        Invalid("""
            from torchvision import datasets, transforms
            val_dataset = datasets.ImageFolder(valdir, transforms.Compose([
                transforms.RandomResizedCrop(224),
                transforms.ToTensor(),
            ]))
        """, line=2),
        Invalid("""
            import torch
            from torchvision import datasets
            from torchvision.transforms import v2
            augment = v2.Compose([v2.ToImage(), v2.RandAugment(), v2.ToDtype(torch.float32, scale=True)])
            full = datasets.ImageFolder("images", transform=augment)
            train_ds, val_ds = torch.utils.data.random_split(full, [0.9, 0.1])
        """, line=6),
        Invalid("""
            from my_project.data import SkinLesions, get_transforms
            transforms = get_transforms()
            valid_ds = SkinLesions(valid_df, transform=transforms["train"])
        """, line=3),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.context.qualify(node.func)
        if qualname in RANDOM_SPLITS:
            self._check_split(node)
            return
        folder = qualname in IMAGE_FOLDER_DATASETS
        transform = syntax.argument(node, 1, "transform") if folder else getattr(syntax.keyword(node, "transform"), "value", None)
        if transform is None or syntax.has_star_args(node):
            return
        evidence = self._evidence(node)
        where = here(self.context)
        if evidence is None or where is None or "tta" in name_words(transform):
            return
        steps = pipeline(self.context, transform, where)
        problem = self._problem(transform, steps)
        if problem is not None:
            self.report(transform, data=self._data_name(node), evidence=evidence, problem=problem)

    def _problem(self, transform: cst.BaseExpression, steps: list[Step]) -> str | None:
        random = [step.name for step in steps if _random(step)]
        if random:
            return f"its transform applies {', '.join(dict.fromkeys(name for name in random if name))}"
        named = isinstance(transform, (cst.Name, cst.Attribute, cst.Subscript))  # not get_transform(train=False), not an if-expression
        if named and {"train", "training"} & name_words(transform) and any(step.name is None for step in steps):
            return f"its transform is the training transform `{self.context.module.code_for_node(transform)}`"
        return None

    def _evidence(self, node: cst.Call) -> str | None:
        """Why the dataset built by ``node`` is evaluation data; None when it is not known to be."""
        train = syntax.literal_bool(getattr(syntax.keyword(node, "train"), "value", None))
        if train is not None:
            return "train=False" if train is False else None
        split = literal_string(getattr(syntax.keyword(node, "split"), "value", None))
        if split is not None:
            return f'split="{split}"' if is_eval_name(words(split)) else None
        name = self._data_name(node)
        if name is not None and words(name) & {"train", "training"}:
            return None
        if name is not None and is_eval_name(words(name)):
            return f"it is named {name}"
        root = syntax.argument(node, 0, "root")
        if root is not None and is_eval_name(name_words(root)):
            return f"it is read from {self.context.module.code_for_node(root)}"
        return None

    def _data_name(self, node: cst.Call) -> str | None:
        parent = self.context.ancestors[-2] if len(self.context.ancestors) > 1 else None
        if isinstance(parent, cst.Assign) and parent.value is node and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            return parent.targets[0].target.value
        return None

    def _check_split(self, node: cst.Call) -> None:
        parent = self.context.ancestors[-2] if len(self.context.ancestors) > 1 else None
        if not isinstance(parent, cst.Assign) or parent.value is not node or ".transform =" in self.context.text:
            return
        names = [n for t in parent.targets for n in syntax.names_in(t.target)]
        held_out = [name for name in names if is_eval_name(words(name))]
        dataset = syntax.argument(node, 0, "dataset")
        where = here(self.context)
        if not held_out or dataset is None or where is None:
            return
        value = value_at(self.context, dataset, where)
        steps = self._dataset_steps(value)
        random = [step.name for step in steps if _random(step)]
        if random:
            self.report(node, data=held_out[0], evidence="a random_split of the same dataset",
                        problem=f"it shares the parent dataset's transform, which applies {', '.join(dict.fromkeys(n for n in random if n))}")

    def _dataset_steps(self, value: object) -> list[Step]:
        if not isinstance(value, Instance):
            return []
        found = constructor_argument(self.context, value, None, "transform")
        if found is None and value.qualname in IMAGE_FOLDER_DATASETS:
            found = constructor_argument(self.context, value, 1, "transform")
        return pipeline(self.context, *found) if found is not None else []
