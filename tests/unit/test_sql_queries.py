"""Every query the code calls exists in sql/ with the parameters it is given.

Repositories call the aiosql queries through an untyped object, so neither mypy nor an
import notices a renamed query or a changed parameter list. This check does, without a
database: it loads the catalogue with the application's own loader, then follows with
``ast`` every value read from a ``.queries`` attribute (``Database.queries``,
``Session.queries``) through local names, ``self`` attributes, tuple assignments,
closures and the parameters of constructors and functions, and reports

- a call of a query that is not in sql/, whose keyword arguments (``**`` spreads of
  dict literals, of dict-returning helpers and of loops over literal tables included)
  are not exactly the query's declared parameters, or whose first positional argument
  is not the connection;
- a use of the catalogue it cannot follow (``getattr`` with a computed name, a return,
  a container, a call it cannot resolve) and anything that looks like a query call on a
  value it could not resolve (two of: the receiver is named ``q``/``_q``/``queries``,
  the first argument is ``conn``, the method has a query's name), unless the use is
  listed in ``DYNAMIC_USES``;
- a query in sql/ that nothing under app/ calls, unless ``USED_OUTSIDE_APP`` lists it;
  then tests/, bench/ or .ci/ must call it or quote its name (bench/ reads queries out
  of sql/ by name).

Shapes followed today: ``self._q.<query>(...)`` with ``self._q = session.queries.<ctx>``
or ``database.queries.<ctx>`` set in ``__init__``, ``self._s.queries.<ctx>.<query>``,
``self.queries.<ctx>``/``self._db.queries.<ctx>``, a local ``q = database.queries.<ctx>``
(also by tuple assignment), a closure over ``queries = <database>.queries.<ctx>``,
and the catalogue or a context handed to a constructor (``OutboxWakeup``, ``_Run``).
"""

from __future__ import annotations

import ast
import difflib
import inspect
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from aiosql.types import SQLOperationType

from app.adapters.postgres.database import load_queries

REPO = Path(__file__).resolve().parents[2]
SQL_DIR = REPO / "sql"
APP_DIRS = ("app",)
# Their calls are checked too, and count as uses of a query (see USED_OUTSIDE_APP).
OTHER_DIRS = ("tests", "bench", ".ci")

# Calls whose ``**`` arguments cannot be resolved statically: (file, "context.query")
# -> where the keys come from. Only their explicit keywords are checked.
DYNAMIC_KWARGS: dict[tuple[str, str], str] = {
    ("app/adapters/postgres/booking.py", "booking.insert_service"): (
        "dataclasses.asdict(Service) without its version"
    ),
    ("app/adapters/postgres/booking.py", "booking.update_service"): (
        "dataclasses.asdict(Service) with the expected version"
    ),
}

# Deliberately dynamic uses of the catalogue: (file, source of the expression) -> why.
DYNAMIC_USES: dict[tuple[str, str], str] = {}

# Queries that no module under app/ calls, kept for tests/, bench/ or .ci/: name -> why.
USED_OUTSIDE_APP: dict[str, str] = {}

CONNECTION = re.compile(r"^_?conn(ection)?$")
HOLDER = re.compile(r"^_?(q|queries)$")
QUOTED_NAME = re.compile(r"""\.sql:(\w+)|["'](\w+)["']""")
# ``q.name(`` or ``x.name(conn`` / ``x.name(self._s.conn,``, in a module's text.
LOOKS_LIKE_A_QUERY_CALL = re.compile(
    r"\b_?q(?:ueries)?\.\w+\(|\.\w+\(\s*[\w.]*?\b_?conn(?:ection)?\s*[,)]"
)

Role = Literal["app", "other"]


# ---------------------------------------------------------------------------------------
# The catalogue, as the application loads it


@dataclass(frozen=True, slots=True)
class QuerySpec:
    full_name: str  # "booking.get_appointment"
    parameters: frozenset[str]
    many: bool  # ``*!``: called with the connection and a sequence of parameter sets
    base: str  # the query a generated ``<name>_cursor`` variant runs; else full_name
    location: str  # "sql/booking/appointments.sql:24"


@dataclass(frozen=True, slots=True)
class Catalogue:
    specs: Mapping[str, QuerySpec]  # by full name, generated cursor variants included
    namespaces: frozenset[str]  # "booking", ... ("a", "a.b" for sql/a/b/)

    @property
    def declared(self) -> list[str]:
        return sorted(n for n, spec in self.specs.items() if spec.base == n)


def _parameters(fn: Any) -> frozenset[str]:
    if fn.parameters is not None:
        return frozenset(fn.parameters)
    signature: inspect.Signature = fn.__signature__
    kinds = (inspect.Parameter.KEYWORD_ONLY,)
    return frozenset(p.name for p in signature.parameters.values() if p.kind in kinds)


def load_catalogue(sql_dir: Path) -> Catalogue:
    """Read sql/ with ``load_queries``, the loader ``Database`` uses."""
    root: Any = load_queries(sql_dir)
    names: list[str] = list(root.available_queries)
    specs: dict[str, QuerySpec] = {}
    for full_name in names:
        fn: Any = root
        for part in full_name.split("."):
            fn = getattr(fn, part)
        base = full_name.removesuffix("_cursor")
        if base == full_name or base not in names:
            base = full_name
        code = fn.__code__
        filename = Path(code.co_filename)
        where = filename.relative_to(REPO) if filename.is_relative_to(REPO) else filename
        specs[full_name] = QuerySpec(
            full_name=full_name,
            parameters=_parameters(fn),
            many=fn.operation is SQLOperationType.INSERT_UPDATE_DELETE_MANY,
            base=base,
            location=f"{where.as_posix()}:{code.co_firstlineno}",
        )
    namespaces = {
        ".".join(name.split(".")[:depth])
        for name in names
        for depth in range(1, name.count(".") + 1)
    }
    return Catalogue(specs, frozenset(namespaces))


# ---------------------------------------------------------------------------------------
# Values that come from the catalogue


@dataclass(frozen=True, slots=True)
class Namespace:
    path: str  # "" is the whole catalogue

    def __str__(self) -> str:
        return f"queries.{self.path}" if self.path else "queries"


@dataclass(frozen=True, slots=True)
class QueryRef:
    full_name: str

    def __str__(self) -> str:
        return self.full_name


Value = Namespace | QueryRef
CATALOGUE = Namespace("")


# ---------------------------------------------------------------------------------------
# Scopes and bindings


@dataclass(frozen=True, slots=True)
class Source:
    path: str  # relative to the repository, as printed
    text: str
    role: Role = "app"


@dataclass(eq=False)
class Binding:
    """What a name (or ``self`` attribute) may be bound to; nothing set = unknown."""

    scope: Scope
    value: ast.expr | None = None
    loop_over: ast.expr | None = None
    param: str | None = None


@dataclass(eq=False)
class Scope:
    source: Source
    node: ast.AST
    parent: Scope | None
    owner: ClassInfo | None = None  # the class of a method
    params: list[str] = field(default_factory=list)  # positional, in order
    self_name: str | None = None
    static: bool = False
    bindings: dict[str, list[Binding]] = field(default_factory=dict)

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


@dataclass(eq=False)
class ClassInfo:
    node: ast.ClassDef
    scope: Scope
    attrs: dict[str, list[Binding]] = field(default_factory=dict)
    methods: dict[str, Scope] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Finding:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True, slots=True)
class QueryCall:
    where: str
    query: str  # the base query's full name
    role: Role


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
MUTATORS = frozenset({"pop", "popitem", "update", "setdefault", "clear", "__setitem__"})
Keys = list[frozenset[str]]


def _names_in(target: ast.AST) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


def _bound_by(node: ast.AST) -> list[tuple[ast.expr, ast.expr | None]]:
    """The (target, value) pairs a statement assigns; no value: not known."""
    if isinstance(node, ast.Assign):
        return [(target, node.value) for target in node.targets]
    if isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
        return [(node.target, node.value)]
    if isinstance(node, ast.AugAssign):
        return [(node.target, None)]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [(i.optional_vars, None) for i in node.items if i.optional_vars is not None]
    return []


def _constant_getattr(node: ast.AST) -> str | None:
    """``getattr(x, "name")``: the name."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and len(node.args) == 2
        and not node.keywords
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    ):
        return node.args[1].value
    return None


@cache
def _parse(source: Source) -> ast.Module:
    return ast.parse(source.text, source.path)


def _own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function body, not those of functions or classes nested in it."""
    for child in ast.iter_child_nodes(node):
        yield child
        if not isinstance(child, (*FUNCTIONS, ast.ClassDef)):
            yield from _own_nodes(child)


class Analysis:
    """Follows the catalogue through a set of modules and checks every query call."""

    def __init__(
        self,
        catalogue: Catalogue,
        sources: Sequence[Source],
        dynamic_kwargs: Mapping[tuple[str, str], str] | None = None,
        dynamic_uses: Mapping[tuple[str, str], str] | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.dynamic_kwargs = dynamic_kwargs or {}
        self.dynamic_uses = dynamic_uses or {}
        self.findings: list[Finding] = []
        self.calls: list[QueryCall] = []
        self._used_allowances: set[tuple[str, str]] = set()
        self._parents: dict[ast.AST, ast.AST] = {}
        self._scope_of: dict[ast.AST, Scope] = {}
        self._classes: dict[str, list[ClassInfo]] = {}
        self._functions: dict[str, list[Scope]] = {}  # module-level, by name
        self._methods: dict[str, list[Scope]] = {}
        self._calls_by_name: dict[str, list[ast.Call]] = {}
        self._calls_by_attr: dict[str, list[ast.Call]] = {}
        self._memo: dict[ast.AST, Value | None] = {}
        self._binding_memo: dict[int, Value | None] = {}
        self._busy: set[int] = set()
        self._mutated: dict[int, frozenset[str]] = {}
        self._query_names = {n.rpartition(".")[2] for n in catalogue.specs}
        self.passed_to: set[str] = set()  # callees the catalogue is handed to
        self._candidates: list[tuple[Source, ast.AST]] = []
        for source in sources:
            tree = _parse(source)
            self._visit(tree, Scope(source, tree, None), None)
        for source, node in self._candidates:
            self._check_node(source, node)
        for key in sorted(set(self.dynamic_kwargs) - self._used_allowances):
            self.findings.append(Finding(key[0], f"DYNAMIC_KWARGS lists {key[1]}: not needed"))
        for key in sorted(set(self.dynamic_uses) - self._used_allowances):
            self.findings.append(Finding(key[0], f"DYNAMIC_USES lists {key[1]}: not needed"))

    # -- building scopes ------------------------------------------------------------------

    def _visit(self, node: ast.AST, scope: Scope, cls: ClassInfo | None) -> None:
        for child in ast.iter_child_nodes(node):
            self._parents[child] = node
            self._scope_of[child] = scope
            if (
                isinstance(child, (ast.Name, ast.Attribute)) and isinstance(child.ctx, ast.Load)
            ) or isinstance(child, ast.NamedExpr):
                self._candidates.append((scope.source, child))
            if isinstance(child, FUNCTIONS):
                inner = self._function_scope(child, scope, cls)
                if not isinstance(child, ast.Lambda):
                    (cls.attrs if cls else scope.bindings).setdefault(child.name, []).append(
                        Binding(scope)
                    )
                self._visit(child, inner, None)
            elif isinstance(child, ast.ClassDef):
                info = ClassInfo(child, scope)
                self._classes.setdefault(child.name, []).append(info)
                scope.bind(child.name, Binding(scope))
                self._visit(child, scope, info)
            elif isinstance(child, COMPREHENSIONS):
                inner = Scope(scope.source, child, scope)
                for generator in child.generators:
                    for name in _names_in(generator.target):
                        inner.bind(name, Binding(inner))
                self._visit(child, inner, None)
            else:
                if isinstance(child, ast.Call):
                    self._index_call(child)
                    if _constant_getattr(child) is not None:
                        self._candidates.append((scope.source, child))
                self._record(child, scope, cls)
                self._visit(child, scope, cls)

    def _index_call(self, call: ast.Call) -> None:
        if isinstance(call.func, ast.Name):
            self._calls_by_name.setdefault(call.func.id, []).append(call)
        elif isinstance(call.func, ast.Attribute):
            self._calls_by_attr.setdefault(call.func.attr, []).append(call)

    def _function_scope(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
        outer: Scope,
        cls: ClassInfo | None,
    ) -> Scope:
        args = node.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        scope = Scope(outer.source, node, outer, params=positional)
        for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is not None:
                scope.bind(arg.arg, Binding(scope, param=arg.arg))
        if isinstance(node, ast.Lambda):
            return scope
        decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
        if cls is not None:
            scope.owner = cls
            cls.methods[node.name] = scope
            self._methods.setdefault(node.name, []).append(scope)
            scope.static = "staticmethod" in decorators
            if positional and not scope.static:
                scope.self_name = positional[0]
        elif outer.parent is None:
            self._functions.setdefault(node.name, []).append(scope)
        return scope

    def _record(self, node: ast.AST, scope: Scope, cls: ClassInfo | None) -> None:
        if cls is not None:
            self._record_class_body(node, scope, cls)
            return
        for target, value in _bound_by(node):
            self._bind_target(target, value, scope)
        if isinstance(node, (ast.For, ast.AsyncFor)):
            if isinstance(node.target, ast.Name):
                scope.bind(node.target.id, Binding(scope, loop_over=node.iter))
            else:
                self._bind_target(node.target, None, scope)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            scope.bind(node.name, Binding(scope))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                scope.bind(alias.asname or alias.name.split(".")[0], Binding(scope))

    @staticmethod
    def _record_class_body(node: ast.AST, scope: Scope, cls: ClassInfo) -> None:
        if isinstance(node, ast.Assign):
            for name in (t.id for t in node.targets if isinstance(t, ast.Name)):
                cls.attrs.setdefault(name, []).append(Binding(scope, value=node.value))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            cls.fields.append(node.target.id)
            if node.value is not None:
                cls.attrs.setdefault(node.target.id, []).append(Binding(scope, value=node.value))

    def _bind_target(self, target: ast.expr, value: ast.expr | None, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, Binding(scope, value=value))
        elif isinstance(target, ast.Attribute):
            owner = self._self_owner(target.value, scope)
            if owner is not None:
                owner.attrs.setdefault(target.attr, []).append(Binding(scope, value=value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            paired: list[ast.expr | None] = [None] * len(target.elts)
            if (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in (*value.elts, *target.elts))
            ):
                paired = list(value.elts)
            for element, element_value in zip(target.elts, paired, strict=True):
                self._bind_target(element, element_value, scope)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None, scope)

    def _binding_scope(self, name: str, scope: Scope) -> Scope | None:
        current: Scope | None = scope
        while current is not None:
            if name in current.bindings:
                return current
            current = current.parent
        return None

    def _self_owner(self, node: ast.expr, scope: Scope) -> ClassInfo | None:
        """The class of a method whose ``self`` (or ``cls``) ``node`` is."""
        if not isinstance(node, ast.Name):
            return None
        bound_in = self._binding_scope(node.id, scope)
        if bound_in is not None and bound_in.self_name == node.id:
            return bound_in.owner
        return None

    # -- evaluating -----------------------------------------------------------------------

    def value(self, node: ast.AST) -> Value | None:
        if node in self._memo:
            return self._memo[node]
        if id(node) in self._busy:
            return None
        self._busy.add(id(node))
        try:
            result = self._evaluate(node)
        finally:
            self._busy.discard(id(node))
        self._memo[node] = result
        return result

    def _evaluate(self, node: ast.AST) -> Value | None:
        if isinstance(node, ast.Attribute):
            return self._attribute(node)
        if isinstance(node, ast.Name):
            scope = self._binding_scope(node.id, self._scope_of[node])
            return self._resolve(scope.bindings[node.id]) if scope else None
        if isinstance(node, ast.NamedExpr):
            return self.value(node.value)
        attr = _constant_getattr(node)
        if attr is not None and isinstance(node, ast.Call):
            base = self.value(node.args[0])
            return self._child(base, attr) if isinstance(base, Namespace) else None
        return None

    def _attribute(self, node: ast.Attribute) -> Value | None:
        if node.attr == "queries":
            return CATALOGUE
        base = self.value(node.value)
        if isinstance(base, Namespace):
            return self._child(base, node.attr)
        owner = self._self_owner(node.value, self._scope_of[node])
        return self._class_attr(owner, node.attr) if owner else None

    def _child(self, namespace: Namespace, attr: str) -> Value:
        path = f"{namespace.path}.{attr}" if namespace.path else attr
        if path in self.catalogue.namespaces:
            return Namespace(path)
        if path in self.catalogue.specs or namespace.path:
            return QueryRef(path)
        return Namespace(path)  # an unknown context; reported where a query is called

    def _class_attr(self, cls: ClassInfo, attr: str) -> Value | None:
        bindings = list(self._all_attrs(cls, attr, depth=0))
        return self._resolve(bindings) if bindings else None

    def _all_attrs(self, cls: ClassInfo, attr: str, depth: int) -> Iterator[Binding]:
        yield from cls.attrs.get(attr, [])
        for base in cls.node.bases:
            if isinstance(base, ast.Name) and depth < 5:
                for parent in self._classes.get(base.id, []):
                    yield from self._all_attrs(parent, attr, depth + 1)

    def _resolve(self, bindings: Sequence[Binding]) -> Value | None:
        values = {self._resolve_binding(b) for b in bindings}
        if len(values) == 1:
            return values.pop()
        return None

    def _resolve_binding(self, binding: Binding) -> Value | None:
        key = id(binding)
        if key in self._binding_memo:
            return self._binding_memo[key]
        if key in self._busy:
            return None
        self._busy.add(key)
        try:
            if binding.value is not None:
                result = self.value(binding.value)
            elif binding.param is not None:
                result = self._resolve_param(binding.scope, binding.param)
            else:
                result = None
        finally:
            self._busy.discard(key)
        self._binding_memo[key] = result
        return result

    def _resolve_param(self, function: Scope, name: str) -> Value | None:
        if name == function.self_name or isinstance(function.node, ast.Lambda):
            return None
        values: set[Value | None] = set()
        for call in self._call_sites(function):
            argument = self._argument(call, function, name)
            values.add(self.value(argument) if argument is not None else None)
        return values.pop() if len(values) == 1 else None

    def _call_sites(self, function: Scope) -> list[ast.Call]:
        node = function.node
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        if function.owner is not None and node.name == "__init__":
            cls_name = function.owner.node.name
            return self._calls_by_name.get(cls_name, []) + self._calls_by_attr.get(cls_name, [])
        if function.owner is not None:
            return self._calls_by_attr.get(node.name, [])
        return self._calls_by_name.get(node.name, []) + self._calls_by_attr.get(node.name, [])

    def _argument(self, call: ast.Call, function: Scope, name: str) -> ast.expr | None:
        """The expression ``call`` gives parameter ``name`` of ``function``; None if
        it cannot be told (``*args``, ``**kwargs``)."""
        offset = 1 if function.self_name is not None else 0
        if name in function.params:
            index = function.params.index(name) - offset
            if 0 <= index < len(call.args):
                if any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
                    return None
                return call.args[index]
        for keyword in call.keywords:
            if keyword.arg == name:
                return keyword.value
        if any(k.arg is None for k in call.keywords) or any(
            isinstance(a, ast.Starred) for a in call.args
        ):
            return None
        return self._default(function, name)

    @staticmethod
    def _default(function: Scope, name: str) -> ast.expr | None:
        node = function.node
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        for arg, default in zip(positional[::-1], args.defaults[::-1], strict=False):
            if arg.arg == name:
                return default
        for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if arg.arg == name:
                return kw_default
        return None

    # -- checking ---------------------------------------------------------------------------

    def _where(self, source: Source, node: ast.AST) -> str:
        return f"{source.path}:{getattr(node, 'lineno', 0)}"

    def _report(self, source: Source, node: ast.AST, message: str) -> None:
        self.findings.append(Finding(self._where(source, node), message))

    def _check_node(self, source: Source, node: ast.AST) -> None:
        found = self.value(node)
        if found is None:
            self._check_unresolved(source, node)
        else:
            self._check_use(source, node, found)

    def _unfollowed(self, source: Source, node: ast.AST, message: str) -> None:
        key = (source.path, ast.unparse(node))
        if key in self.dynamic_uses:
            self._used_allowances.add(key)
            return
        self._report(source, node, f"{message} (list it in DYNAMIC_USES if deliberate)")

    def _check_unresolved(self, source: Source, node: ast.AST) -> None:
        """Something that looks like a query call on a value that was not resolved."""
        if not isinstance(node, (ast.Name, ast.Attribute)) or self._self_owner(
            node, self._scope_of[node]
        ):
            return
        parent = self._parents.get(node)
        call = self._parents.get(parent) if parent is not None else None
        if not (
            isinstance(parent, ast.Attribute)
            and parent.value is node
            and isinstance(call, ast.Call)
            and call.func is parent
        ):
            return
        name = node.id if isinstance(node, ast.Name) else node.attr
        first = call.args[0] if call.args else None
        signs = (
            bool(HOLDER.match(name)),
            first is not None and self._is_connection(first),
            parent.attr in self._query_names,
        )
        if sum(signs) >= 2:
            self._unfollowed(
                source,
                node,
                f"{ast.unparse(call)[:80]} looks like a query call, but {ast.unparse(node)} "
                "cannot be resolved to the catalogue",
            )

    def _check_use(self, source: Source, node: ast.AST, found: Value) -> None:
        parent = self._parents[node]
        if (isinstance(parent, ast.Attribute) and parent.value is node) or (
            isinstance(parent, ast.Call) and _constant_getattr(parent) and node is parent.args[0]
        ):
            if isinstance(found, QueryRef):
                self._unfollowed(source, parent, f"{ast.unparse(parent)}: not a query call")
            return
        if isinstance(parent, ast.Call) and parent.func is node:
            ref = found if isinstance(found, QueryRef) else QueryRef(found.path)
            self._check_call(source, parent, ref)
            return
        problem = self._use_problem(node, parent, found)
        if problem is not None:
            self._unfollowed(source, node, problem)

    def _use_problem(self, node: ast.AST, parent: ast.AST, found: Value) -> str | None:
        """Why a use of the catalogue other than an attribute or a call is not followed."""
        text = ast.unparse(node)
        call = self._parents[parent] if isinstance(parent, ast.keyword) else parent
        if isinstance(call, ast.Call):
            if self._argument_followed(node, parent, call, found):
                return None
            return f"{text} is passed to {ast.unparse(call.func)}(), not followed"
        targets = self._assigned_to(node, parent)
        if targets is None:
            return f"{text} is used in a way this check cannot follow"
        if all(self._target_holds(t, found) for t in targets):
            return None
        return f"{text} is assigned where it cannot be followed"

    def _argument_followed(
        self, node: ast.AST, parent: ast.AST, call: ast.Call, found: Value
    ) -> bool:
        if isinstance(parent, ast.keyword):
            return parent.arg is not None and self._passed_on(call, parent.arg, found)
        index = next((i for i, a in enumerate(call.args) if a is node), None)
        return index is not None and self._passed_on(call, index, found)

    def _assigned_to(self, node: ast.AST, parent: ast.AST) -> list[ast.expr] | None:
        """The targets ``node`` is assigned to (``a = node``, ``a, b = node, c``)."""
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and parent.value is node:
            return parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        holder = self._parents.get(parent)
        if isinstance(parent, ast.Tuple) and isinstance(holder, ast.Assign):
            index = next(i for i, e in enumerate(parent.elts) if e is node)
            targets = [
                t.elts[index]
                for t in holder.targets
                if isinstance(t, ast.Tuple) and len(t.elts) == len(parent.elts)
            ]
            return targets if len(targets) == len(holder.targets) else None
        return None

    def _target_holds(self, target: ast.expr, found: Value) -> bool:
        scope = self._scope_of[target]
        if isinstance(target, ast.Name):
            bound_in = self._binding_scope(target.id, scope)
            return bound_in is not None and self._resolve(bound_in.bindings[target.id]) == found
        if isinstance(target, ast.Attribute):
            owner = self._self_owner(target.value, scope)
            return owner is not None and self._class_attr(owner, target.attr) == found
        return False

    def _passed_on(self, call: ast.Call, key: int | str, found: Value) -> bool:
        """Is the value given to ``call`` followed on the other side?"""
        callee = call.func
        name = (
            callee.id
            if isinstance(callee, ast.Name)
            else callee.attr
            if isinstance(callee, ast.Attribute)
            else None
        )
        if name is None or name == "getattr":
            return False
        targets: list[Scope] = []
        for cls in self._classes.get(name, []):
            init = cls.methods.get("__init__")
            if init is not None:
                targets.append(init)
                continue
            field_name = key if isinstance(key, str) else None
            if isinstance(key, int) and key < len(cls.fields):
                field_name = cls.fields[key]
            if field_name != "queries" or found != CATALOGUE:  # read back as ``x.queries``
                return False
        targets += self._functions.get(name, []) if isinstance(callee, ast.Name) else []
        targets += self._methods.get(name, []) if isinstance(callee, ast.Attribute) else []
        if targets or not self._classes.get(name):
            self.passed_to.add(name)
        if not targets and not self._classes.get(name):
            return False
        for function in targets:
            offset = 1 if function.self_name is not None else 0
            if isinstance(key, int):
                if key + offset >= len(function.params):
                    return False
                param = function.params[key + offset]
            else:
                param = key
            bound = function.bindings.get(param, [])
            if self._resolve(bound) != found:
                return False
        return True

    @staticmethod
    def _is_connection(node: ast.expr) -> bool:
        name = (
            node.id
            if isinstance(node, ast.Name)
            else node.attr
            if isinstance(node, ast.Attribute)
            else ""
        )
        return bool(CONNECTION.match(name))

    def _check_call(self, source: Source, call: ast.Call, ref: QueryRef) -> None:
        spec = self.catalogue.specs.get(ref.full_name)
        if spec is None:
            self._report(source, call, self._unknown(ref))
            return
        self.calls.append(QueryCall(self._where(source, call), spec.base, source.role))
        signature = f"{spec.full_name}({', '.join(sorted(spec.parameters))})"
        positional = call.args
        if any(isinstance(a, ast.Starred) for a in positional):
            self._report(source, call, f"{signature}: called with *args")
            return
        if not positional or not self._is_connection(positional[0]):
            given = ast.unparse(positional[0]) if positional else "nothing"
            self._report(
                source, call, f"{signature}: the first argument is {given}, not the connection"
            )
        expected = 2 if spec.many else 1
        if len(positional) > expected:
            extra = ", ".join(ast.unparse(a) for a in positional[expected:])
            self._report(source, call, f"{signature}: unexpected positional arguments {extra}")
        if spec.many:
            if call.keywords:
                self._report(source, call, f"{signature}: a *! query takes a sequence, no keywords")
            return
        self._check_keywords(source, call, spec, signature)

    def _unknown(self, ref: QueryRef) -> str:
        context, _, name = ref.full_name.rpartition(".")
        if context and context not in self.catalogue.namespaces:
            close = difflib.get_close_matches(context, self.catalogue.namespaces, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            return f"{ref}: there is no sql/{context.replace('.', '/')}/ context{hint}"
        if not context and ref.full_name in self.catalogue.namespaces:
            return f"{ref}: a context is called as if it were a query"
        siblings = [
            n.rpartition(".")[2]
            for n in self.catalogue.specs
            if n.rpartition(".")[0] == context and n == self.catalogue.specs[n].base
        ]
        close = difflib.get_close_matches(name, siblings, n=1)
        hint = f" (did you mean {context}.{close[0]}?)" if close else ""
        folder = f"sql/{context.replace('.', '/')}/" if context else "sql/"
        return f"{ref}: no such query in {folder}{hint}"

    def _check_keywords(
        self, source: Source, call: ast.Call, spec: QuerySpec, signature: str
    ) -> None:
        explicit = [k.arg for k in call.keywords if k.arg is not None]
        spreads = [k.value for k in call.keywords if k.arg is None]
        options = [self._keys(spread, None, 0) for spread in spreads]
        known = [keys for keys in options if keys is not None]
        if len(known) == len(options):
            for problem in _keyword_problems(explicit, known, spec.parameters):
                self._report(source, call, f"{signature}: {problem}")
            return
        allowance = (source.path, spec.full_name)
        if allowance in self.dynamic_kwargs:
            self._used_allowances.add(allowance)
        else:
            unknown = next(s for s, keys in zip(spreads, options, strict=True) if keys is None)
            self._report(
                source,
                call,
                f"{signature}: cannot tell the keys of **{ast.unparse(unknown)} "
                "(list the call in DYNAMIC_KWARGS if deliberate)",
            )
        extra = sorted(set(explicit) - spec.parameters)
        if extra:
            self._report(source, call, f"{signature}: unexpected {', '.join(extra)}")

    # -- the keys of a ``**`` argument: each set it may have ---------------------------------

    def _keys(
        self, node: ast.expr, frame: Mapping[str, ast.expr] | None, depth: int
    ) -> Keys | None:
        if depth > 8:
            return None
        if isinstance(node, ast.Dict):
            return self._dict_keys(node, frame, depth)
        if isinstance(node, ast.Call):
            return self._returned_keys(node, depth)
        if isinstance(node, ast.Name):
            return self._name_keys(node, frame, depth)
        return None

    def _dict_keys(
        self, node: ast.Dict, frame: Mapping[str, ast.expr] | None, depth: int
    ) -> Keys | None:
        result: Keys = [frozenset()]
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                inner = self._keys(value, frame, depth + 1)
            else:
                text = self._string(key, frame)
                inner = None if text is None else [frozenset({text})]
            if inner is None:
                return None
            result = [a | b for a in result for b in inner]
        return result

    def _name_keys(
        self, node: ast.Name, frame: Mapping[str, ast.expr] | None, depth: int
    ) -> Keys | None:
        if frame is not None and node.id in frame:
            return self._keys(frame[node.id], None, depth + 1)
        scope = self._binding_scope(node.id, self._scope_of[node])
        if scope is None or node.id in self._mutated_names(scope):
            return None
        return _alternatives(self._binding_keys(b, frame, depth) for b in scope.bindings[node.id])

    def _binding_keys(
        self, binding: Binding, frame: Mapping[str, ast.expr] | None, depth: int
    ) -> Keys | None:
        if binding.value is not None:
            return self._keys(binding.value, frame, depth + 1)
        if binding.loop_over is not None:  # for row in ROWS: ..., a literal table
            elements = self._elements(binding.loop_over, depth)
            if elements is not None:
                return _alternatives(self._keys(e, None, depth + 1) for e in elements)
        return None

    def _elements(self, node: ast.expr, depth: int) -> list[ast.expr] | None:
        if isinstance(node, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return None
            return list(node.elts)
        if isinstance(node, ast.Name) and depth < 8:
            scope = self._binding_scope(node.id, self._scope_of[node])
            bindings = scope.bindings[node.id] if scope else []
            if len(bindings) == 1 and bindings[0].value is not None:
                return self._elements(bindings[0].value, depth + 1)
        return None

    def _returned_keys(self, call: ast.Call, depth: int) -> Keys | None:
        callee = call.func
        if isinstance(callee, ast.Name) and callee.id == "dict" and not call.args:
            keys: list[ast.expr | None] = [
                None if k.arg is None else ast.Constant(k.arg) for k in call.keywords
            ]
            literal = ast.Dict(keys=keys, values=[k.value for k in call.keywords])
            return self._dict_keys(literal, None, depth)
        function = self._callee(call)
        if function is None:
            return None
        frame: dict[str, ast.expr] = {}
        for param in function.params + [a.arg for a in self._kwonly(function)]:
            argument = self._argument(call, function, param)
            if argument is not None and param != function.self_name:
                frame[param] = argument
        returns = [n for n in _own_nodes(function.node) if isinstance(n, ast.Return)]
        return _alternatives(
            self._keys(r.value, frame, depth + 1) if r.value is not None else None for r in returns
        )

    @staticmethod
    def _kwonly(function: Scope) -> list[ast.arg]:
        node = function.node
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        return list(node.args.kwonlyargs)

    def _callee(self, call: ast.Call) -> Scope | None:
        callee = call.func
        scope = self._scope_of[call]
        if isinstance(callee, ast.Name):
            bound_in = self._binding_scope(callee.id, scope)
            candidates = [
                f
                for f in self._functions.get(callee.id, [])
                if bound_in is None or bound_in.parent is not None or f.source is scope.source
            ]
            same_module = [f for f in candidates if f.source is scope.source]
            found = same_module or candidates
            return found[0] if len(found) == 1 else None
        if isinstance(callee, ast.Attribute):
            owner = self._self_owner(callee.value, scope)
            if owner is not None:
                return owner.methods.get(callee.attr)
        return None

    def _string(self, node: ast.expr, frame: Mapping[str, ast.expr] | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and frame is not None and node.id in frame:
            return self._string(frame[node.id], None)
        return None

    def _mutated_names(self, scope: Scope) -> frozenset[str]:
        key = id(scope)
        if key not in self._mutated:
            names: set[str] = set()
            for node in _own_nodes(scope.node):
                if (
                    isinstance(node, ast.Subscript)
                    and isinstance(node.value, ast.Name)
                    and not isinstance(node.ctx, ast.Load)
                ):
                    names.add(node.value.id)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in MUTATORS
                    and isinstance(node.func.value, ast.Name)
                ):
                    names.add(node.func.value.id)
                elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    names.add(node.target.id)
            self._mutated[key] = frozenset(names)
        return self._mutated[key]


def _alternatives(parts: Iterable[Keys | None]) -> Keys | None:
    """The key sets of several possible values; None if any (or all) is unknown."""
    result: Keys = []
    for part in parts:
        if part is None:
            return None
        result += [keys for keys in part if keys not in result]
    return result or None


def _keyword_problems(
    explicit: Sequence[str], spreads: Sequence[Keys], parameters: frozenset[str]
) -> list[str]:
    """What differs from the parameters, for each combination of the spreads' keys."""
    problems: list[str] = []
    for combination in itertools.product(*spreads):
        given = Counter(explicit)
        for keys in combination:
            given.update(keys)
        differences = (
            ("missing", sorted(parameters - set(given))),
            ("unexpected", sorted(set(given) - parameters)),
            ("given twice", sorted(k for k, n in given.items() if n > 1)),
        )
        problem = "; ".join(f"{what} {', '.join(keys)}" for what, keys in differences if keys)
        if problem and problem not in problems:
            problems.append(problem)
    return problems


def mentioned_names(sources: Sequence[Source]) -> frozenset[str]:
    """Query names quoted in tests/, bench/ or .ci/ (bench/ reads sql/ files by query
    name: ``query("booking/services.sql", "rules_for_service")``, ``"services.sql:x"``)."""
    found: set[str] = set()
    for source in sources:
        if source.role == "other":
            found.update(m.group(1) or m.group(2) for m in QUOTED_NAME.finditer(source.text))
    return frozenset(found)


def unused_queries(
    catalogue: Catalogue,
    calls: Sequence[QueryCall],
    used_outside_app: Mapping[str, str],
    mentioned: frozenset[str] = frozenset(),
) -> list[str]:
    """Queries nothing under app/ calls and USED_OUTSIDE_APP does not list (it lists
    those that only tests/, bench/ or .ci/ call or name), and stale entries of the list."""
    in_app = {c.query for c in calls if c.role == "app"}
    elsewhere = {c.query for c in calls if c.role == "other"}
    elsewhere |= {n for n in catalogue.declared if n.rpartition(".")[2] in mentioned}
    problems = []
    for name in catalogue.declared:
        if name in in_app:
            continue
        where = catalogue.specs[name].location
        if name not in used_outside_app:
            hint = " (tests/bench/.ci use it: list it in USED_OUTSIDE_APP)"
            problems.append(
                f"{where}: {name} is called by nothing under app/{hint if name in elsewhere else ''}"
            )
        elif name not in elsewhere:
            problems.append(f"{where}: {name} is in USED_OUTSIDE_APP, but nothing uses it")
    for name in sorted(used_outside_app):
        if name not in catalogue.specs:
            problems.append(f"USED_OUTSIDE_APP lists {name}, which sql/ no longer has")
        elif name in in_app:
            problems.append(f"USED_OUTSIDE_APP lists {name}, which app/ calls: remove it")
    return problems


# ---------------------------------------------------------------------------------------
# The real code base


def analyse(
    catalogue: Catalogue,
    sources: Sequence[Source],
    dynamic_kwargs: Mapping[tuple[str, str], str] | None = None,
    dynamic_uses: Mapping[tuple[str, str], str] | None = None,
) -> Analysis:
    """Analyse the modules the catalogue can reach, not all of them (parsing everything
    takes seconds): those that mention ``queries`` (every value starts as a ``.queries``
    attribute) or look like they call a query, then, until nothing is added, those that
    name a function or class the catalogue is handed to (its definition and its other
    call sites, which decide what its parameter holds)."""
    chosen = [s for s in sources if "queries" in s.text or LOOKS_LIKE_A_QUERY_CALL.search(s.text)]
    while True:
        analysis = Analysis(catalogue, chosen, dynamic_kwargs, dynamic_uses)
        if not analysis.passed_to:
            return analysis
        names = re.compile(r"\b(" + "|".join(map(re.escape, sorted(analysis.passed_to))) + r")\b")
        more = [s for s in sources if s not in chosen and names.search(s.text)]
        if not more:
            return analysis
        chosen += more


def _sources() -> list[Source]:
    sources = []
    roles: list[tuple[str, Role]] = [(d, "app") for d in APP_DIRS]
    roles += [(d, "other") for d in OTHER_DIRS]
    for top, role in roles:
        for path in sorted((REPO / top).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue  # its modules are examples, in strings
            relative = path.relative_to(REPO).as_posix()
            sources.append(Source(relative, path.read_text(encoding="utf-8"), role))
    return sources


@cache
def _real() -> tuple[Catalogue, Analysis, frozenset[str]]:
    catalogue = load_catalogue(SQL_DIR)
    sources = _sources()
    analysis = analyse(catalogue, sources, DYNAMIC_KWARGS, DYNAMIC_USES)
    return catalogue, analysis, mentioned_names(sources)


def test_every_query_call_names_a_query_in_sql_with_its_parameters() -> None:
    _, analysis, _ = _real()
    assert [c for c in analysis.calls if c.role == "app"], "no query call found under app/"
    assert not analysis.findings, "\n".join(map(str, analysis.findings))


def test_every_query_in_sql_is_called() -> None:
    catalogue, analysis, mentioned = _real()
    problems = unused_queries(catalogue, analysis.calls, USED_OUTSIDE_APP, mentioned)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------
# The check fails when it should

SHOP_SQL = """\
-- name: get_order(id)^
SELECT id, total FROM orders WHERE id = :id;

-- name: add_order(id, total, now)!
INSERT INTO orders (id, total, created_at) VALUES (:id, :total, :now);

-- name: orders_since(since, limit)
SELECT id FROM orders WHERE created_at >= :since LIMIT :limit;

-- name: forgotten_order(id)^
SELECT id FROM orders WHERE id = :id;

-- name: audit_order(id)!
INSERT INTO order_audit (order_id) VALUES (:id);
"""

SHOP_MODULE = """\
def _window(since, name):
    return {"since": since, name: 10}


class Lines:
    def __init__(self, conn, queries):
        self._conn = conn
        self._q = queries

    async def first(self):
        return await self._q.get_order(self._conn, id=1)


class OrderStore:
    def __init__(self, session):
        self._s = session
        self._q = session.queries.shop

    async def fine(self, order_id):
        rows = self._q.orders_since(self._s.conn, **_window(1, "limit"))
        return await self._q.get_order(self._s.conn, id=order_id), rows

    async def lines(self):
        return await Lines(self._s.conn, self._q).first()

    async def misspelt(self, order_id):
        return await self._q.get_ordr(self._s.conn, id=order_id)  # <misspelt>

    async def missing(self, order_id):
        await self._q.add_order(self._s.conn, id=order_id, now=1)  # <missing>

    async def extra(self, order_id):
        await self._q.add_order(self._s.conn, id=order_id, total=1, now=1, currency=1)  # <extra>

    async def spread(self):
        return self._q.orders_since(self._s.conn, **_window(1, "lmit"))  # <spread>

    async def opaque(self, fields):
        await self._q.add_order(self._s.conn, **fields)  # <opaque>

    async def no_connection(self, order_id):
        return await self._q.get_order(id=order_id)  # <no-connection>

    async def by_name(self, name):
        return await getattr(self._q, name)(self._s.conn)  # <dynamic>


async def elsewhere(database, conn):
    return await database.queries.shoop.get_order(conn, id=1)  # <context>


async def hidden(store, conn):
    return await store.q.get_order(conn, id=1)  # <hidden>
"""

BENCH_MODULE = """\
async def audit(database, conn):
    await database.queries.shop.audit_order(conn, id=1)
"""

EXPECTED = {
    "misspelt": "shop.get_ordr: no such query in sql/shop/ (did you mean shop.get_order?)",
    "missing": "shop.add_order(id, now, total): missing total",
    "extra": "shop.add_order(id, now, total): unexpected currency",
    "spread": "shop.orders_since(limit, since): missing limit; unexpected lmit",
    "opaque": "shop.add_order(id, now, total): cannot tell the keys of **fields",
    "no-connection": "shop.get_order(id): the first argument is nothing, not the connection",
    "dynamic": "self._q is passed to getattr(), not followed",
    "context": "shoop.get_order: there is no sql/shoop/ context (did you mean shop?)",
    "hidden": "store.q.get_order(conn, id=1) looks like a query call",
}


def _line_of(marker: str) -> int:
    lines = SHOP_MODULE.splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.endswith(f"# <{marker}>"))


def _shop(sql_dir: Path) -> tuple[Catalogue, Analysis]:
    (sql_dir / "shop").mkdir()
    (sql_dir / "shop" / "orders.sql").write_text(SHOP_SQL, encoding="utf-8")
    catalogue = load_catalogue(sql_dir)
    sources = [Source("app/shop.py", SHOP_MODULE), Source("bench/shop.py", BENCH_MODULE, "other")]
    return catalogue, analyse(catalogue, sources)


def test_the_check_reports_each_wrong_call_and_nothing_else(tmp_path: Path) -> None:
    _, analysis = _shop(tmp_path)
    reported = [str(f) for f in analysis.findings]
    for marker, message in EXPECTED.items():
        where = f"app/shop.py:{_line_of(marker)}: "
        assert any(r.startswith(where) and message in r for r in reported), (marker, reported)
    assert len(reported) == len(EXPECTED), reported
    checked = sorted({c.query for c in analysis.calls})
    assert checked == ["shop.add_order", "shop.audit_order", "shop.get_order", "shop.orders_since"]


def test_allow_lists_silence_only_what_they_name_and_must_stay_needed(tmp_path: Path) -> None:
    catalogue, _ = _shop(tmp_path)
    analysis = analyse(
        catalogue,
        [Source("app/shop.py", SHOP_MODULE)],
        dynamic_kwargs={
            ("app/shop.py", "shop.add_order"): "a caller's dict",
            ("app/shop.py", "shop.get_order"): "not dynamic at all",
        },
        dynamic_uses={("app/shop.py", "self._q"): "by name"},
    )
    reported = [str(f) for f in analysis.findings]
    assert not [r for r in reported if "**fields" in r or "getattr" in r], reported
    assert "app/shop.py: DYNAMIC_KWARGS lists shop.get_order: not needed" in reported


def test_a_query_nothing_calls_is_reported(tmp_path: Path) -> None:
    catalogue, analysis = _shop(tmp_path)
    location = catalogue.specs["shop.forgotten_order"].location
    assert unused_queries(catalogue, analysis.calls, {}) == [
        f"{catalogue.specs['shop.audit_order'].location}: shop.audit_order is called by nothing"
        " under app/ (tests/bench/.ci use it: list it in USED_OUTSIDE_APP)",
        f"{location}: shop.forgotten_order is called by nothing under app/",
    ]
    allowed = {"shop.audit_order": "a benchmark", "shop.get_order": "stale"}
    assert unused_queries(catalogue, analysis.calls, allowed) == [
        f"{location}: shop.forgotten_order is called by nothing under app/",
        "USED_OUTSIDE_APP lists shop.get_order, which app/ calls: remove it",
    ]
    bench = Source("bench/read.py", 'query("shop/orders.sql", "forgotten_order")', "other")
    mentioned = mentioned_names([bench])
    assert unused_queries(catalogue, analysis.calls, allowed, mentioned)[0] == (
        f"{location}: shop.forgotten_order is called by nothing under app/"
        " (tests/bench/.ci use it: list it in USED_OUTSIDE_APP)"
    )
