//! Python's number-to-text rules: `repr` of floats, format specs
//! (f-strings, `str.format`, `format`) and printf-style `%` formatting
//! (also matplotlib's `autopct` and `bar_label(fmt=...)`).

/// `repr(float)`: shortest round-trip digits, `.0` on integral values,
/// exponent form outside [1e-4, 1e16).
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = f.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        return python_exponent(&format!("{f:e}"), true);
    }
    if f == f.trunc() {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// Rust's `1.5e-5` / `1.5e5` as Python's `1.5e-05` / `1.5e+05`.
fn python_exponent(s: &str, _: bool) -> String {
    match s.split_once(['e', 'E']) {
        Some((mant, exp)) => {
            let upper = s.contains('E');
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp.trim_start_matches('+')),
            };
            let e = if upper { 'E' } else { 'e' };
            format!("{mant}{e}{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}

/// A parsed format spec: `[[fill]align][sign][,][0][width][.precision][type]`.
#[derive(Debug, Default, Clone)]
pub struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    zero: bool,
    width: usize,
    grouping: bool,
    precision: Option<usize>,
    kind: Option<char>,
}

impl Spec {
    /// Parses a format spec; `None` when it is not one this subset knows.
    pub fn parse(spec: &str) -> Option<Spec> {
        let chars: Vec<char> = spec.chars().collect();
        let mut s = Spec::default();
        let mut i = 0;
        let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
        if chars.len() >= 2 && is_align(chars[1]) {
            s.fill = Some(chars[0]);
            s.align = Some(chars[1]);
            i = 2;
        } else if !chars.is_empty() && is_align(chars[0]) {
            s.align = Some(chars[0]);
            i = 1;
        }
        if i < chars.len() && matches!(chars[i], '+' | '-' | ' ') {
            s.sign = Some(chars[i]);
            i += 1;
        }
        if i < chars.len() && chars[i] == '0' {
            s.zero = true;
            i += 1;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i > start {
            s.width = chars[start..i].iter().collect::<String>().parse().ok()?;
            if s.width > 1000 {
                return None;
            }
        }
        if i < chars.len() && (chars[i] == ',' || chars[i] == '_') {
            s.grouping = true;
            i += 1;
        }
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let p: usize = chars[start..i].iter().collect::<String>().parse().ok()?;
            if p > 100 {
                return None;
            }
            s.precision = Some(p);
        }
        if i < chars.len() {
            let k = chars[i];
            if !"fFeEgGd%sn".contains(k) {
                return None;
            }
            s.kind = Some(k);
            i += 1;
        }
        if i != chars.len() {
            return None;
        }
        Some(s)
    }

    /// Formats a number; `is_int` selects integer presentation for the
    /// default and `d` types. `None` when the type does not apply.
    pub fn number(&self, v: f64, is_int: bool) -> Option<String> {
        let body = match self.kind {
            None if is_int => format!("{}", v.abs() as i128),
            None => match self.precision {
                Some(p) => general(v.abs(), p.max(1), false),
                None => float_repr(v.abs()),
            },
            Some('d') | Some('n') if is_int => format!("{}", v.abs() as i128),
            Some('d') => return None,
            Some('f') | Some('F') => fixed(v.abs(), self.precision.unwrap_or(6)),
            Some('e') | Some('E') => {
                let t = python_exponent(
                    &format!("{:.*e}", self.precision.unwrap_or(6), v.abs()),
                    true,
                );
                if self.kind == Some('E') {
                    t.to_uppercase()
                } else {
                    t
                }
            }
            Some('g') | Some('G') => general(v.abs(), self.precision.unwrap_or(6).max(1), true),
            Some('%') => format!("{}%", fixed(v.abs() * 100.0, self.precision.unwrap_or(6))),
            _ => return None,
        };
        let body = if self.grouping { group(&body) } else { body };
        let sign = if v.is_sign_negative() && !(v == 0.0 && is_int) && !v.is_nan() {
            "-"
        } else {
            match self.sign {
                Some('+') => "+",
                Some(' ') => " ",
                _ => "",
            }
        };
        Some(self.pad(sign, &body, true))
    }

    /// Formats a string (types `s` and none).
    pub fn text(&self, s: &str) -> Option<String> {
        if !matches!(self.kind, None | Some('s')) {
            return None;
        }
        let s: String = match self.precision {
            Some(p) => s.chars().take(p).collect(),
            None => s.to_string(),
        };
        Some(self.pad("", &s, false))
    }

    fn pad(&self, sign: &str, body: &str, numeric: bool) -> String {
        let len = sign.chars().count() + body.chars().count();
        if len >= self.width {
            return format!("{sign}{body}");
        }
        let n = self.width - len;
        if self.zero && self.align.is_none() && numeric {
            return format!("{sign}{}{body}", "0".repeat(n));
        }
        let fill = self.fill.unwrap_or(' ').to_string();
        let align = self.align.unwrap_or(if numeric { '>' } else { '<' });
        match align {
            '<' => format!("{sign}{body}{}", fill.repeat(n)),
            '^' => format!(
                "{}{sign}{body}{}",
                fill.repeat(n / 2),
                fill.repeat(n - n / 2)
            ),
            '=' => format!("{sign}{}{body}", fill.repeat(n)),
            _ => format!("{}{sign}{body}", fill.repeat(n)),
        }
    }
}

fn fixed(v: f64, p: usize) -> String {
    if !v.is_finite() {
        return float_repr(v);
    }
    format!("{v:.p$}")
}

/// `%g`: precision `p` significant digits, trailing zeros removed unless
/// `keep` is false... matching Python, zeros are always stripped.
fn general(v: f64, p: usize, _keep: bool) -> String {
    if !v.is_finite() {
        return float_repr(v);
    }
    if v == 0.0 {
        return "0".into();
    }
    let exp = v.abs().log10().floor() as i32;
    // Rounding may carry into the next power of ten.
    let rounded: f64 = format!("{:.*e}", p - 1, v).parse().unwrap_or(v);
    let exp = if rounded.abs() >= 10f64.powi(exp + 1) {
        exp + 1
    } else {
        exp
    };
    if exp < -4 || exp >= p as i32 {
        let t = format!("{:.*e}", p - 1, v);
        let (m, e) = t.split_once('e').unwrap_or((&t, "0"));
        let m = strip_zeros(m);
        python_exponent(&format!("{m}e{e}"), true)
    } else {
        let digits = (p as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{v:.digits$}"))
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

fn group(body: &str) -> String {
    let (int, rest) = match body.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => body.split_at(i),
        None => (body, ""),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out + rest
}

/// One argument of printf-style formatting.
pub enum PrintfArg<'a> {
    Int(i64),
    Float(f64),
    Str(&'a str),
}

/// printf-style formatting (`"%.1f%%" % x`). `None` when the template
/// uses a conversion outside `d i f F e E g G s r %`, or the argument
/// count is wrong.
pub fn printf(template: &str, args: &[PrintfArg]) -> Option<String> {
    let mut out = String::new();
    let mut it = template.chars().peekable();
    let mut next = 0;
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = it.peek() {
            if d.is_ascii_digit() || matches!(d, '.' | '-' | '+' | ' ' | '#') {
                spec.push(d);
                it.next();
            } else {
                break;
            }
        }
        let conv = it.next()?;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let arg = args.get(next)?;
        next += 1;
        let left = spec.starts_with('-');
        let plus = spec.contains('+');
        let spec = spec.trim_start_matches(['-', '+', ' ', '#']);
        let (width, prec) = match spec.split_once('.') {
            Some((w, p)) => (w, Some(p.parse::<usize>().unwrap_or(0))),
            None => (spec, None),
        };
        let zero = width.starts_with('0');
        let width: usize = width.parse().unwrap_or(0);
        if width > 1000 || prec.is_some_and(|p| p > 100) {
            return None;
        }
        let num = |a: &PrintfArg| match a {
            PrintfArg::Int(i) => Some(*i as f64),
            PrintfArg::Float(f) => Some(*f),
            PrintfArg::Str(_) => None,
        };
        let body = match conv {
            'd' | 'i' => {
                let v = num(arg)?;
                format!("{}", v.trunc() as i128)
            }
            'f' | 'F' => fixed(num(arg)?, prec.unwrap_or(6)),
            'e' | 'E' => {
                let t = python_exponent(&format!("{:.*e}", prec.unwrap_or(6), num(arg)?), true);
                if conv == 'E' {
                    t.to_uppercase()
                } else {
                    t
                }
            }
            'g' | 'G' => {
                let v = num(arg)?;
                let t = general(v.abs(), prec.unwrap_or(6).max(1), true);
                if v < 0.0 {
                    format!("-{t}")
                } else {
                    t
                }
            }
            's' | 'r' => match arg {
                PrintfArg::Str(s) if conv == 's' => s.to_string(),
                PrintfArg::Str(s) => format!("'{s}'"),
                PrintfArg::Int(i) => i.to_string(),
                PrintfArg::Float(f) => float_repr(*f),
            },
            _ => return None,
        };
        let body = if plus && !body.starts_with('-') && conv != 's' {
            format!("+{body}")
        } else {
            body
        };
        let n = width.saturating_sub(body.chars().count());
        if left {
            out.push_str(&body);
            out.push_str(&" ".repeat(n));
        } else if zero && conv != 's' {
            let (sign, digits) = match body.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("", body.as_str()),
            };
            out.push_str(sign);
            out.push_str(&"0".repeat(n));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(n));
            out.push_str(&body);
        }
    }
    if next != args.len() {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str, v: f64, int: bool) -> String {
        Spec::parse(s).unwrap().number(v, int).unwrap()
    }

    #[test]
    fn float_repr_matches_python() {
        assert_eq!(float_repr(1.0), "1.0");
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(-2.5), "-2.5");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(123456.0), "123456.0");
        assert_eq!(float_repr(f64::NAN), "nan");
    }

    #[test]
    fn format_specs_match_python() {
        assert_eq!(spec(".2f", 1.23456, false), "1.23");
        assert_eq!(spec(".1%", 0.256, false), "25.6%");
        assert_eq!(spec(",", 1234567.0, true), "1,234,567");
        assert_eq!(spec(",.2f", 1234.5, false), "1,234.50");
        assert_eq!(spec("d", 42.0, true), "42");
        assert_eq!(spec("+d", 42.0, true), "+42");
        assert_eq!(spec("05.1f", -2.0, false), "-02.0");
        assert_eq!(spec(">6", 7.0, true), "     7");
        assert_eq!(spec("g", 0.0001, false), "0.0001");
        assert_eq!(spec("g", 1234567.0, false), "1.23457e+06");
        assert_eq!(spec(".3g", 2.5, false), "2.5");
        assert_eq!(spec("", 2.5, false), "2.5");
        assert_eq!(spec(".1e", 12345.0, false), "1.2e+04");
        assert!(Spec::parse("q").is_none());
        assert!(Spec::parse("d").unwrap().number(2.5, false).is_none());
        assert_eq!(Spec::parse("^7").unwrap().text("ab").unwrap(), "  ab   ");
    }

    #[test]
    fn printf_matches_python() {
        assert_eq!(
            printf("%1.1f%%", &[PrintfArg::Float(33.333)]).unwrap(),
            "33.3%"
        );
        assert_eq!(
            printf("%d items", &[PrintfArg::Float(3.9)]).unwrap(),
            "3 items"
        );
        assert_eq!(printf("%.0f", &[PrintfArg::Float(2.5)]).unwrap(), "2");
        assert_eq!(
            printf("%5.2f|%-4d|", &[PrintfArg::Float(1.0), PrintfArg::Int(7)]).unwrap(),
            " 1.00|7   |"
        );
        assert_eq!(
            printf("%s=%g", &[PrintfArg::Str("a"), PrintfArg::Float(0.5)]).unwrap(),
            "a=0.5"
        );
        assert!(printf("%d %d", &[PrintfArg::Int(1)]).is_none());
        assert!(printf("%q", &[PrintfArg::Int(1)]).is_none());
    }
}
