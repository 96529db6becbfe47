"""engine.Value: every op against finite differences, accumulation, deep graphs, fused nodes."""
import gc
import math
import random

import pytest

from microgpt.engine import (
    DomainError,
    FloatOverflow,
    NonPositiveLog,
    Value,
    collector_paused,
    dot,
    topo_order,
    vsum,
)

from conftest import numeric_grad

OPS = {
    "add": lambda a, b: a + b,
    "radd": lambda a, b: 3.0 + a + b,
    "sub": lambda a, b: a - b,
    "rsub": lambda a, b: 2.0 - a * b,
    "mul": lambda a, b: a * b,
    "rmul": lambda a, b: 1.5 * a * b,
    "div": lambda a, b: a / b,
    "rdiv": lambda a, b: 2.0 / (a * b),
    "pow": lambda a, b: a ** 3 + b ** -0.5,
    "neg": lambda a, b: -a * b,
    "exp": lambda a, b: (a * b).exp(),
    "log": lambda a, b: (a * a + b).log(),
    "relu": lambda a, b: (a - b).relu() + (b - a).relu() * 2,
    "mixed": lambda a, b: ((a * b + a.exp()) / (b ** 2 + 1)).log() - (a - b).relu() ** 2,
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_gradient_matches_finite_differences(name):
    xs = [1.3, 0.7]
    vals = [Value(x) for x in xs]
    out = OPS[name](*vals)
    out.backward()
    expected = numeric_grad(lambda: OPS[name](*[Value(x) for x in xs]).data, xs)
    for v, g in zip(vals, expected):
        assert v.grad == pytest.approx(g, rel=1e-6, abs=1e-8), name


def test_every_node_is_labelled_with_its_op():
    a, b = Value(2.0), Value(3.0)
    ops = {(a + b)._op, (a * b)._op, (a ** 2)._op, a.exp()._op, a.log()._op, a.relu()._op}
    assert ops == {"+", "*", "**2", "exp", "log", "relu"}


def test_children_are_a_tuple_in_operand_order():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    assert isinstance(c._children, tuple) and c._children == (a, b)


def test_a_value_used_twice_accumulates_both_paths():
    a = Value(3.0)
    b = a * a + a            # db/da = 2a + 1 = 7
    b.backward()
    assert a.grad == 7.0


def test_backward_twice_over_shared_nodes_double_counts():
    # the seed's bug in miniature: .grad is never reset, so a second backward adds again
    a = Value(3.0)
    b = a * 2.0
    b.backward()
    b.backward()
    assert a.grad == 4.0


def test_backward_on_a_chain_10000_deep_does_not_recurse():
    x = Value(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 10_000, rel=1e-9)


def test_log_of_zero_or_less_is_a_typed_domain_error():
    for x in (0.0, -1.0):
        with pytest.raises(NonPositiveLog, match="non-positive") as e:
            Value(x).log()
        assert isinstance(e.value, DomainError) and isinstance(e.value, ValueError)


def test_the_square_root_of_zero_is_zero_with_an_infinite_slope():
    x = Value(0.0)
    y = x ** 0.5
    assert y.data == 0.0 and y._local_grads == (math.inf,)
    y.backward()
    assert x.grad == math.inf
    assert (Value(0.0) ** 0).data == 1.0 and (Value(0.0) ** 0)._local_grads == (0.0,)
    assert (Value(0.0) ** 2)._local_grads == (0.0,)


@pytest.mark.parametrize("base, k, what", [(-8.0, 0.5, "not a real number"),
                                           (-2.0, 1 / 3, "not a real number"),
                                           (0.0, -1, "divides by zero"),
                                           (0.0, -0.5, "divides by zero")])
def test_powers_without_a_real_result_are_a_domain_error(base, k, what):
    with pytest.raises(DomainError, match=what):
        Value(base) ** k


def test_negative_bases_with_whole_exponents_stay_real():
    y = Value(-2.0) ** 3
    y.backward()
    assert y.data == -8.0 and y._children[0].grad == 12.0
    assert (Value(-2.0) ** 2.0).data == 4.0 and (1 / Value(-4.0)).data == -0.25


def test_overflows_are_a_typed_error_not_a_bare_overflow():
    with pytest.raises(FloatOverflow, match=r"exp\(1000\) is beyond the largest float"):
        Value(1000.0).exp()
    with pytest.raises(FloatOverflow, match="beyond the largest float"):
        Value(1e200) ** 2
    assert issubclass(FloatOverflow, OverflowError) and issubclass(FloatOverflow, DomainError)


def test_pow_needs_a_number_exponent():
    with pytest.raises(TypeError):
        Value(2.0) ** Value(2.0)


def test_fused_sum_and_dot_equal_the_chain_of_binary_ops():
    rng = random.Random(0)
    ws = [Value(rng.gauss(0, 1)) for _ in range(17)]
    xs = [Value(rng.gauss(0, 1)) for _ in range(17)]
    fused = dot(ws, xs) * vsum(xs)
    plain = sum(w * x for w, x in zip(ws, xs)) * sum(xs)
    assert fused.data == plain.data                  # bit for bit: same order of additions
    fused.backward()
    g_fused = [v.grad for v in ws + xs]
    for v in ws + xs:
        v.grad = 0.0
    plain.backward()
    g_plain = [v.grad for v in ws + xs]
    assert g_fused == pytest.approx(g_plain, rel=1e-12)


def test_topo_order_with_leaves_is_every_node_children_first_in_a_fixed_order():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    assert topo_order(d, leaves=True) == [a, b, c, d]
    assert topo_order(d) == [c, d] == d.topo_order()      # the same walk without the leaves
    assert topo_order(a, leaves=True) == [a]


def test_topo_order_puts_children_first_and_skips_leaves():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + c.exp()
    order = d.topo_order()
    assert order[-1] is d
    assert a not in order and b not in order
    assert order.index(c) < order.index(d)
    assert len(order) == len(set(map(id, order)))


def test_repr_has_no_memory_address():
    assert repr(Value(1.23456)) == "Value(data=1.2346, grad=0.0000)"


def test_gradient_of_softmax_style_expression_is_finite():
    xs = [Value(x) for x in (1000.0, 1001.0)]
    m = max(x.data for x in xs)
    exps = [(x - m).exp() for x in xs]
    p = exps[0] / vsum(exps)
    p.backward()
    assert all(math.isfinite(x.grad) for x in xs)


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_turns_the_collector_off_and_puts_it_back_as_it_was(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with pytest.raises(RuntimeError, match="inside"):
            with collector_paused():
                assert not gc.isenabled()
                raise RuntimeError("inside")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
