from __future__ import annotations

import libcst as cst

from nnlint.analysis.modules import class_info, derives_from, result_sources
from nnlint.analysis.torch_api import AUTOGRAD_FUNCTION_BASES
from nnlint.rule import Invalid, Rule, Valid

_BACKWARD_NAMES = frozenset(("backward", "vjp"))


class CustomBackwardIgnoresGradOutput(Rule):
    """A custom `autograd.Function.backward` returns gradients that do not depend on `grad_output`.

    ## What it does
    For every `backward` (or `vjp`) of a `torch.autograd.Function` subclass —
    directly, through an alias import or through the project's own base classes —
    follows the values it returns back through its assignments (`grad = ...`,
    `grad[mask] = 0`, `grad.mul_(...)`, kernels that fill their arguments, nested
    helpers) and reports when the values of none of the incoming gradients
    (`grad_output`, every parameter after `ctx`, `*grad_outputs`) reach them —
    taking only their shape, dtype or device (`torch.ones_like(grad_output)`,
    `grad_output.new_zeros(n)`) does not count. A `backward` that returns only `None` (a
    deliberately non-differentiable op) or raises is left alone; with several
    outputs it is enough that one incoming gradient is used.

    ## Why is this bad?
    `backward` computes a vector-Jacobian product: the gradient of the loss with
    respect to the inputs is the local derivative **times** the gradient that
    flows in from the layers after it (the chain rule). Returning the local
    derivative alone (`return 2 * x`) gives every input the same gradient
    whatever the loss is, so the layers before it learn nonsense while training
    runs without error (checklist items 22 and 26). `torch.autograd.gradcheck`
    on double-precision inputs catches it.

    ## Example
    ```python
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2 * x
    ```

    ## Use instead
    ```python
        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 2 * x
    ```
    and check it with `torch.autograd.gradcheck(Square.apply, (torch.randn(4, dtype=torch.double, requires_grad=True),))`.
    """

    code = "NN316"
    name = "custom-backward-ignores-grad-output"
    checklist = (22, 26)
    message = "{cls}.{method} never uses {grads}: the gradients it returns ignore the gradient flowing in from later layers (chain rule)"
    help = "multiply the local derivative by the incoming gradient: return grad_output * d_out/d_in; check with torch.autograd.gradcheck"
    requires_text = ("backward", "vjp")

    valid = [
        Valid("""
            import torch
            class MyReLU(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    ctx.save_for_backward(x)
                    return x.clamp(min=0)
                @staticmethod
                def backward(ctx, grad_output):
                    (x,) = ctx.saved_tensors
                    grad_input = grad_output.clone()
                    grad_input[x < 0] = 0
                    return grad_input
        """, why="the incoming gradient is copied, then masked in place"),
        Valid("""
            from torch.autograd import Function
            class StraightThrough(Function):
                @staticmethod
                def forward(ctx, x, threshold):
                    return (x > threshold).float()
                @staticmethod
                def backward(ctx, grad):
                    return grad.clamp(-1, 1), None
            class ArgMax(Function):
                @staticmethod
                def forward(ctx, x):
                    return x.argmax(1)
                @staticmethod
                def backward(ctx, grad_output):
                    return None
        """, why="a straight-through estimator passes the gradient on; a non-differentiable op returns None"),
        Valid("""
            import torch
            class TopK(torch.autograd.Function):
                @staticmethod
                def backward(ctx, grad_values, grad_indices):
                    (indices, shape) = ctx.saved
                    def scatter():
                        out = grad_values.new_zeros(shape)
                        return out.scatter(1, indices, grad_values)
                    return scatter()
        """, why="one of several incoming gradients is used, inside a nested helper"),
        Valid("""
            class Layer:
                def backward(self, dout):
                    return self.cache * 2
        """, why="not a torch.autograd.Function"),
    ]
    invalid = [
        Invalid("""
            import torch
            class Square(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    ctx.save_for_backward(x)
                    return x * x
                @staticmethod
                def backward(ctx, grad_output):
                    (x,) = ctx.saved_tensors
                    return 2 * x
        """, line=8),
        Invalid("""
            import torch
            from torch.autograd import Function as AF
            class GradReverse(AF):
                @staticmethod
                def forward(ctx, x, alpha):
                    ctx.alpha = alpha
                    return x.view_as(x)
                @staticmethod
                def backward(ctx, grad_output):
                    print(grad_output.norm())
                    grad = -ctx.alpha * torch.ones_like(grad_output)
                    return grad, None
        """, line=9),
        Invalid("""
            import torch
            class Base(torch.autograd.Function):
                pass
            class RoundSTE(Base):
                @staticmethod
                def forward(ctx, x):
                    ctx.save_for_backward(x)
                    return x.round()
                @staticmethod
                def backward(ctx, *grad_outputs):
                    (x,) = ctx.saved_tensors
                    return torch.ones_like(x)
        """, line=10),
    ]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value not in _BACKWARD_NAMES or len(self.context.ancestors) < 3:
            return
        owner = self.context.ancestors[-3]
        if not isinstance(owner, cst.ClassDef) or not derives_from(class_info(owner, self.context.info), AUTOGRAD_FUNCTION_BASES):
            return
        params = node.params
        grads = [param.name.value for param in [*params.posonly_params, *params.params][1:]]
        if isinstance(params.star_arg, cst.Param):
            grads.append(params.star_arg.name.value)
        sources = result_sources(node, self.context.info)
        if not grads or sources is None or sources & set(grads):
            return
        shown = grads[0] if len(grads) == 1 else f"any of {', '.join(grads)}"
        self.report(node.name, cls=owner.name.value, method=node.name.value, grads=shown)
