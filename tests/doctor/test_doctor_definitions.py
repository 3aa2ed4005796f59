"""Layer findings land on the user's line that builds the layer (``self.fc1 = ...``), not on the model call."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
from torch import nn

from nnlint.doctor.child import run_in_this_process
from nnlint.doctor.definitions import definition


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.mlp = nn.Sequential(nn.Linear(3, 3), nn.ReLU())


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([Block(), Block()])
        self.head = nn.Linear(3, 2)


def line_of(cls: type, text: str) -> int:
    lines, first = inspect.getsourcelines(cls)
    return first - 1 + next(i for i, line in enumerate(lines) if text in line)


def test_a_layer_is_found_at_its_assignment_in_the_nearest_user_class() -> None:
    net = Net()
    assert definition(net, net.head).line == line_of(Net, "self.head =")
    assert definition(net, net.blocks[1].conv).line == line_of(Block, "self.conv =")
    found = definition(net, net.blocks[0].mlp[0])  # inside a library container: the line that builds the container
    assert found is not None and found.line == line_of(Block, "self.mlp =") and found.path.endswith("test_doctor_definitions.py")


def test_a_model_built_at_the_top_of_a_script_is_unknown() -> None:
    model = nn.Sequential(nn.Linear(3, 3))
    assert definition(model, model[0]) is None


def test_an_exploding_layer_is_reported_where_it_is_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "train.py"
    script.write_text(
        "import torch\nfrom torch import nn\n\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc1 = nn.Linear(20, 64)\n"
        "        nn.init.normal_(self.fc1.weight, std=30.0)\n"
        "        self.fc2 = nn.Linear(64, 64)\n"
        "        self.out = nn.Linear(64, 4)\n\n"
        "    def forward(self, x):\n"
        "        return self.out(torch.relu(self.fc2(torch.relu(self.fc1(x)))))\n\n\n"
        "torch.manual_seed(0)\n"
        "model = Net()\n"
        "optimizer = torch.optim.SGD(model.parameters(), lr=1e-4)\n"
        "x, y = torch.randn(32, 20), torch.arange(32) % 4\n"
        "for step in range(5):\n"
        "    loss = nn.functional.cross_entropy(model(x), y)\n"
        "    optimizer.zero_grad()\n"
        "    loss.backward()\n"
        "    optimizer.step()\n")
    monkeypatch.chdir(tmp_path)
    report = run_in_this_process("train.py", [], steps=3, timeout=60)
    found = [d for d in report.diagnostics if d.code == "ND151"]
    assert found and found[0].line == 7, [(d.code, d.line, d.message) for d in report.diagnostics]  # self.fc1 = nn.Linear(20, 64)


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "doctor"


@pytest.mark.parametrize(("script", "code", "built"), [
    ("sorted_labels_bug.py", "ND104", "train = loader("),  # shuffle=False is fixed where the DataLoader is built
    ("lr_too_high_bug.py", "ND161", "optimizer = torch.optim.SGD("),  # the learning rate is fixed where the optimizer is built
])
def test_data_and_learning_rate_findings_land_where_the_loader_or_optimizer_is_built(script: str, code: str, built: str) -> None:
    report = run_in_this_process(str(FIXTURES / script), [], steps=10, timeout=60)
    found = [d for d in report.diagnostics if d.code == code]
    lines = (FIXTURES / script).read_text().splitlines()
    assert found and lines[found[0].line].startswith(built), [(d.code, d.line) for d in report.diagnostics]
