"""Configuration as values: argparse defaults, ``os.environ.get`` defaults.

``parser.add_argument("--lr", type=float, default=1.0)`` then ``args = parser.parse_args()``
makes ``args.lr`` the constant 1.0, marked ``overridable``: it is what the script does
unless told otherwise on the command line, and messages say so. The parser's options
are kept in the interpreter's state (``Env.fields`` of the parser object) until
``parse_args()`` turns them into a namespace object whose ``arguments`` hold them.
"""

from __future__ import annotations

import libcst as cst

from nnlint.analysis import syntax
from nnlint.analysis.containers import NAMESPACE, Evaluate, call_arguments
from nnlint.analysis.env import Env
from nnlint.analysis.values import UNKNOWN, Arguments, Constant, Instance, Mapping, Sequence, Value

PARSERS = frozenset(("argparse.ArgumentParser",))
_STORE_CONSTANTS = {"store_true": False, "store_false": True}
_CONVERTERS = {"int": int, "float": float, "str": str}


def option_name(arguments: Arguments) -> str | None:
    """The attribute an ``add_argument`` call sets: ``dest=``, else the first long option (``--batch-size`` -> ``batch_size``)."""
    dest = arguments.keywords.get("dest")
    if isinstance(dest, Constant) and isinstance(dest.value, str):
        return dest.value
    flags = [value.value for value in arguments.positional if isinstance(value, Constant) and isinstance(value.value, str)]
    if len(flags) != len(arguments.positional) or not flags:
        return None
    long = next((flag for flag in flags if flag.startswith("--")), None)
    chosen = long or flags[0]
    return chosen.lstrip("-").replace("-", "_") or None


def option_default(arguments: Arguments, converter: str | None) -> Value:
    """What the option holds when the command line does not set it."""
    action = arguments.keywords.get("action")
    default = arguments.keywords.get("default")
    if isinstance(action, Constant) and action.value in _STORE_CONSTANTS:
        value: Value = default if default is not None else Constant(_STORE_CONSTANTS[action.value])  # type: ignore[index]
    elif action is not None:
        return UNKNOWN
    else:
        value = default if default is not None else Constant(None)
    if not isinstance(value, Constant):
        return UNKNOWN
    if isinstance(value.value, str) and converter in _CONVERTERS:  # argparse converts string defaults with type=
        try:
            return Constant(_CONVERTERS[converter](value.value), True, value.origin)
        except ValueError:
            return UNKNOWN
    return Constant(value.value, True, value.origin)


def namespace(options: dict[str, Value], node: cst.Call, module_key: str) -> Instance:
    """The object ``parse_args()`` returns: its attributes are the options' defaults."""
    return Instance(NAMESPACE, node, module_key, arguments=Arguments((), Mapping(tuple(options.items()))))


def environ_default(arguments: Arguments) -> Value:
    """``os.environ.get("LR", "0.1")`` / ``os.getenv("LR", "0.1")``: the default, a string the environment may override."""
    default = arguments.positional[1] if len(arguments.positional) > 1 else arguments.keywords.get("default")
    return Constant(default.value, True, default.origin) if isinstance(default, Constant) else UNKNOWN


def parser_call(parser: Instance, method: str, node: cst.Call, env: Env, evaluate: Evaluate, made: dict[object, Instance], module_key: str) -> Value:
    """argparse: options are collected on the parser (in ``env``); ``parse_args()`` makes the namespace of their defaults
    (one per call, kept in ``made``)."""
    if method in ("add_argument_group", "add_mutually_exclusive_group"):
        return parser
    arguments = call_arguments(node, evaluate)
    if method == "add_argument" and (name := option_name(arguments)) is not None:
        kind = syntax.keyword(node, "type")
        env.fields[(parser, name)] = option_default(arguments, syntax.dotted_name(kind.value) if kind else None)
    elif method == "set_defaults":
        env.fields.update(((parser, name), Constant(v.value, True, v.origin) if isinstance(v, Constant) else UNKNOWN) for name, v in arguments.keywords.entries if isinstance(name, str))
    elif method in ("parse_args", "parse_known_args") and not arguments.positional and arguments.keywords.get("args") is None:
        if id(node) not in made:
            made[id(node)] = namespace({name: value for (owner, name), value in env.fields.items() if owner is parser}, node, module_key)
        return made[id(node)] if method == "parse_args" else Sequence((made[id(node)], UNKNOWN))
    return UNKNOWN
