"""Gradient-flow checks (checklist items 23, 26, 35): parameters that get no gradient or no update, and vanishing/exploding gradients."""

from __future__ import annotations

from nnlint.diagnostic import Diagnostic
from nnlint.doctor.codes import GRADIENT_RATIO_LIMIT
from nnlint.doctor.findings import Location, finding, number
from nnlint.doctor.observations import Observations, ParamRecord

_SHOWN = 4


def check(obs: Observations, found: frozenset[str]) -> list[Diagnostic]:
    where = obs.model_call or obs.at_script
    trainable = [p for p in obs.params if p.requires_grad]
    no_grad = [p for p in trainable if not p.grad_seen]
    zero_grad = [p for p in trainable if p.grad_seen and not p.grad_nonzero]
    diagnostics = []
    if no_grad and obs.steps:
        diagnostics.append(finding("ND141", f"{_listed(no_grad)} never got a gradient in {len(obs.steps)} steps: not reachable from the loss", where,
                                   "look for .detach(), torch.no_grad(), .item()/.numpy() round trips or a layer that forward() never uses"))
    if zero_grad:
        diagnostics.append(finding("ND141", f"{_listed(zero_grad)} got only all-zero gradients in {len(obs.steps)} steps", where,
                                   "look for dead ReLUs before the layer, a multiplication by zero, or a loss term that does not depend on it"))
    diagnostics.extend(_frozen_head(obs, where))
    missing = [p for p in trainable if p.grad_seen and not p.in_optimizer]
    if missing:
        diagnostics.append(finding("ND143", f"{_listed(missing)} got gradients but belong to no optimizer group, so they never change", obs.optimizer_built or obs.step_call or where,
                                   "build the optimizer from model.parameters() after the model is complete"))
    diagnostics.extend(_depth_ratio(obs, where))
    return diagnostics


def _listed(params: list[ParamRecord]) -> str:
    layers = list(dict.fromkeys(f"{p.layer} ({p.layer_type})" if p.layer_type else p.layer for p in params))
    shown = ", ".join(layers[:_SHOWN]) + (f" and {len(layers) - _SHOWN} more" if len(layers) > _SHOWN else "")
    return f"{len(params)} parameter(s) in {shown}"


def _frozen_head(obs: Observations, where: Location) -> list[Diagnostic]:
    """Frozen parameters after the last trainable layer (the head), or a trained model with nothing trainable."""
    if not obs.params:
        return []
    frozen = [p for p in obs.params if not p.requires_grad]
    if len(frozen) == len(obs.params):
        return [finding("ND142", f"every parameter of the trained model is frozen (requires_grad=False): {_listed(frozen)}", where,
                        "unfreeze at least the layers you mean to train: p.requires_grad_(True)")]
    order = {name: layer.order for name, layer in obs.layers.items()}
    trainable_orders = [order[p.layer] for p in obs.params if p.requires_grad and p.layer in order]
    if not trainable_orders:
        return []
    last = max(trainable_orders)
    head = [p for p in frozen if order.get(p.layer, -1) > last]
    if not head:
        return []
    return [finding("ND142", f"the output layers are frozen (requires_grad=False) after the last trainable layer: {_listed(head)}", where,
                    "freeze the backbone only; the head must train: p.requires_grad_(True) for its parameters")]


def _depth_ratio(obs: Observations, where: Location) -> list[Diagnostic]:
    """First vs last layer's relative gradient at step 0, embeddings left out.

    An embedding gets gradient only on the rows a batch looks up (a few of
    thousands), so its ||g||/||w|| is tiny by construction: comparing it with a
    dense output layer is not like with like.
    """
    layers = sorted((layer for layer in obs.layers.values() if layer.relative_grad and layer.role != "embedding"), key=lambda layer: layer.order)
    if len(layers) < 3:
        return []
    first, last = layers[0], layers[-1]
    ratio = (first.relative_grad or 0) / (last.relative_grad or 1)
    detail = (f"||g||/||w|| of the first layer {first.label} is {number(first.relative_grad or 0)} "
              f"and of the last layer {last.label} {number(last.relative_grad or 0)} (ratio {number(ratio)})")
    if ratio < 1 / GRADIENT_RATIO_LIMIT:
        return [finding("ND144", f"vanishing gradients at step 0: {detail}, below 1/{GRADIENT_RATIO_LIMIT:g}", first.defined or where,
                        "use ReLU-family activations, He/Xavier initialisation, normalisation layers or residual connections")]
    if ratio > GRADIENT_RATIO_LIMIT:
        return [finding("ND145", f"exploding gradients at step 0: {detail}, above {GRADIENT_RATIO_LIMIT:g}", first.defined or where,
                        "clip the gradient norm (torch.nn.utils.clip_grad_norm_), lower the initial weight scale or add normalisation layers")]
    return []
