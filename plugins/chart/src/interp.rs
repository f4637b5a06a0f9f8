//! The tree-walking interpreter: statements, expressions, operators and
//! budgets. Library functions live in `pylib` (Python, numpy, math) and
//! `pyplot` (matplotlib).

use std::collections::HashMap;
use std::rc::Rc;

use rustpython_parser::ast::{self, Constant, Expr, Ranged, Stmt};

use crate::budget::{line_of, Limits};
use crate::error::{ChartError, ChartErrorKind};
use crate::format::{float_repr, Spec};
use crate::pyplot::Figure;
use crate::value::{range_len, Value};

pub type R<T> = Result<T, ChartError>;

/// Positional and keyword arguments of a call.
#[derive(Debug, Default)]
pub struct Args {
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
}

impl Args {
    /// Takes a parameter by keyword, else by position `i`.
    pub fn take(&mut self, i: usize, name: &str) -> Option<Value> {
        if let Some(k) = self.kw.iter().position(|(n, _)| n == name) {
            return Some(self.kw.remove(k).1);
        }
        self.pos
            .get_mut(i)
            .map(|v| std::mem::replace(v, Value::None))
            .filter(|v| !matches!(v, Value::None))
    }

    /// Takes a keyword-only parameter.
    pub fn kw(&mut self, name: &str) -> Option<Value> {
        let k = self.kw.iter().position(|(n, _)| n == name)?;
        Some(self.kw.remove(k).1)
    }
}

enum Flow {
    Next,
    Break,
    Continue,
}

pub struct Interp<'a> {
    src: &'a str,
    pub limits: Limits,
    vars: HashMap<String, Value>,
    steps: u64,
    elements: u64,
    string_bytes: u64,
    depth: usize,
    /// Byte offset of the node being evaluated, for error lines.
    at: usize,
    pub fig: Figure,
}

impl<'a> Interp<'a> {
    pub fn new(src: &'a str, limits: Limits) -> Self {
        let mut vars = HashMap::new();
        vars.insert("__name__".to_string(), Value::str("__main__"));
        Interp {
            src,
            limits,
            vars,
            steps: 0,
            elements: 0,
            string_bytes: 0,
            depth: 0,
            at: 0,
            fig: Figure::default(),
        }
    }

    fn line(&self) -> Option<u32> {
        Some(line_of(self.src, self.at))
    }

    pub fn err(&self, kind: ChartErrorKind, msg: impl Into<String>) -> ChartError {
        ChartError::new(kind, self.line(), msg)
    }

    pub fn unsupported(&self, msg: impl Into<String>) -> ChartError {
        self.err(ChartErrorKind::Unsupported, msg)
    }

    pub fn runtime(&self, msg: impl Into<String>) -> ChartError {
        self.err(ChartErrorKind::Runtime, msg)
    }

    pub fn step(&mut self, n: u64) -> R<()> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > self.limits.max_steps {
            return Err(self.err(
                ChartErrorKind::Budget,
                format!("step budget of {} exhausted", self.limits.max_steps),
            ));
        }
        Ok(())
    }

    /// Charges `n` new elements against the element budget.
    pub fn alloc(&mut self, n: u64) -> R<()> {
        self.elements = self.elements.saturating_add(n);
        if self.elements > self.limits.max_elements {
            return Err(self.err(
                ChartErrorKind::Budget,
                format!("element budget of {} exhausted", self.limits.max_elements),
            ));
        }
        self.step(n / 8)
    }

    /// Charges string bytes and returns the string as a value.
    pub fn new_str(&mut self, s: String) -> R<Value> {
        self.string_bytes = self.string_bytes.saturating_add(s.len() as u64);
        if self.string_bytes > self.limits.max_string_bytes {
            return Err(self.err(
                ChartErrorKind::Budget,
                format!(
                    "string budget of {} bytes exhausted",
                    self.limits.max_string_bytes
                ),
            ));
        }
        Ok(Value::Str(Rc::from(s)))
    }

    pub fn new_list(&mut self, v: Vec<Value>) -> R<Value> {
        self.alloc(v.len() as u64)?;
        Ok(Value::list(v))
    }

    pub fn new_tuple(&mut self, v: Vec<Value>) -> R<Value> {
        self.alloc(v.len() as u64)?;
        Ok(Value::Tuple(Rc::new(v)))
    }

    pub fn new_array(&mut self, v: Vec<f64>) -> R<Value> {
        self.alloc(v.len() as u64)?;
        Ok(Value::Array(Rc::new(v)))
    }

    pub fn new_int_array(&mut self, v: Vec<i64>) -> R<Value> {
        self.alloc(v.len() as u64)?;
        Ok(Value::IntArray(Rc::new(v)))
    }

    // ---- statements ----

    pub fn exec_block(&mut self, body: &[Stmt]) -> R<()> {
        match self.block(body)? {
            Flow::Next => Ok(()),
            _ => Err(self.unsupported("`break` or `continue` outside a loop")),
        }
    }

    fn block(&mut self, body: &[Stmt]) -> R<Flow> {
        for s in body {
            match self.stmt(s)? {
                Flow::Next => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Next)
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(self.err(
                ChartErrorKind::Budget,
                format!("nesting deeper than {}", self.limits.max_depth),
            ));
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> R<Flow> {
        self.at = s.range().start().to_usize();
        self.step(1)?;
        match s {
            Stmt::Expr(e) => {
                self.eval(&e.value)?;
            }
            Stmt::Assign(a) => {
                let v = self.eval(&a.value)?;
                for t in &a.targets {
                    self.assign(t, v.clone())?;
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(value) = &a.value {
                    let v = self.eval(value)?;
                    self.assign(&a.target, v)?;
                }
            }
            Stmt::AugAssign(a) => {
                let current = self.eval(&a.target)?;
                let rhs = self.eval(&a.value)?;
                let v = self.binop(a.op, current, rhs)?;
                self.assign(&a.target, v)?;
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    self.import(
                        alias.name.as_str(),
                        alias.asname.as_ref().map(|n| n.as_str()),
                    )?;
                }
            }
            Stmt::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                for alias in &i.names {
                    let name = alias.name.as_str();
                    let bind = alias.asname.as_ref().map(|n| n.as_str()).unwrap_or(name);
                    let v = self.import_from(module, name)?;
                    self.vars.insert(bind.to_string(), v);
                }
            }
            Stmt::For(f) => {
                let iterable = self.eval(&f.iter)?;
                let items = self.iterate(&iterable)?;
                self.enter()?;
                let mut broke = false;
                for item in items {
                    self.assign(&f.target, item)?;
                    match self.block(&f.body)? {
                        Flow::Break => {
                            broke = true;
                            break;
                        }
                        Flow::Continue | Flow::Next => {}
                    }
                }
                self.depth -= 1;
                if !broke {
                    if let Flow::Break | Flow::Continue = self.block(&f.orelse)? {
                        return Err(self.unsupported("`break` in a for-else"));
                    }
                }
            }
            Stmt::While(w) => {
                self.enter()?;
                loop {
                    let t = self.eval(&w.test)?;
                    if !t.truthy() {
                        break;
                    }
                    if let Flow::Break = self.block(&w.body)? {
                        break;
                    }
                }
                self.depth -= 1;
            }
            Stmt::If(i) => {
                let t = self.eval(&i.test)?;
                self.enter()?;
                let flow = if t.truthy() {
                    self.block(&i.body)?
                } else {
                    self.block(&i.orelse)?
                };
                self.depth -= 1;
                return Ok(flow);
            }
            Stmt::Pass(_) => {}
            Stmt::Break(_) => return Ok(Flow::Break),
            Stmt::Continue(_) => return Ok(Flow::Continue),
            other => {
                return Err(self.unsupported(format!(
                    "{} statement is outside the supported subset",
                    stmt_name(other)
                )))
            }
        }
        Ok(Flow::Next)
    }

    fn import(&mut self, name: &str, asname: Option<&str>) -> R<()> {
        let module: &'static str = match name {
            "matplotlib.pyplot" => "plt",
            "matplotlib" => "matplotlib",
            "numpy" => "np",
            "math" => "math",
            "matplotlib.cm" => "plt.cm",
            _ => {
                return Err(self.unsupported(format!(
                    "import of `{name}` (only matplotlib, matplotlib.pyplot, numpy and math)"
                )))
            }
        };
        match asname {
            Some(a) => {
                self.vars.insert(a.to_string(), Value::Module(module));
            }
            // `import matplotlib.pyplot` binds `matplotlib`.
            None => {
                let top = name.split('.').next().unwrap_or(name);
                let v = if top == "numpy" {
                    Value::Module("np")
                } else if top == "math" {
                    Value::Module("math")
                } else {
                    Value::Module("matplotlib")
                };
                self.vars.insert(top.to_string(), v);
            }
        }
        Ok(())
    }

    fn import_from(&mut self, module: &str, name: &str) -> R<Value> {
        let v = match (module, name) {
            ("matplotlib", "pyplot") => Some(Value::Module("plt")),
            ("matplotlib", "cm") => Some(Value::Module("plt.cm")),
            ("matplotlib.gridspec", "GridSpec") => Some(Value::func("plt.GridSpec", None)),
            ("math", _) => crate::pylib::module_attr("math", name),
            ("numpy", _) => crate::pylib::module_attr("np", name),
            _ => None,
        };
        v.ok_or_else(|| {
            self.unsupported(format!(
                "`from {module} import {name}` is outside the supported subset"
            ))
        })
    }

    fn assign(&mut self, target: &Expr, v: Value) -> R<()> {
        match target {
            Expr::Name(n) => {
                self.vars.insert(n.id.to_string(), v);
                Ok(())
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                let items = self.iterate(&v)?;
                if items.len() != elts.len() {
                    return Err(self.runtime(format!(
                        "cannot unpack {} values into {} targets",
                        items.len(),
                        elts.len()
                    )));
                }
                for (t, item) in elts.iter().zip(items) {
                    self.assign(t, item)?;
                }
                Ok(())
            }
            Expr::Subscript(s) => {
                let container = self.eval(&s.value)?;
                let key = self.eval(&s.slice)?;
                match container {
                    Value::Module("rcParams") => Ok(()),
                    Value::Dict(d) => {
                        let mut d = d.borrow_mut();
                        match d.iter().position(|(k, _)| keys_equal(k, &key)) {
                            Some(i) => d[i].1 = v,
                            None => {
                                drop(d);
                                self.alloc(1)?;
                                if let Value::Dict(d) = &self.eval(&s.value)? {
                                    d.borrow_mut().push((key, v));
                                }
                            }
                        }
                        Ok(())
                    }
                    Value::List(l) => {
                        let len = l.borrow().len();
                        let i = self.index(&key, len)?;
                        l.borrow_mut()[i] = v;
                        Ok(())
                    }
                    other => {
                        Err(self.unsupported(format!("item assignment on {}", other.type_name())))
                    }
                }
            }
            _ => Err(self.unsupported("assignment to this kind of target")),
        }
    }

    // ---- expressions ----

    pub fn eval(&mut self, e: &Expr) -> R<Value> {
        self.enter()?;
        self.step(1)?;
        let v = self.eval_inner(e);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, e: &Expr) -> R<Value> {
        match e {
            Expr::Constant(c) => self.constant(&c.value),
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some(v) = self.vars.get(id) {
                    return Ok(v.clone());
                }
                if crate::pylib::is_builtin(id) {
                    return Ok(Value::func(id, None));
                }
                self.at = n.range.start().to_usize();
                Err(self.runtime(format!("name `{id}` is not defined")))
            }
            Expr::Attribute(a) => {
                let v = self.eval(&a.value)?;
                self.at = a.range.start().to_usize();
                self.get_attr(&v, a.attr.as_str())
            }
            Expr::Call(c) => {
                let f = self.eval(&c.func)?;
                let mut args = Args::default();
                for a in &c.args {
                    if let Expr::Starred(s) = a {
                        let v = self.eval(&s.value)?;
                        args.pos.extend(self.iterate(&v)?);
                    } else {
                        args.pos.push(self.eval(a)?);
                    }
                }
                for k in &c.keywords {
                    let v = self.eval(&k.value)?;
                    match &k.arg {
                        Some(name) => args.kw.push((name.to_string(), v)),
                        None => match v {
                            Value::Dict(d) => {
                                for (k, v) in d.borrow().iter() {
                                    match k {
                                        Value::Str(s) => args.kw.push((s.to_string(), v.clone())),
                                        _ => return Err(self.runtime("keywords must be strings")),
                                    }
                                }
                            }
                            _ => return Err(self.runtime("argument after ** must be a dict")),
                        },
                    }
                }
                self.at = c.range.start().to_usize();
                self.call(&f, args)
            }
            Expr::BinOp(b) => {
                let l = self.eval(&b.left)?;
                let r = self.eval(&b.right)?;
                self.at = b.range.start().to_usize();
                self.binop(b.op, l, r)
            }
            Expr::UnaryOp(u) => {
                let v = self.eval(&u.operand)?;
                match u.op {
                    ast::UnaryOp::Not => Ok(Value::Bool(!v.truthy())),
                    ast::UnaryOp::UAdd => self.binop(ast::Operator::Mult, v, Value::Int(1)),
                    ast::UnaryOp::USub => self.negate(v),
                    ast::UnaryOp::Invert => Err(self.unsupported("the `~` operator")),
                }
            }
            Expr::BoolOp(b) => {
                let mut last = Value::None;
                for (i, x) in b.values.iter().enumerate() {
                    last = self.eval(x)?;
                    let t = last.truthy();
                    let short = match b.op {
                        ast::BoolOp::And => !t,
                        ast::BoolOp::Or => t,
                    };
                    if short || i + 1 == b.values.len() {
                        break;
                    }
                }
                Ok(last)
            }
            Expr::Compare(c) => {
                let mut left = self.eval(&c.left)?;
                for (op, right) in c.ops.iter().zip(&c.comparators) {
                    let right = self.eval(right)?;
                    if !self.compare(*op, &left, &right)? {
                        return Ok(Value::Bool(false));
                    }
                    left = right;
                }
                Ok(Value::Bool(true))
            }
            Expr::IfExp(i) => {
                if self.eval(&i.test)?.truthy() {
                    self.eval(&i.body)
                } else {
                    self.eval(&i.orelse)
                }
            }
            Expr::List(l) => {
                let v = self.eval_all(&l.elts)?;
                self.new_list(v)
            }
            Expr::Tuple(t) => {
                let v = self.eval_all(&t.elts)?;
                self.new_tuple(v)
            }
            Expr::Dict(d) => {
                let mut items = Vec::new();
                for (k, v) in d.keys.iter().zip(&d.values) {
                    let Some(k) = k else {
                        return Err(self.unsupported("`**` inside a dict literal"));
                    };
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    items.push((k, v));
                }
                self.alloc(items.len() as u64)?;
                Ok(Value::Dict(Rc::new(std::cell::RefCell::new(items))))
            }
            Expr::ListComp(l) => {
                let mut out = Vec::new();
                self.comprehension(&l.generators, 0, &l.elt, &mut out)?;
                Ok(Value::list(out))
            }
            Expr::GeneratorExp(g) => {
                let mut out = Vec::new();
                self.comprehension(&g.generators, 0, &g.elt, &mut out)?;
                Ok(Value::list(out))
            }
            Expr::Subscript(s) => {
                let v = self.eval(&s.value)?;
                let key = self.eval(&s.slice)?;
                self.at = s.range.start().to_usize();
                self.subscript(&v, &key)
            }
            Expr::Slice(s) => {
                let mut part = |x: &Option<Box<Expr>>| -> R<Value> {
                    match x {
                        Some(e) => self.eval(e),
                        None => Ok(Value::None),
                    }
                };
                let lower = part(&s.lower)?;
                let upper = part(&s.upper)?;
                let step = part(&s.step)?;
                Ok(Value::func(
                    "slice",
                    Some(Value::Tuple(Rc::new(vec![lower, upper, step]))),
                ))
            }
            Expr::JoinedStr(j) => {
                let mut out = String::new();
                for part in &j.values {
                    match part {
                        Expr::Constant(ast::ExprConstant {
                            value: Constant::Str(s),
                            ..
                        }) => out.push_str(s),
                        Expr::FormattedValue(f) => {
                            let v = self.eval(&f.value)?;
                            let spec = match &f.format_spec {
                                Some(spec) => match self.eval(spec)? {
                                    Value::Str(s) => s.to_string(),
                                    _ => String::new(),
                                },
                                None => String::new(),
                            };
                            let conv = f.conversion as i8;
                            let v = if conv == b'r' as i8 {
                                let r = self.repr(&v)?;
                                self.new_str(r)?
                            } else {
                                v
                            };
                            out.push_str(&self.format_value(&v, &spec)?);
                        }
                        other => {
                            let v = self.eval(other)?;
                            out.push_str(&self.str_of(&v)?);
                        }
                    }
                }
                self.new_str(out)
            }
            Expr::Starred(_) => Err(self.unsupported("`*` unpacking outside a call")),
            other => Err(self.unsupported(format!(
                "{} expression is outside the supported subset",
                expr_name(other)
            ))),
        }
    }

    fn eval_all(&mut self, es: &[Expr]) -> R<Vec<Value>> {
        let mut out = Vec::with_capacity(es.len());
        for e in es {
            if let Expr::Starred(s) = e {
                let v = self.eval(&s.value)?;
                out.extend(self.iterate(&v)?);
            } else {
                out.push(self.eval(e)?);
            }
        }
        Ok(out)
    }

    fn comprehension(
        &mut self,
        gens: &[ast::Comprehension],
        i: usize,
        elt: &Expr,
        out: &mut Vec<Value>,
    ) -> R<()> {
        let Some(g) = gens.get(i) else {
            self.alloc(1)?;
            out.push(self.eval(elt)?);
            return Ok(());
        };
        let iterable = self.eval(&g.iter)?;
        self.enter()?;
        for item in self.iterate(&iterable)? {
            self.assign(&g.target, item)?;
            let mut keep = true;
            for cond in &g.ifs {
                if !self.eval(cond)?.truthy() {
                    keep = false;
                    break;
                }
            }
            if keep {
                self.comprehension(gens, i + 1, elt, out)?;
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn constant(&mut self, c: &Constant) -> R<Value> {
        Ok(match c {
            Constant::None => Value::None,
            Constant::Bool(b) => Value::Bool(*b),
            Constant::Str(s) => self.new_str(s.clone())?,
            Constant::Int(i) => match i64::try_from(i) {
                Ok(i) => Value::Int(i),
                Err(_) => return Err(self.unsupported("integer literal beyond 64 bits")),
            },
            Constant::Float(f) => Value::Float(*f),
            Constant::Tuple(t) => {
                let mut v = Vec::new();
                for c in t {
                    v.push(self.constant(c)?);
                }
                self.new_tuple(v)?
            }
            Constant::Complex { .. } => return Err(self.unsupported("complex numbers")),
            Constant::Bytes(_) => return Err(self.unsupported("bytes literals")),
            Constant::Ellipsis => return Err(self.unsupported("`...`")),
        })
    }

    // ---- iteration and indexing ----

    /// The items of an iterable, materialised (and charged).
    pub fn iterate(&mut self, v: &Value) -> R<Vec<Value>> {
        let items = match v {
            Value::List(l) => l.borrow().clone(),
            Value::Tuple(t) => t.as_ref().clone(),
            Value::Array(a) => a.iter().map(|f| Value::Float(*f)).collect(),
            Value::IntArray(a) => a.iter().map(|i| Value::Int(*i)).collect(),
            Value::Dict(d) => d.borrow().iter().map(|(k, _)| k.clone()).collect(),
            Value::Str(s) => {
                let mut out = Vec::new();
                for c in s.chars() {
                    out.push(self.new_str(c.to_string())?);
                }
                out
            }
            Value::Range(a, b, s) => {
                let n = range_len(*a, *b, *s);
                self.alloc(n)?;
                (0..n as i64).map(|i| Value::Int(a + i * s)).collect()
            }
            Value::AxesArray(arr) => crate::pyplot::axes_array_items(arr),
            Value::Artists { axes, first, count } => self.fig.artist_items(*axes, *first, *count),
            other => {
                return Err(self.runtime(format!("{} is not iterable", other.type_name())));
            }
        };
        self.alloc(items.len() as u64)?;
        Ok(items)
    }

    /// Numbers out of a list, tuple, array or range (numpy's `asarray`).
    pub fn numbers(&mut self, v: &Value, what: &str) -> R<Vec<f64>> {
        if let Value::Array(a) = v {
            self.alloc(a.len() as u64)?;
            return Ok(a.as_ref().clone());
        }
        if let Value::IntArray(a) = v {
            self.alloc(a.len() as u64)?;
            return Ok(a.iter().map(|&i| i as f64).collect());
        }
        if let Some(x) = v.as_f64() {
            return Ok(vec![x]);
        }
        let items = self.iterate(v)?;
        let mut out = Vec::with_capacity(items.len());
        for it in &items {
            match it.as_f64() {
                Some(x) => out.push(x),
                None if matches!(it, Value::None) => out.push(f64::NAN),
                None => {
                    return Err(self.runtime(format!(
                        "{what}: expected numbers, found {}",
                        it.type_name()
                    )))
                }
            }
        }
        Ok(out)
    }

    /// A Python index (negative counts from the end) checked against `len`.
    pub fn index(&self, key: &Value, len: usize) -> R<usize> {
        let Some(i) = key.as_int() else {
            return Err(self.runtime(format!("indices must be integers, not {}", key.type_name())));
        };
        let j = if i < 0 { i + len as i64 } else { i };
        if j < 0 || j >= len as i64 {
            return Err(self.runtime(format!("index {i} out of range for length {len}")));
        }
        Ok(j as usize)
    }

    /// The positions a slice value selects from a sequence of `len`.
    pub fn slice_positions(&self, key: &Value, len: usize) -> R<Option<Vec<usize>>> {
        let Value::Func(f) = key else { return Ok(None) };
        if f.name != "slice" {
            return Ok(None);
        }
        let Some(Value::Tuple(parts)) = &f.bound else {
            return Ok(None);
        };
        let get = |v: &Value| -> R<Option<i64>> {
            match v {
                Value::None => Ok(None),
                v => v
                    .as_int()
                    .map(Some)
                    .ok_or_else(|| self.runtime("slice indices must be integers")),
            }
        };
        let (lo, hi, st) = (get(&parts[0])?, get(&parts[1])?, get(&parts[2])?);
        let step = st.unwrap_or(1);
        if step == 0 {
            return Err(self.runtime("slice step cannot be zero"));
        }
        let n = len as i64;
        let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
        let norm = |v: i64| if v < 0 { v + n } else { v };
        let mut out = Vec::new();
        if step > 0 {
            let start = clamp(norm(lo.unwrap_or(0)), 0, n);
            let stop = clamp(norm(hi.unwrap_or(n)), 0, n);
            let mut i = start;
            while i < stop {
                out.push(i as usize);
                i += step;
            }
        } else {
            let start = clamp(norm(lo.unwrap_or(n - 1)), -1, n - 1);
            let stop = match hi {
                Some(h) => clamp(norm(h), -1, n - 1),
                None => -1,
            };
            let mut i = start;
            while i > stop {
                out.push(i as usize);
                i += step;
            }
        }
        Ok(Some(out))
    }

    fn subscript(&mut self, v: &Value, key: &Value) -> R<Value> {
        match v {
            Value::IntArray(a) => {
                if let Some(pos) = self.slice_positions(key, a.len())? {
                    let out = pos.iter().map(|&i| a[i]).collect();
                    return self.new_int_array(out);
                }
                let i = self.index(key, a.len())?;
                Ok(Value::Int(a[i]))
            }
            Value::List(_)
            | Value::Tuple(_)
            | Value::Array(_)
            | Value::Str(_)
            | Value::Range(..) => {
                let items: Vec<Value> = match v {
                    Value::Range(..) | Value::Str(_) => self.iterate(v)?,
                    Value::List(l) => l.borrow().clone(),
                    Value::Tuple(t) => t.as_ref().clone(),
                    Value::Array(a) => {
                        if let Some(pos) = self.slice_positions(key, a.len())? {
                            let out = pos.iter().map(|&i| a[i]).collect();
                            return self.new_array(out);
                        }
                        if let Value::Tuple(_) = key {
                            return Err(self.unsupported("multi-dimensional array indexing"));
                        }
                        let i = self.index(key, a.len())?;
                        return Ok(Value::Float(a[i]));
                    }
                    _ => unreachable!("matched above"),
                };
                if let Some(pos) = self.slice_positions(key, items.len())? {
                    let out: Vec<Value> = pos.iter().map(|&i| items[i].clone()).collect();
                    return match v {
                        Value::Tuple(_) => self.new_tuple(out),
                        Value::Str(_) => {
                            let s: String = out
                                .iter()
                                .map(|c| match c {
                                    Value::Str(s) => s.to_string(),
                                    _ => String::new(),
                                })
                                .collect();
                            self.new_str(s)
                        }
                        _ => self.new_list(out),
                    };
                }
                if let Value::Tuple(idx) = key {
                    // `data[i, j]` on a list of rows (np.array of nested lists).
                    let mut cur = v.clone();
                    for k in idx.iter() {
                        cur = self.subscript(&cur, k)?;
                    }
                    return Ok(cur);
                }
                let i = self.index(key, items.len())?;
                Ok(items[i].clone())
            }
            Value::Dict(d) => {
                let found = d
                    .borrow()
                    .iter()
                    .find(|(k, _)| keys_equal(k, key))
                    .map(|(_, v)| v.clone());
                found.ok_or_else(|| {
                    self.runtime(format!(
                        "key {} not found",
                        self.repr(key).unwrap_or_default()
                    ))
                })
            }
            Value::AxesArray(arr) => crate::pyplot::index_axes(self, arr, key),
            Value::GridSpec { nrows, ncols } => {
                crate::pyplot::gridspec_cell(self, *nrows, *ncols, key)
            }
            Value::Spines => Ok(Value::Spines),
            Value::Module("rcParams") => Ok(Value::None),
            Value::Module("colormaps") => match key {
                Value::Str(s) => crate::pylib::colormap(self, s),
                _ => Err(self.runtime("colormap names are strings")),
            },
            Value::Artists { axes, first, count } => {
                let items = self.fig.artist_items(*axes, *first, *count);
                let i = self.index(key, items.len())?;
                Ok(items[i].clone())
            }
            other => Err(self.runtime(format!("{} is not subscriptable", other.type_name()))),
        }
    }

    fn get_attr(&mut self, v: &Value, name: &str) -> R<Value> {
        match v {
            Value::Module(m) => {
                let m = *m;
                if m == "plt"
                    || m == "plt.cm"
                    || m == "plt.style"
                    || m == "matplotlib"
                    || m == "colormaps"
                {
                    return crate::pyplot::module_attr(self, m, name);
                }
                crate::pylib::module_attr(m, name).ok_or_else(|| {
                    self.unsupported(format!("`{}.{name}` is outside the supported subset", m))
                })
            }
            Value::Axes(_)
            | Value::Figure
            | Value::AxesArray(_)
            | Value::Spines
            | Value::Rect(_)
            | Value::Artists { .. }
            | Value::Colormap(_) => crate::pyplot::object_attr(self, v, name),
            Value::Array(_) | Value::IntArray(_) => {
                let n = self.numbers(v, "array")?.len() as i64;
                match name {
                    "size" => Ok(Value::Int(n)),
                    "shape" => self.new_tuple(vec![Value::Int(n)]),
                    "T" => Ok(v.clone()),
                    _ => Ok(Value::func(name, Some(v.clone()))),
                }
            }
            _ => Ok(Value::func(name, Some(v.clone()))),
        }
    }

    fn call(&mut self, f: &Value, args: Args) -> R<Value> {
        match f {
            Value::Func(func) => {
                let name = func.name.clone();
                match &func.bound {
                    None => {
                        if let Some(rest) = name.strip_prefix("plt.") {
                            crate::pyplot::call_plt(self, rest, args)
                        } else {
                            crate::pylib::call_function(self, &name, args)
                        }
                    }
                    Some(obj) => {
                        let obj = obj.clone();
                        match obj {
                            Value::Axes(_)
                            | Value::Figure
                            | Value::AxesArray(_)
                            | Value::Spines
                            | Value::Rect(_)
                            | Value::Artists { .. }
                            | Value::Module("rcParams")
                            | Value::Module("plt.style") => {
                                crate::pyplot::call_method(self, &obj, &name, args)
                            }
                            _ => crate::pylib::call_method(self, &obj, &name, args),
                        }
                    }
                }
            }
            Value::Colormap(name) => crate::pylib::apply_colormap(self, name, args),
            other => Err(self.runtime(format!("{} is not callable", other.type_name()))),
        }
    }

    // ---- operators ----

    fn negate(&mut self, v: Value) -> R<Value> {
        match v {
            Value::Int(i) => i
                .checked_neg()
                .map(Value::Int)
                .ok_or_else(|| self.unsupported("integer overflow")),
            Value::Bool(b) => Ok(Value::Int(-(b as i64))),
            Value::Float(f) => Ok(Value::Float(-f)),
            Value::Array(a) => {
                self.step(a.len() as u64)?;
                let out = a.iter().map(|x| -x).collect();
                self.new_array(out)
            }
            Value::IntArray(a) => {
                self.step(a.len() as u64)?;
                let out = a.iter().map(|x| x.saturating_neg()).collect();
                self.new_int_array(out)
            }
            other => Err(self.runtime(format!(
                "bad operand type for unary -: {}",
                other.type_name()
            ))),
        }
    }

    pub fn binop(&mut self, op: ast::Operator, l: Value, r: Value) -> R<Value> {
        use ast::Operator as O;
        // numpy arrays broadcast against numbers, lists and arrays.
        if l.is_array() || r.is_array() {
            let a = self.numbers(&l, "array operand")?;
            let b = self.numbers(&r, "array operand")?;
            let scalar_a = l.as_f64().is_some();
            let scalar_b = r.as_f64().is_some();
            if !scalar_a && !scalar_b && a.len() != b.len() {
                return Err(self.runtime(format!(
                    "operands could not be broadcast together with shapes ({},) ({},)",
                    a.len(),
                    b.len()
                )));
            }
            let n = if scalar_a { b.len() } else { a.len() };
            self.step(n as u64)?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let x = if scalar_a { a[0] } else { a[i] };
                let y = if scalar_b { b[0] } else { b[i] };
                out.push(
                    float_op(op, x, y)
                        .ok_or_else(|| self.unsupported(format!("operator {op:?} on arrays")))?,
                );
            }
            let ints = l.is_int_typed()
                && r.is_int_typed()
                && matches!(op, O::Add | O::Sub | O::Mult | O::FloorDiv | O::Mod)
                && out.iter().all(|x| x.is_finite() && x.abs() < 9e15);
            if ints {
                return self.new_int_array(out.iter().map(|&x| x as i64).collect());
            }
            return self.new_array(out);
        }
        match (&l, &r) {
            (Value::Int(_) | Value::Bool(_), Value::Int(_) | Value::Bool(_)) => {
                let (a, b) = (l.as_int().unwrap_or(0), r.as_int().unwrap_or(0));
                let overflow = || self.unsupported("integer overflow (beyond 64 bits)");
                Ok(match op {
                    O::Add => Value::Int(a.checked_add(b).ok_or_else(overflow)?),
                    O::Sub => Value::Int(a.checked_sub(b).ok_or_else(overflow)?),
                    O::Mult => Value::Int(a.checked_mul(b).ok_or_else(overflow)?),
                    O::Div => {
                        if b == 0 {
                            return Err(self.runtime("division by zero"));
                        }
                        Value::Float(a as f64 / b as f64)
                    }
                    O::FloorDiv | O::Mod => {
                        if b == 0 {
                            return Err(self.runtime("integer division or modulo by zero"));
                        }
                        let mut q = a.checked_div_euclid(b).ok_or_else(overflow)?;
                        let mut m = a.checked_rem_euclid(b).ok_or_else(overflow)?;
                        // Python's remainder takes the divisor's sign.
                        if b < 0 && m != 0 {
                            q -= 1;
                            m += b;
                        }
                        Value::Int(if op == O::FloorDiv { q } else { m })
                    }
                    O::Pow => {
                        if b < 0 {
                            Value::Float((a as f64).powf(b as f64))
                        } else {
                            let e = u32::try_from(b).map_err(|_| overflow())?;
                            Value::Int(a.checked_pow(e).ok_or_else(overflow)?)
                        }
                    }
                    _ => return Err(self.unsupported(format!("integer operator {op:?}"))),
                })
            }
            (a, b) if a.as_f64().is_some() && b.as_f64().is_some() => {
                let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                if y == 0.0 && matches!(op, O::Div | O::FloorDiv | O::Mod) {
                    return Err(self.runtime("float division by zero"));
                }
                float_op(op, x, y)
                    .map(Value::Float)
                    .ok_or_else(|| self.unsupported(format!("float operator {op:?}")))
            }
            (Value::Str(a), Value::Str(b)) if op == O::Add => self.new_str(format!("{a}{b}")),
            (Value::Str(s), n) | (n, Value::Str(s)) if op == O::Mult && n.as_int().is_some() => {
                let k = n.as_int().unwrap_or(0).max(0) as u64;
                let bytes = (s.len() as u64).saturating_mul(k);
                if bytes > self.limits.max_string_bytes {
                    return Err(self.err(
                        ChartErrorKind::Budget,
                        "string repetition beyond the string budget",
                    ));
                }
                self.new_str(s.repeat(k as usize))
            }
            (Value::Str(s), args) if op == O::Mod => {
                let s = s.clone();
                crate::pylib::percent_format(self, &s, args)
            }
            (Value::List(a), Value::List(b)) if op == O::Add => {
                let v: Vec<Value> = a
                    .borrow()
                    .iter()
                    .chain(b.borrow().iter())
                    .cloned()
                    .collect();
                self.new_list(v)
            }
            (Value::Tuple(a), Value::Tuple(b)) if op == O::Add => {
                let v: Vec<Value> = a.iter().chain(b.iter()).cloned().collect();
                self.new_tuple(v)
            }
            (Value::List(_) | Value::Tuple(_), n) | (n, Value::List(_) | Value::Tuple(_))
                if op == O::Mult && n.as_int().is_some() =>
            {
                let seq = if n.as_int().is_some() && matches!(l, Value::List(_) | Value::Tuple(_)) {
                    &l
                } else {
                    &r
                };
                let k = n.as_int().unwrap_or(0).max(0) as u64;
                let items = self.iterate(seq)?;
                let total = (items.len() as u64).saturating_mul(k);
                self.alloc(total)?;
                let mut out = Vec::with_capacity(total as usize);
                for _ in 0..k {
                    out.extend(items.iter().cloned());
                }
                if matches!(seq, Value::Tuple(_)) {
                    Ok(Value::Tuple(Rc::new(out)))
                } else {
                    Ok(Value::list(out))
                }
            }
            _ => Err(self.runtime(format!(
                "unsupported operand types for {op:?}: {} and {}",
                l.type_name(),
                r.type_name()
            ))),
        }
    }

    fn compare(&mut self, op: ast::CmpOp, l: &Value, r: &Value) -> R<bool> {
        use ast::CmpOp as C;
        match op {
            C::In | C::NotIn => {
                let found = match r {
                    Value::Str(s) => match l {
                        Value::Str(sub) => s.contains(sub.as_ref()),
                        _ => return Err(self.runtime("'in <string>' requires a string")),
                    },
                    _ => self.iterate(r)?.iter().any(|x| keys_equal(x, l)),
                };
                Ok(found == (op == C::In))
            }
            C::Is | C::IsNot => {
                let same = matches!((l, r), (Value::None, Value::None))
                    || matches!((l, r), (Value::Bool(a), Value::Bool(b)) if a == b);
                Ok(same == (op == C::Is))
            }
            C::Eq => Ok(keys_equal(l, r)),
            C::NotEq => Ok(!keys_equal(l, r)),
            _ => {
                let ord = match (l, r) {
                    (Value::Str(a), Value::Str(b)) => a.cmp(b),
                    (a, b) => match (a.as_f64(), b.as_f64()) {
                        (Some(x), Some(y)) => match x.partial_cmp(&y) {
                            Some(o) => o,
                            None => return Ok(false),
                        },
                        _ => {
                            return Err(self.runtime(format!(
                                "cannot order {} and {}",
                                a.type_name(),
                                b.type_name()
                            )))
                        }
                    },
                };
                Ok(match op {
                    C::Lt => ord.is_lt(),
                    C::LtE => ord.is_le(),
                    C::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
        }
    }

    // ---- text ----

    /// `str(v)`.
    pub fn str_of(&mut self, v: &Value) -> R<String> {
        Ok(match v {
            Value::Str(s) => s.to_string(),
            other => self.repr(other)?,
        })
    }

    /// `repr(v)` for the plain values.
    pub fn repr(&self, v: &Value) -> R<String> {
        Ok(match v {
            Value::None => "None".into(),
            Value::Bool(b) => if *b { "True" } else { "False" }.into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => float_repr(*f),
            Value::Str(s) => format!("'{s}'"),
            Value::List(l) => {
                let parts: R<Vec<String>> = l.borrow().iter().map(|x| self.repr(x)).collect();
                format!("[{}]", parts?.join(", "))
            }
            Value::Tuple(t) => {
                let parts: R<Vec<String>> = t.iter().map(|x| self.repr(x)).collect();
                let parts = parts?;
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            Value::Array(a) => {
                let parts: Vec<String> = a.iter().map(|x| float_repr(*x)).collect();
                format!("[{}]", parts.join(" "))
            }
            Value::IntArray(a) => {
                let parts: Vec<String> = a.iter().map(|x| x.to_string()).collect();
                format!("[{}]", parts.join(" "))
            }
            other => format!("<{}>", other.type_name()),
        })
    }

    /// `format(v, spec)`.
    pub fn format_value(&mut self, v: &Value, spec: &str) -> R<String> {
        if spec.is_empty() {
            return self.str_of(v);
        }
        let parsed =
            Spec::parse(spec).ok_or_else(|| self.unsupported(format!("format spec `{spec}`")))?;
        let out = match v {
            Value::Int(i) => parsed.number(*i as f64, true),
            Value::Bool(b) => parsed.number(*b as i64 as f64, true),
            Value::Float(f) => parsed.number(*f, false),
            Value::Str(s) => parsed.text(s),
            other => {
                let s = self.str_of(other)?;
                parsed.text(&s)
            }
        };
        out.ok_or_else(|| {
            self.runtime(format!(
                "format spec `{spec}` does not apply to {}",
                v.type_name()
            ))
        })
    }
}

fn float_op(op: ast::Operator, x: f64, y: f64) -> Option<f64> {
    use ast::Operator as O;
    Some(match op {
        O::Add => x + y,
        O::Sub => x - y,
        O::Mult => x * y,
        O::Div => x / y,
        O::FloorDiv => (x / y).floor(),
        O::Mod => {
            let m = x % y;
            if m != 0.0 && (m < 0.0) != (y < 0.0) {
                m + y
            } else {
                m
            }
        }
        O::Pow => x.powf(y),
        _ => return None,
    })
}

/// Python equality for keys and `==`.
pub fn keys_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::None, Value::None) => true,
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| keys_equal(p, q))
        }
        (Value::List(x), Value::List(y)) => {
            let (x, y) = (x.borrow(), y.borrow());
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| keys_equal(p, q))
        }
        (x, y) => match (x.as_f64(), y.as_f64()) {
            (Some(p), Some(q)) => p == q,
            _ => false,
        },
    }
}

fn stmt_name(s: &Stmt) -> &'static str {
    match s {
        Stmt::FunctionDef(_) | Stmt::AsyncFunctionDef(_) => "`def`",
        Stmt::ClassDef(_) => "`class`",
        Stmt::Return(_) => "`return`",
        Stmt::Delete(_) => "`del`",
        Stmt::With(_) | Stmt::AsyncWith(_) => "`with`",
        Stmt::Raise(_) => "`raise`",
        Stmt::Try(_) | Stmt::TryStar(_) => "`try`",
        Stmt::Assert(_) => "`assert`",
        Stmt::Global(_) | Stmt::Nonlocal(_) => "`global`/`nonlocal`",
        Stmt::Match(_) => "`match`",
        _ => "this",
    }
}

fn expr_name(e: &Expr) -> &'static str {
    match e {
        Expr::Lambda(_) => "`lambda`",
        Expr::NamedExpr(_) => "`:=`",
        Expr::Set(_) | Expr::SetComp(_) => "set",
        Expr::DictComp(_) => "dict comprehension",
        Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) => "`await`/`yield`",
        _ => "this",
    }
}
