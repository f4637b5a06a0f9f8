//! The Python builtins, numpy and math functions, methods of plain values
//! and colormaps that the subset supports.

use std::rc::Rc;

use crate::color::Color;
use crate::error::ChartErrorKind;
use crate::format::{printf, PrintfArg};
use crate::interp::{keys_equal, Args, Interp, R};
use crate::value::{range_len, Value};

const BUILTINS: &[&str] = &[
    "range",
    "len",
    "list",
    "tuple",
    "zip",
    "enumerate",
    "str",
    "int",
    "float",
    "bool",
    "round",
    "min",
    "max",
    "sum",
    "abs",
    "sorted",
    "reversed",
    "dict",
    "print",
    "format",
];

const NUMPY: &[&str] = &[
    "array",
    "asarray",
    "arange",
    "linspace",
    "zeros",
    "ones",
    "full",
    "zeros_like",
    "ones_like",
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "log10",
    "log2",
    "sqrt",
    "abs",
    "square",
    "cumsum",
    "sum",
    "mean",
    "median",
    "std",
    "max",
    "min",
    "round",
    "clip",
    "concatenate",
    "deg2rad",
    "radians",
    "floor",
    "ceil",
    "sort",
    "diff",
    "append",
    "repeat",
    "tile",
];

const MATH: &[&str] = &[
    "sin", "cos", "tan", "sqrt", "exp", "log", "log10", "log2", "floor", "ceil", "radians",
    "degrees", "fabs", "pow",
];

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// `np.NAME`, `math.NAME` (functions and constants).
pub fn module_attr(module: &str, name: &str) -> Option<Value> {
    match (module, name) {
        ("np" | "math", "pi") => Some(Value::Float(std::f64::consts::PI)),
        ("np" | "math", "e") => Some(Value::Float(std::f64::consts::E)),
        ("np" | "math", "inf") | ("np", "Inf") => Some(Value::Float(f64::INFINITY)),
        ("np" | "math", "nan") | ("np", "NaN") => Some(Value::Float(f64::NAN)),
        ("np", "newaxis") => None,
        ("np", "random") => Some(Value::Module("np.random")),
        ("np", n) if NUMPY.contains(&n) => Some(Value::func(&format!("np.{n}"), None)),
        ("math", n) if MATH.contains(&n) => Some(Value::func(&format!("math.{n}"), None)),
        _ => None,
    }
}

fn float_fn(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "exp" => f64::exp,
        "log" => f64::ln,
        "log10" => f64::log10,
        "log2" => f64::log2,
        "sqrt" => f64::sqrt,
        "abs" | "fabs" => f64::abs,
        "square" => |x| x * x,
        "deg2rad" | "radians" => f64::to_radians,
        "degrees" => f64::to_degrees,
        "floor" => f64::floor,
        "ceil" => f64::ceil,
        _ => return None,
    })
}

fn need(it: &Interp, v: Option<Value>, func: &str, param: &str) -> R<Value> {
    v.ok_or_else(|| it.runtime(format!("{func}() missing argument `{param}`")))
}

fn num(it: &Interp, v: &Value, what: &str) -> R<f64> {
    v.as_f64().ok_or_else(|| {
        it.runtime(format!(
            "{what}: expected a number, found {}",
            v.type_name()
        ))
    })
}

fn int(it: &Interp, v: &Value, what: &str) -> R<i64> {
    v.as_int().ok_or_else(|| {
        it.runtime(format!(
            "{what}: expected an integer, found {}",
            v.type_name()
        ))
    })
}

/// Refuses leftover keyword arguments.
pub fn no_more(it: &Interp, func: &str, args: &Args) -> R<()> {
    if let Some((k, _)) = args.kw.first() {
        return Err(it.unsupported(format!(
            "{func}() keyword `{k}` is outside the supported subset"
        )));
    }
    Ok(())
}

fn round_half_even(x: f64, digits: i64) -> f64 {
    if digits == 0 {
        return x.round_ties_even();
    }
    let p = 10f64.powi(digits.clamp(-300, 300) as i32);
    (x * p).round_ties_even() / p
}

/// A Python builtin or a numpy/math module function.
pub fn call_function(it: &mut Interp, name: &str, mut a: Args) -> R<Value> {
    if let Some(rest) = name.strip_prefix("np.") {
        return numpy(it, rest, a);
    }
    if let Some(rest) = name.strip_prefix("math.") {
        let x = need(it, a.take(0, "x"), name, "x")?;
        let x = num(it, &x, name)?;
        if rest == "pow" {
            let y = need(it, a.take(1, "y"), name, "y")?;
            return Ok(Value::Float(x.powf(num(it, &y, name)?)));
        }
        let f = float_fn(rest).ok_or_else(|| it.unsupported(format!("`{name}`")))?;
        let v = f(x);
        return Ok(if matches!(rest, "floor" | "ceil") && v.is_finite() {
            Value::Int(v as i64)
        } else {
            Value::Float(v)
        });
    }
    match name {
        "print" => Ok(Value::None),
        "range" => {
            no_more(it, name, &a)?;
            let ints: R<Vec<i64>> = a.pos.iter().map(|v| int(it, v, "range")).collect();
            let ints = ints?;
            let (start, stop, step) = match ints.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => return Err(it.runtime("range() takes 1 to 3 integers")),
            };
            if step == 0 {
                return Err(it.runtime("range() step must not be zero"));
            }
            Ok(Value::Range(start, stop, step))
        }
        "len" => {
            let v = need(it, a.take(0, "obj"), name, "obj")?;
            let n = match &v {
                Value::Str(s) => s.chars().count() as u64,
                Value::List(l) => l.borrow().len() as u64,
                Value::Tuple(t) => t.len() as u64,
                Value::Array(x) => x.len() as u64,
                Value::IntArray(x) => x.len() as u64,
                Value::Dict(d) => d.borrow().len() as u64,
                Value::Range(s, e, st) => range_len(*s, *e, *st),
                Value::AxesArray(arr) => arr.rows as u64,
                other => return Err(it.runtime(format!("{} has no len()", other.type_name()))),
            };
            Ok(Value::Int(n.min(i64::MAX as u64) as i64))
        }
        "list" | "tuple" => {
            let items = match a.take(0, "iterable") {
                Some(v) => it.iterate(&v)?,
                None => Vec::new(),
            };
            if name == "list" {
                it.new_list(items)
            } else {
                it.new_tuple(items)
            }
        }
        "zip" => {
            let mut cols = Vec::new();
            for v in &a.pos {
                cols.push(it.iterate(v)?);
            }
            let n = cols.iter().map(|c| c.len()).min().unwrap_or(0);
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let row: Vec<Value> = cols.iter().map(|c| c[i].clone()).collect();
                out.push(it.new_tuple(row)?);
            }
            it.new_list(out)
        }
        "enumerate" => {
            let v = need(it, a.take(0, "iterable"), name, "iterable")?;
            let start = match a.take(1, "start") {
                Some(s) => int(it, &s, "enumerate start")?,
                None => 0,
            };
            let items = it.iterate(&v)?;
            let mut out = Vec::with_capacity(items.len());
            for (i, x) in items.into_iter().enumerate() {
                out.push(it.new_tuple(vec![Value::Int(start + i as i64), x])?);
            }
            it.new_list(out)
        }
        "str" => {
            let s = match a.take(0, "object") {
                Some(v) => it.str_of(&v)?,
                None => String::new(),
            };
            it.new_str(s)
        }
        "format" => {
            let v = need(it, a.take(0, "value"), name, "value")?;
            let spec = match a.take(1, "format_spec") {
                Some(Value::Str(s)) => s.to_string(),
                _ => String::new(),
            };
            let s = it.format_value(&v, &spec)?;
            it.new_str(s)
        }
        "int" => {
            let v = need(it, a.take(0, "x"), name, "x")?;
            match &v {
                Value::Str(s) => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::Int)
                    .map_err(|_| it.runtime(format!("invalid literal for int(): '{s}'"))),
                v => {
                    let x = num(it, v, "int")?;
                    if !x.is_finite() || x.abs() >= 9.2e18 {
                        return Err(it.runtime("cannot convert to int"));
                    }
                    Ok(Value::Int(x.trunc() as i64))
                }
            }
        }
        "float" => {
            let v = need(it, a.take(0, "x"), name, "x")?;
            match &v {
                Value::Str(s) => {
                    let t = s.trim().to_ascii_lowercase();
                    let f = match t.as_str() {
                        "inf" | "+inf" | "infinity" => f64::INFINITY,
                        "-inf" | "-infinity" => f64::NEG_INFINITY,
                        "nan" => f64::NAN,
                        _ => t.parse::<f64>().map_err(|_| {
                            it.runtime(format!("could not convert string to float: '{s}'"))
                        })?,
                    };
                    Ok(Value::Float(f))
                }
                v => Ok(Value::Float(num(it, v, "float")?)),
            }
        }
        "bool" => Ok(Value::Bool(a.take(0, "x").is_some_and(|v| v.truthy()))),
        "round" => {
            let v = need(it, a.take(0, "number"), name, "number")?;
            let digits = a.take(1, "ndigits");
            if v.is_array() {
                let d = match &digits {
                    Some(d) => int(it, d, "round")?,
                    None => 0,
                };
                let xs = it.numbers(&v, "round")?;
                let out = xs.iter().map(|x| round_half_even(*x, d)).collect();
                return it.new_array(out);
            }
            let x = num(it, &v, "round")?;
            match digits {
                None => {
                    if let Value::Int(i) = v {
                        return Ok(Value::Int(i));
                    }
                    let r = x.round_ties_even();
                    if !r.is_finite() || r.abs() >= 9.2e18 {
                        return Err(it.runtime("cannot round a non-finite or huge number to int"));
                    }
                    Ok(Value::Int(r as i64))
                }
                Some(d) => {
                    let d = int(it, &d, "round")?;
                    if let Value::Int(i) = v {
                        if d >= 0 {
                            return Ok(Value::Int(i));
                        }
                    }
                    Ok(Value::Float(round_half_even(x, d)))
                }
            }
        }
        "abs" => {
            let v = need(it, a.take(0, "x"), name, "x")?;
            match v {
                Value::Int(i) => Ok(Value::Int(i.saturating_abs())),
                v if v.is_array() => {
                    let xs = it.numbers(&v, "abs")?;
                    it.new_array(xs.iter().map(|x| x.abs()).collect())
                }
                v => Ok(Value::Float(num(it, &v, "abs")?.abs())),
            }
        }
        "min" | "max" | "sum" => {
            if a.kw.iter().any(|(k, _)| k == "key") {
                return Err(it.unsupported(format!("{name}() with key=")));
            }
            let start = if name == "sum" {
                a.take(1, "start")
            } else {
                None
            };
            let items = if a.pos.len() == 1 || name == "sum" {
                let v = need(it, a.pos.first().cloned(), name, "iterable")?;
                it.iterate(&v)?
            } else {
                std::mem::take(&mut a.pos)
            };
            if name == "sum" {
                let mut acc = start.unwrap_or(Value::Int(0));
                for x in items {
                    acc = it.binop(rustpython_parser::ast::Operator::Add, acc, x)?;
                }
                return Ok(acc);
            }
            let mut best: Option<Value> = None;
            for x in items {
                let better = match &best {
                    None => true,
                    Some(b) => {
                        let ord = order(it, &x, b)?;
                        if name == "min" {
                            ord.is_lt()
                        } else {
                            ord.is_gt()
                        }
                    }
                };
                if better {
                    best = Some(x);
                }
            }
            best.ok_or_else(|| it.runtime(format!("{name}() of an empty sequence")))
        }
        "sorted" | "reversed" => {
            let v = need(it, a.take(0, "iterable"), name, "iterable")?;
            let mut items = it.iterate(&v)?;
            if name == "reversed" {
                items.reverse();
                return it.new_list(items);
            }
            if a.kw.iter().any(|(k, _)| k == "key") {
                return Err(it.unsupported("sorted() with key="));
            }
            let reverse = a.kw("reverse").is_some_and(|r| r.truthy());
            sort_values(it, &mut items)?;
            if reverse {
                items.reverse();
            }
            it.new_list(items)
        }
        "dict" => {
            let mut items = Vec::new();
            if let Some(v) = a.pos.first().cloned() {
                for pair in it.iterate(&v)? {
                    let kv = it.iterate(&pair)?;
                    if kv.len() != 2 {
                        return Err(it.runtime("dict() needs pairs"));
                    }
                    items.push((kv[0].clone(), kv[1].clone()));
                }
            }
            for (k, v) in std::mem::take(&mut a.kw) {
                items.push((Value::str(&k), v));
            }
            it.alloc(items.len() as u64)?;
            Ok(Value::Dict(Rc::new(std::cell::RefCell::new(items))))
        }
        _ => Err(it.unsupported(format!("`{name}()` is outside the supported subset"))),
    }
}

fn order(it: &Interp, a: &Value, b: &Value) -> R<std::cmp::Ordering> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Ok(x.cmp(y)),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => Ok(x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)),
            _ => Err(it.runtime(format!(
                "cannot order {} and {}",
                a.type_name(),
                b.type_name()
            ))),
        },
    }
}

fn sort_values(it: &mut Interp, items: &mut [Value]) -> R<()> {
    let n = items.len() as u64;
    it.step(n.saturating_mul(64 - n.leading_zeros() as u64))?;
    let mut err = None;
    items.sort_by(|a, b| match order(it, a, b) {
        Ok(o) => o,
        Err(e) => {
            err.get_or_insert(e);
            std::cmp::Ordering::Equal
        }
    });
    err.map_or(Ok(()), Err)
}

fn numpy(it: &mut Interp, name: &str, mut a: Args) -> R<Value> {
    let full = format!("np.{name}");
    if let Some(f) = float_fn(name) {
        let v = need(it, a.take(0, "x"), &full, "x")?;
        no_more(it, &full, &a)?;
        if let Some(x) = v.as_f64() {
            return Ok(Value::Float(f(x)));
        }
        let xs = it.numbers(&v, &full)?;
        it.step(xs.len() as u64)?;
        let out = xs.iter().map(|x| f(*x)).collect();
        return it.new_array(out);
    }
    match name {
        "array" | "asarray" => {
            let v = need(it, a.take(0, "object"), &full, "object")?;
            let dtype = a.kw("dtype");
            no_more(it, &full, &a)?;
            to_array(it, &v, dtype.as_ref())
        }
        "arange" => {
            let vals: Vec<Value> = a.pos.clone();
            let all_int = vals.iter().all(|v| v.as_int().is_some());
            let nums: R<Vec<f64>> = vals.iter().map(|v| num(it, v, "np.arange")).collect();
            let (start, stop, step) = match nums?.as_slice() {
                [stop] => (0.0, *stop, 1.0),
                [start, stop] => (*start, *stop, 1.0),
                [start, stop, step] => (*start, *stop, *step),
                _ => return Err(it.runtime("np.arange() takes 1 to 3 numbers")),
            };
            if step == 0.0 || !step.is_finite() || !start.is_finite() || !stop.is_finite() {
                return Err(it.runtime("np.arange() needs finite bounds and a non-zero step"));
            }
            let n = ((stop - start) / step).ceil().max(0.0);
            if n > it.limits.max_elements as f64 {
                return Err(it.err(
                    ChartErrorKind::Budget,
                    format!("np.arange of {n} elements exceeds the element budget"),
                ));
            }
            let n = n as usize;
            if all_int {
                let (s, st) = (start as i64, step as i64);
                return it.new_int_array((0..n as i64).map(|i| s + i * st).collect());
            }
            it.new_array((0..n).map(|i| start + i as f64 * step).collect())
        }
        "linspace" => {
            let start = need(it, a.take(0, "start"), &full, "start")?;
            let stop = need(it, a.take(1, "stop"), &full, "stop")?;
            let n = match a.take(2, "num") {
                Some(v) => int(it, &v, "np.linspace num")?,
                None => 50,
            };
            let endpoint = a.take(3, "endpoint").map(|v| v.truthy()).unwrap_or(true);
            no_more(it, &full, &a)?;
            let (s, e) = (
                num(it, &start, "np.linspace")?,
                num(it, &stop, "np.linspace")?,
            );
            if n < 0 {
                return Err(it.runtime("np.linspace num must be non-negative"));
            }
            if n as u64 > it.limits.max_elements {
                return Err(it.err(
                    ChartErrorKind::Budget,
                    format!("np.linspace of {n} elements exceeds the element budget"),
                ));
            }
            let n = n as usize;
            let div = if endpoint { n.saturating_sub(1) } else { n }.max(1) as f64;
            let step = (e - s) / div;
            let mut out: Vec<f64> = (0..n).map(|i| s + i as f64 * step).collect();
            if endpoint && n > 1 {
                out[n - 1] = e;
            }
            it.new_array(out)
        }
        "zeros" | "ones" | "full" | "zeros_like" | "ones_like" => {
            let shape = need(it, a.take(0, "shape"), &full, "shape")?;
            let n = if name.ends_with("_like") {
                it.numbers(&shape, &full)?.len() as i64
            } else {
                match &shape {
                    Value::Tuple(t) if t.len() == 1 => int(it, &t[0], &full)?,
                    v => int(it, v, &full)?,
                }
            };
            let fill = match name {
                "zeros" | "zeros_like" => 0.0,
                "ones" | "ones_like" => 1.0,
                _ => {
                    let v = need(it, a.take(1, "fill_value"), &full, "fill_value")?;
                    num(it, &v, &full)?
                }
            };
            let _ = a.kw("dtype");
            no_more(it, &full, &a)?;
            if n < 0 || n as u64 > it.limits.max_elements {
                return Err(it.err(
                    ChartErrorKind::Budget,
                    format!("{full} of {n} elements exceeds the element budget"),
                ));
            }
            it.new_array(vec![fill; n as usize])
        }
        "cumsum" | "sum" | "mean" | "median" | "std" | "max" | "min" | "sort" | "diff" => {
            let v = need(it, a.take(0, "a"), &full, "a")?;
            no_more(it, &full, &a)?;
            let xs = it.numbers(&v, &full)?;
            array_reduce(it, name, &xs, v.is_int_typed() || is_int_list(&v))
        }
        "round" => {
            let v = need(it, a.take(0, "a"), &full, "a")?;
            let d = match a.take(1, "decimals") {
                Some(d) => int(it, &d, "np.round")?,
                None => 0,
            };
            if let Some(x) = v.as_f64() {
                return Ok(Value::Float(round_half_even(x, d)));
            }
            let xs = it.numbers(&v, &full)?;
            it.new_array(xs.iter().map(|x| round_half_even(*x, d)).collect())
        }
        "clip" => {
            let v = need(it, a.take(0, "a"), &full, "a")?;
            let lo = need(it, a.take(1, "a_min"), &full, "a_min")?;
            let hi = need(it, a.take(2, "a_max"), &full, "a_max")?;
            let (lo, hi) = (
                lo.as_f64().unwrap_or(f64::NEG_INFINITY),
                hi.as_f64().unwrap_or(f64::INFINITY),
            );
            let xs = it.numbers(&v, &full)?;
            it.new_array(xs.iter().map(|x| x.max(lo).min(hi)).collect())
        }
        "concatenate" | "append" => {
            let parts = if name == "append" {
                let x = need(it, a.take(0, "arr"), &full, "arr")?;
                let y = need(it, a.take(1, "values"), &full, "values")?;
                vec![x, y]
            } else {
                let v = need(it, a.take(0, "arrays"), &full, "arrays")?;
                it.iterate(&v)?
            };
            let mut out = Vec::new();
            for p in &parts {
                out.extend(it.numbers(p, &full)?);
            }
            it.new_array(out)
        }
        "repeat" | "tile" => {
            let v = need(it, a.take(0, "a"), &full, "a")?;
            let k = need(it, a.take(1, "repeats"), &full, "repeats")?;
            let k = int(it, &k, &full)?.max(0) as u64;
            let xs = it.numbers(&v, &full)?;
            let total = (xs.len() as u64).saturating_mul(k);
            it.alloc(total)?;
            let out: Vec<f64> = if name == "tile" {
                (0..k).flat_map(|_| xs.iter().copied()).collect()
            } else {
                xs.iter()
                    .flat_map(|x| std::iter::repeat_n(*x, k as usize))
                    .collect()
            };
            it.new_array(out)
        }
        _ => Err(it.unsupported(format!("`{full}` is outside the supported subset"))),
    }
}

fn is_int_list(v: &Value) -> bool {
    match v {
        Value::List(l) => l.borrow().iter().all(|x| matches!(x, Value::Int(_))),
        Value::Tuple(t) => t.iter().all(|x| matches!(x, Value::Int(_))),
        Value::Range(..) => true,
        _ => false,
    }
}

fn array_reduce(it: &mut Interp, name: &str, xs: &[f64], ints: bool) -> R<Value> {
    let n = xs.len();
    let sum: f64 = xs.iter().sum();
    let as_num = |x: f64| {
        if ints && x.is_finite() && x.abs() < 9e15 {
            Value::Int(x as i64)
        } else {
            Value::Float(x)
        }
    };
    Ok(match name {
        "cumsum" => {
            let mut acc = 0.0;
            let out: Vec<f64> = xs
                .iter()
                .map(|x| {
                    acc += x;
                    acc
                })
                .collect();
            if ints {
                return it.new_int_array(out.iter().map(|&x| x as i64).collect());
            }
            return it.new_array(out);
        }
        "diff" => {
            let out: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
            return it.new_array(out);
        }
        "sort" => {
            let mut out = xs.to_vec();
            out.sort_by(|a, b| a.total_cmp(b));
            return it.new_array(out);
        }
        "sum" => as_num(sum),
        "mean" => Value::Float(if n == 0 { f64::NAN } else { sum / n as f64 }),
        "std" => {
            let m = sum / n.max(1) as f64;
            Value::Float(
                (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n.max(1) as f64).sqrt(),
            )
        }
        "median" => {
            if n == 0 {
                return Ok(Value::Float(f64::NAN));
            }
            let mut s = xs.to_vec();
            s.sort_by(|a, b| a.total_cmp(b));
            Value::Float(if n % 2 == 1 {
                s[n / 2]
            } else {
                (s[n / 2 - 1] + s[n / 2]) / 2.0
            })
        }
        "max" | "min" => {
            if n == 0 {
                return Err(it.runtime(format!("{name} of an empty array")));
            }
            let v = if name == "max" {
                xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            } else {
                xs.iter().copied().fold(f64::INFINITY, f64::min)
            };
            as_num(v)
        }
        _ => return Err(it.unsupported(format!("array method `{name}`"))),
    })
}

/// `np.array(v)`: a flat array of numbers, or a list of row arrays for
/// nested input.
fn to_array(it: &mut Interp, v: &Value, dtype: Option<&Value>) -> R<Value> {
    let items = match v {
        Value::Array(_) | Value::IntArray(_) => return Ok(v.clone()),
        v if v.as_f64().is_some() => return Ok(v.clone()),
        v => it.iterate(v)?,
    };
    if items.iter().any(|x| {
        matches!(
            x,
            Value::List(_) | Value::Tuple(_) | Value::Array(_) | Value::IntArray(_)
        )
    }) {
        let mut rows = Vec::with_capacity(items.len());
        for row in &items {
            rows.push(to_array(it, row, dtype)?);
        }
        return it.new_list(rows);
    }
    if items.iter().all(|x| matches!(x, Value::Str(_))) && !items.is_empty() {
        return it.new_list(items);
    }
    let float_dtype = matches!(dtype, Some(Value::Func(f)) if f.name == "float");
    if !float_dtype
        && items
            .iter()
            .all(|x| matches!(x, Value::Int(_) | Value::Bool(_)))
    {
        let out = items.iter().map(|x| x.as_int().unwrap_or(0)).collect();
        return it.new_int_array(out);
    }
    let xs = it.numbers(v, "np.array")?;
    it.new_array(xs)
}

/// A method of a list, string, dict or array.
pub fn call_method(it: &mut Interp, obj: &Value, name: &str, mut a: Args) -> R<Value> {
    match obj {
        Value::List(l) => match name {
            "append" => {
                let v = need(it, a.take(0, "object"), name, "object")?;
                it.alloc(1)?;
                l.borrow_mut().push(v);
                Ok(Value::None)
            }
            "extend" => {
                let v = need(it, a.take(0, "iterable"), name, "iterable")?;
                let items = it.iterate(&v)?;
                l.borrow_mut().extend(items);
                Ok(Value::None)
            }
            "insert" => {
                let i = need(it, a.take(0, "index"), name, "index")?;
                let v = need(it, a.take(1, "object"), name, "object")?;
                let len = l.borrow().len() as i64;
                let i = int(it, &i, "insert")?;
                let i = if i < 0 { (i + len).max(0) } else { i.min(len) };
                it.alloc(1)?;
                l.borrow_mut().insert(i as usize, v);
                Ok(Value::None)
            }
            "pop" => {
                let len = l.borrow().len();
                let i = match a.take(0, "index") {
                    Some(i) => it.index(&i, len)?,
                    None if len > 0 => len - 1,
                    None => return Err(it.runtime("pop from empty list")),
                };
                Ok(l.borrow_mut().remove(i))
            }
            "reverse" => {
                l.borrow_mut().reverse();
                Ok(Value::None)
            }
            "sort" => {
                let mut items = l.borrow().clone();
                sort_values(it, &mut items)?;
                if a.kw("reverse").is_some_and(|r| r.truthy()) {
                    items.reverse();
                }
                *l.borrow_mut() = items;
                Ok(Value::None)
            }
            "copy" => {
                let items = l.borrow().clone();
                it.new_list(items)
            }
            "index" | "count" => {
                let v = need(it, a.take(0, "value"), name, "value")?;
                let items = l.borrow();
                if name == "count" {
                    return Ok(Value::Int(
                        items.iter().filter(|x| keys_equal(x, &v)).count() as i64,
                    ));
                }
                items
                    .iter()
                    .position(|x| keys_equal(x, &v))
                    .map(|i| Value::Int(i as i64))
                    .ok_or_else(|| it.runtime("value is not in list"))
            }
            _ => Err(it.unsupported(format!("list method `{name}`"))),
        },
        Value::Str(s) => string_method(it, s, name, a),
        Value::Dict(d) => match name {
            "keys" | "values" | "items" => {
                let entries = d.borrow().clone();
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    out.push(match name {
                        "keys" => k,
                        "values" => v,
                        _ => it.new_tuple(vec![k, v])?,
                    });
                }
                it.new_list(out)
            }
            "get" => {
                let k = need(it, a.take(0, "key"), name, "key")?;
                let default = a.take(1, "default").unwrap_or(Value::None);
                Ok(d.borrow()
                    .iter()
                    .find(|(x, _)| keys_equal(x, &k))
                    .map(|(_, v)| v.clone())
                    .unwrap_or(default))
            }
            _ => Err(it.unsupported(format!("dict method `{name}`"))),
        },
        Value::Array(_) | Value::IntArray(_) => {
            let xs = it.numbers(obj, "array")?;
            match name {
                "tolist" | "flatten" | "ravel" | "copy" => match obj {
                    Value::IntArray(v) if name == "tolist" => {
                        let items = v.iter().map(|i| Value::Int(*i)).collect();
                        it.new_list(items)
                    }
                    Value::Array(_) if name == "tolist" => {
                        let items = xs.iter().map(|x| Value::Float(*x)).collect();
                        it.new_list(items)
                    }
                    _ => Ok(obj.clone()),
                },
                "astype" => {
                    let t = need(it, a.take(0, "dtype"), name, "dtype")?;
                    match t {
                        Value::Func(f) if f.name == "int" => it.new_int_array(
                            xs.iter()
                                .map(|x| if x.is_finite() { x.trunc() as i64 } else { 0 })
                                .collect(),
                        ),
                        Value::Func(f) if f.name == "float" => it.new_array(xs),
                        _ => Err(it.unsupported("astype() other than int or float")),
                    }
                }
                "round" => {
                    let d = match a.take(0, "decimals") {
                        Some(d) => int(it, &d, "round")?,
                        None => 0,
                    };
                    it.new_array(xs.iter().map(|x| round_half_even(*x, d)).collect())
                }
                _ => array_reduce(it, name, &xs, obj.is_int_typed()),
            }
        }
        other => Err(it.unsupported(format!("method `{name}` of {}", other.type_name()))),
    }
}

fn string_method(it: &mut Interp, s: &Rc<str>, name: &str, mut a: Args) -> R<Value> {
    let out = match name {
        "upper" => s.to_uppercase(),
        "lower" => s.to_lowercase(),
        "strip" => s.trim().to_string(),
        "title" => {
            let mut out = String::new();
            let mut prev_alpha = false;
            for c in s.chars() {
                if prev_alpha {
                    out.extend(c.to_lowercase());
                } else {
                    out.extend(c.to_uppercase());
                }
                prev_alpha = c.is_alphabetic();
            }
            out
        }
        "capitalize" => {
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        }
        "replace" => {
            let from = need(it, a.take(0, "old"), name, "old")?;
            let to = need(it, a.take(1, "new"), name, "new")?;
            match (from, to) {
                (Value::Str(f), Value::Str(t)) => {
                    if f.is_empty() {
                        return Err(it.unsupported("replace() of an empty string"));
                    }
                    let n = s.matches(f.as_ref()).count() as u64;
                    let grow = n.saturating_mul(t.len() as u64);
                    if grow > it.limits.max_string_bytes {
                        return Err(
                            it.err(ChartErrorKind::Budget, "replace() beyond the string budget")
                        );
                    }
                    s.replace(f.as_ref(), &t)
                }
                _ => return Err(it.runtime("replace() takes strings")),
            }
        }
        "startswith" | "endswith" => {
            let p = need(it, a.take(0, "prefix"), name, "prefix")?;
            let Value::Str(p) = p else {
                return Err(it.runtime(format!("{name}() takes a string")));
            };
            return Ok(Value::Bool(if name == "startswith" {
                s.starts_with(p.as_ref())
            } else {
                s.ends_with(p.as_ref())
            }));
        }
        "split" => {
            let parts: Vec<String> = match a.take(0, "sep") {
                Some(Value::Str(sep)) if !sep.is_empty() => {
                    s.split(sep.as_ref()).map(str::to_string).collect()
                }
                _ => s.split_whitespace().map(str::to_string).collect(),
            };
            let mut out = Vec::with_capacity(parts.len());
            for p in parts {
                out.push(it.new_str(p)?);
            }
            return it.new_list(out);
        }
        "join" => {
            let v = need(it, a.take(0, "iterable"), name, "iterable")?;
            let items = it.iterate(&v)?;
            let mut parts = Vec::with_capacity(items.len());
            for x in &items {
                match x {
                    Value::Str(p) => parts.push(p.to_string()),
                    other => {
                        return Err(it.runtime(format!(
                            "join() expects strings, found {}",
                            other.type_name()
                        )))
                    }
                }
            }
            parts.join(s)
        }
        "format" => str_format(it, s, a)?,
        _ => return Err(it.unsupported(format!("string method `{name}`"))),
    };
    it.new_str(out)
}

/// `"...".format(...)`: `{}`, `{0}`, `{name}`, each with an optional
/// `:spec`; `{{`/`}}` escape braces.
fn str_format(it: &mut Interp, template: &str, a: Args) -> R<String> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    let mut auto = 0;
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => field.push(c),
                        None => return Err(it.runtime("unmatched `{` in format string")),
                    }
                }
                let (key, spec) = field.split_once(':').unwrap_or((&field, ""));
                let v = if key.is_empty() {
                    auto += 1;
                    a.pos.get(auto - 1).cloned()
                } else if let Ok(i) = key.parse::<usize>() {
                    a.pos.get(i).cloned()
                } else {
                    a.kw.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
                };
                let v = v.ok_or_else(|| {
                    it.runtime(format!("format(): no argument for `{{{field}}}`"))
                })?;
                out.push_str(&it.format_value(&v, spec)?);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `template % args`.
pub fn percent_format(it: &mut Interp, template: &str, args: &Value) -> R<Value> {
    let values: Vec<Value> = match args {
        Value::Tuple(t) => t.as_ref().clone(),
        v => vec![v.clone()],
    };
    let mut strs = Vec::new();
    for v in &values {
        strs.push(match v {
            Value::Str(s) => Some(s.to_string()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => None,
            other => Some(it.str_of(other)?),
        });
    }
    let pargs: Vec<PrintfArg> = values
        .iter()
        .zip(&strs)
        .map(|(v, s)| match (v, s) {
            (_, Some(s)) => PrintfArg::Str(s),
            (Value::Int(i), _) => PrintfArg::Int(*i),
            (Value::Bool(b), _) => PrintfArg::Int(*b as i64),
            (v, _) => PrintfArg::Float(v.as_f64().unwrap_or(f64::NAN)),
        })
        .collect();
    let s = printf(template, &pargs).ok_or_else(|| {
        it.runtime(format!(
            "bad %-format `{template}` for {} argument(s)",
            values.len()
        ))
    })?;
    it.new_str(s)
}

// ---- colormaps ----

const COLORMAPS: &[(&str, [u32; 5])] = &[
    (
        "viridis",
        [0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725],
    ),
    ("plasma", [0x0d0887, 0x7e03a8, 0xcc4778, 0xf89540, 0xf0f921]),
    (
        "coolwarm",
        [0x3b4cc0, 0x8db0fe, 0xdddddd, 0xf49a7b, 0xb40426],
    ),
    ("Blues", [0xf7fbff, 0xc6dbef, 0x6baed6, 0x2171b5, 0x08306b]),
    ("Reds", [0xfff5f0, 0xfcbba1, 0xfb6a4a, 0xcb181d, 0x67000d]),
    ("Greens", [0xf7fcf5, 0xc7e9c0, 0x74c476, 0x238b45, 0x00441b]),
    (
        "Oranges",
        [0xfff5eb, 0xfdd0a2, 0xfd8d3c, 0xd94801, 0x7f2704],
    ),
    (
        "Purples",
        [0xfcfbfd, 0xdadaeb, 0x9e9ac8, 0x6a51a3, 0x3f007d],
    ),
    ("Greys", [0xffffff, 0xd9d9d9, 0x969696, 0x525252, 0x000000]),
];

/// The names `plt.cm.NAME`, `plt.get_cmap(NAME)` and
/// `matplotlib.colormaps[NAME]` accept.
pub fn colormap_names() -> impl Iterator<Item = &'static str> {
    COLORMAPS.iter().map(|(n, _)| *n).chain(["tab10"])
}

pub fn colormap(it: &Interp, name: &str) -> R<Value> {
    let base = name.strip_suffix("_r").unwrap_or(name);
    match colormap_names().find(|n| *n == base) {
        // `_r` reversed maps are refused rather than approximated.
        Some(n) if base == name => Ok(Value::Colormap(n)),
        _ => Err(it.unsupported(format!(
            "colormap `{name}` (supported: {})",
            colormap_names().collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The colour a colormap gives for `x` in [0, 1] (continuous maps) or
/// index `i` (tab10).
pub fn colormap_color(name: &str, x: f64, index: Option<i64>) -> Color {
    if name == "tab10" {
        let i = index.unwrap_or((x.clamp(0.0, 1.0) * 9.999) as i64);
        return Color::cycle(i.rem_euclid(10) as usize);
    }
    let anchors = COLORMAPS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| *a)
        .unwrap_or(COLORMAPS[0].1);
    let x = match index {
        Some(i) => (i.clamp(0, 255) as f64) / 255.0,
        None if x.is_nan() => 0.0,
        None => x.clamp(0.0, 1.0),
    };
    let pos = x * 4.0;
    let i = (pos.floor() as usize).min(3);
    let t = pos - i as f64;
    let ch = |c: u32, shift: u32| ((c >> shift) & 0xff) as f64;
    let lerp = |shift| ch(anchors[i], shift) * (1.0 - t) + ch(anchors[i + 1], shift) * t;
    Color::rgb(
        lerp(16).round() as u8,
        lerp(8).round() as u8,
        lerp(0).round() as u8,
    )
}

fn color_tuple(it: &mut Interp, c: Color, alpha: Option<f64>) -> R<Value> {
    it.new_tuple(vec![
        Value::Float(c.r as f64 / 255.0),
        Value::Float(c.g as f64 / 255.0),
        Value::Float(c.b as f64 / 255.0),
        Value::Float(alpha.unwrap_or(1.0)),
    ])
}

/// `cmap(x)`: one RGBA tuple for a number, a list of them for a sequence.
pub fn apply_colormap(it: &mut Interp, name: &str, mut a: Args) -> R<Value> {
    let v = need(it, a.take(0, "X"), name, "X")?;
    let alpha = a.take(1, "alpha").and_then(|x| x.as_f64());
    match &v {
        Value::Int(i) => color_tuple(it, colormap_color(name, 0.0, Some(*i)), alpha),
        v if v.as_f64().is_some() => color_tuple(
            it,
            colormap_color(name, v.as_f64().unwrap_or(0.0), None),
            alpha,
        ),
        v => {
            let items = it.iterate(v)?;
            let mut out = Vec::with_capacity(items.len());
            for x in items {
                let c = match x {
                    Value::Int(i) => colormap_color(name, 0.0, Some(i)),
                    x => colormap_color(name, num(it, &x, "colormap")?, None),
                };
                out.push(color_tuple(it, c, alpha)?);
            }
            it.new_list(out)
        }
    }
}
