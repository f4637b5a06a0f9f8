//! The interpreter's values: a small slice of Python's, plus handles to
//! the figure's objects.

use std::cell::RefCell;
use std::rc::Rc;

/// A runtime value.
#[derive(Debug, Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Vec<Value>>),
    /// A 1-D numpy array of floats.
    Array(Rc<Vec<f64>>),
    /// A 1-D numpy array of integers (`np.arange(5)`): iterates as ints.
    IntArray(Rc<Vec<i64>>),
    Dict(Rc<RefCell<Vec<(Value, Value)>>>),
    /// A module or namespace (`plt`, `np`, `np.random`, `plt.cm`, ...).
    Module(&'static str),
    /// A callable: a module function, builtin, or a method bound to a value.
    Func(Rc<Func>),
    Figure,
    Axes(usize),
    /// `plt.subplots(...)`'s array of axes: 1-D (`cols == 0`) or 2-D.
    AxesArray(Rc<AxesArray>),
    GridSpec {
        nrows: u32,
        ncols: u32,
    },
    SubplotSpec(crate::scene::Layout),
    /// `ax.spines` or one spine: accepted, ignored.
    Spines,
    /// A colormap by name.
    Colormap(&'static str),
    /// What a drawing call returned: the series it made (axes, first
    /// series index, count).
    Artists {
        axes: usize,
        first: usize,
        count: usize,
    },
    /// One bar of a bar container (x, y, width, height) for `get_height`
    /// and friends.
    Rect([f64; 4]),
    /// `range(start, stop, step)`, kept lazy.
    Range(i64, i64, i64),
}

/// A callable and what it is bound to.
#[derive(Debug)]
pub struct Func {
    pub name: String,
    pub bound: Option<Value>,
}

/// An array of axes indices.
#[derive(Debug)]
pub struct AxesArray {
    pub items: Vec<usize>,
    pub rows: usize,
    /// 0 for a 1-D array.
    pub cols: usize,
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(v)))
    }

    pub fn func(name: &str, bound: Option<Value>) -> Value {
        Value::Func(Rc::new(Func {
            name: name.to_string(),
            bound,
        }))
    }

    /// The Python type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Array(_) | Value::IntArray(_) => "ndarray",
            Value::Dict(_) => "dict",
            Value::Module(_) => "module",
            Value::Func(_) => "function",
            Value::Figure => "Figure",
            Value::Axes(_) => "Axes",
            Value::AxesArray(_) => "ndarray of Axes",
            Value::GridSpec { .. } => "GridSpec",
            Value::SubplotSpec(_) => "SubplotSpec",
            Value::Spines => "Spines",
            Value::Colormap(_) => "Colormap",
            Value::Artists { .. } => "artists",
            Value::Rect(_) => "Rectangle",
            Value::Range(..) => "range",
        }
    }

    /// A number as f64 (bools count as 0/1, like numpy).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// Whether this is a numpy array (either dtype).
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_) | Value::IntArray(_))
    }

    /// Whether this is an integer scalar or integer array.
    pub fn is_int_typed(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Bool(_) | Value::IntArray(_))
    }

    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::IntArray(a) => !a.is_empty(),
            Value::Dict(d) => !d.borrow().is_empty(),
            Value::Range(a, b, s) => range_len(*a, *b, *s) > 0,
            _ => true,
        }
    }
}

/// Number of elements of `range(start, stop, step)` (step != 0).
pub fn range_len(start: i64, stop: i64, step: i64) -> u64 {
    if step > 0 && stop > start {
        ((stop as i128 - start as i128 + step as i128 - 1) / step as i128) as u64
    } else if step < 0 && stop < start {
        ((start as i128 - stop as i128 - step as i128 - 1) / (-step as i128)) as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_lengths() {
        assert_eq!(range_len(0, 5, 1), 5);
        assert_eq!(range_len(0, 5, 2), 3);
        assert_eq!(range_len(5, 0, -2), 3);
        assert_eq!(range_len(5, 0, 1), 0);
        assert_eq!(range_len(i64::MIN, i64::MAX, 1), u64::MAX);
    }
}
