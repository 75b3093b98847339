"""Every public name is bound under the name users type, by a line a reader (and a type checker) can find."""
import ast
import importlib
import inspect
import pathlib
import re

import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.ops import recurrent

ROOT = pathlib.Path(mt.__file__).parent


def _public(ns: object) -> list[str]:
    return [n for n in dir(ns) if not n.startswith("_")]


def test_no_binding_loops_remain():
    sources = list(ROOT.rglob("*.py")) + list((ROOT.parent / "nn").rglob("*.py"))
    for path in sources:
        text = path.read_text()
        assert "globals().update" not in text, path
        assert "setattr(Tensor" not in text, path


def test_microtensor_namespace_has_no_helpers():
    private = [n for n in dir(mt) if n.startswith("_") and not n.startswith("__")]
    assert all(inspect.ismodule(getattr(mt, n)) for n in private), private   # submodules once imported
    names = {n for n in _public(mt) if not inspect.ismodule(getattr(mt, n))}
    assert names == {n for n in mt.__all__ if not inspect.ismodule(getattr(mt, n))}


def test_functional_namespace_has_no_helpers():
    private = [n for n in dir(F) if n.startswith("_") and not n.startswith("__")]
    assert all(inspect.ismodule(getattr(F, n)) for n in private), private   # only the ops modules F forms call
    assert set(_public(F)) == set(F.__all__)


def _names_of(ns: object) -> dict[int, set[str]]:
    """id(object) -> every public name ``ns`` binds it to (PyTorch-style aliases share one object)."""
    out: dict[int, set[str]] = {}
    for n in _public(ns):
        out.setdefault(id(inspect.getattr_static(ns, n) if isinstance(ns, type) else getattr(ns, n)), set()).add(n)
    return out


@pytest.mark.parametrize("ns", [mt, F, mt.Tensor], ids=["microtensor", "functional", "Tensor"])
def test_every_public_callable_is_named_as_users_type_it(ns):
    aliases = _names_of(ns)
    wrong = []
    for n in _public(ns):
        obj = inspect.getattr_static(ns, n) if isinstance(ns, type) else getattr(ns, n)
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if obj.__name__ != n and obj.__name__ not in aliases[id(obj)]:
            wrong.append(f"{n} is {obj.__name__}")
    assert not wrong, wrong


@pytest.mark.parametrize("name", ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"])
def test_recurrent_cells_are_top_level(name):
    assert getattr(mt, name) is getattr(recurrent, name)


@pytest.mark.parametrize("name, dtype", [("float", mt.float32), ("double", mt.float64), ("half", mt.float16),
                                         ("long", mt.int64), ("int", mt.int32), ("bool", mt.bool)])
def test_conversions_are_named_methods(name, dtype):
    method = mt.Tensor.__dict__[name]
    assert method.__name__ == name and method.__doc__
    assert getattr(mt.tensor([1.5, 0.0]), name)().dtype == dtype
    x = mt.zeros(2, dtype=dtype)
    assert getattr(x, name)() is x


def test_cpu_is_a_named_method():
    x = mt.zeros(2)
    assert mt.Tensor.cpu.__name__ == "cpu" and mt.Tensor.cpu.__doc__ and x.cpu() is x


@pytest.mark.parametrize("ns, name", [(F, "relu"), (F, "softmax"), (F, "log_softmax"), (F, "sigmoid"),
                                      (F, "tanh"), (mt, "dropout"), (mt, "embedding"), (mt, "rrelu"),
                                      (mt, "batch_norm"), (mt, "layer_norm"), (mt, "kl_div")])
def test_forms_that_differ_keep_their_public_name(ns, name):
    assert getattr(ns, name).__name__ == name


def _declared_methods() -> dict[str, ast.stmt]:
    """The names tensor.py declares for type checkers in Tensor's ``if TYPE_CHECKING:`` block."""
    tree = ast.parse((ROOT / "tensor.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    block = next(n for n in cls.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    out: dict[str, ast.stmt] = {}
    for stmt in block.body:
        name = stmt.targets[0].id if isinstance(stmt, ast.Assign) else stmt.name
        out[name] = stmt
    return out


def _bound_methods() -> dict[str, str]:
    """name -> the expression ``microtensor/ops/__init__.py`` binds ``Tensor.name`` to."""
    tree = ast.parse((ROOT / "ops" / "__init__.py").read_text())
    return {s.targets[0].attr: ast.unparse(s.value) for s in tree.body if isinstance(s, ast.Assign)
            and isinstance(s.targets[0], ast.Attribute) and ast.unparse(s.targets[0].value) == "Tensor"}


def test_type_checkers_see_every_bound_method():
    """Each ``Tensor.x = module.f`` line of ops/__init__.py has its ``x = _module.f`` twin in tensor.py."""
    declared, bound = _declared_methods(), _bound_methods()
    assert set(declared) == set(bound)
    for name, stmt in declared.items():
        if isinstance(stmt, ast.Assign):
            target = ast.unparse(stmt.value).lstrip("_").removeprefix("ops.")
            assert target == bound[name], (name, target, bound[name])
        else:   # operators made by a factory and properties: declared with a def
            assert not re.fullmatch(r"[a-z_]+\.\w+", bound[name]), name


# ----------------------------------------------------------------------------- no module uses another's private names
PACKAGE_DIRS = {"microtensor": ROOT, "microtensor.nn": ROOT.parent / "nn", "microtensor.optim": ROOT.parent / "optim"}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(package: str, name: str) -> bool:
    """Whether ``from package import name`` binds a module."""
    return inspect.ismodule(getattr(importlib.import_module(package), name, None))


def _private_uses(path: pathlib.Path) -> list[str]:
    """``from microtensor.x import _name``, and ``mod._name`` where ``mod`` is an imported microtensor module."""
    tree = ast.parse(path.read_text())
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("microtensor")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("microtensor"):
            for a in node.names:
                if _is_private(a.name):
                    found.append(f"{path}:{node.lineno}: from {node.module} import {a.name}")
                elif _is_module(node.module, a.name):
                    modules.add(a.asname or a.name)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and _is_private(node.attr) and isinstance(node.value, ast.Name)
                and node.value.id in modules):
            found.append(f"{path}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_imports_another_modules_private_names():
    """What modules share is named without a leading underscore; an underscore name stays in its module."""
    found = [use for d in PACKAGE_DIRS.values() for path in sorted(d.rglob("*.py")) for use in _private_uses(path)]
    assert not found, "\n".join(found)


def test_private_name_scan_finds_both_forms(tmp_path):
    path = tmp_path / "offender.py"
    path.write_text("from microtensor.random import _hidden\nfrom microtensor.ops import shape as sh\n"
                    "import microtensor as mt\nsh._private(mt._other, sh.public)\n")
    assert [u.split(": ", 1)[1] for u in _private_uses(path)] == [
        "from microtensor.random import _hidden", "sh._private", "mt._other"]


# ----------------------------------------------------------------------------- every ops module is registered
# modules of shared helpers: they define no op, so nothing of theirs is bound for users
OPS_HELPERS = {"bessel_math", "broadcasting", "checks", "float32_compute", "overlap", "selection", "special_math",
               "views"}
# where public names are bound: the functions, the Tensor methods, the F forms, torch.linalg and torch.special
REGISTRIES = (ROOT / "__init__.py", ROOT / "ops" / "__init__.py", ROOT.parent / "nn" / "functional.py",
              ROOT / "linalg.py", ROOT / "special.py")


def _ops_modules_imported(path: pathlib.Path) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "microtensor.ops":
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("microtensor.ops."):
            imported.add(node.module.split(".")[2])
    return imported


def test_every_ops_module_is_registered():
    """An op family no registry imports would be an orphan: its ops would reach no user (as ``recurrent`` was)."""
    modules = {p.stem for p in (ROOT / "ops").glob("*.py")} - {"__init__"}
    registered = set().union(*(_ops_modules_imported(path) for path in REGISTRIES))
    assert modules - OPS_HELPERS <= registered, sorted(modules - OPS_HELPERS - registered)
    assert OPS_HELPERS <= modules, sorted(OPS_HELPERS - modules)


@pytest.mark.parametrize("name", sorted(OPS_HELPERS))
def test_ops_helper_modules_define_no_op(name):
    module = importlib.import_module(f"microtensor.ops.{name}")
    bound = {id(getattr(ns, n)) for ns in (mt, F) for n in _public(ns)}
    bound |= {id(v) for v in vars(mt.Tensor).values()}
    for attr, value in vars(module).items():
        if getattr(value, "__module__", None) != module.__name__:
            continue                                   # imported, not defined here
        assert not (inspect.isclass(value) and issubclass(value, mt.autograd.Function)), attr
        assert id(value) not in bound, attr
