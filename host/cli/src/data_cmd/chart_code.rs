//! A [`ChartSpec`] as Python matplotlib code, in the subset the `chart-code`
//! reward runs (`rewasm_chart::run`): `plt.subplots`, the `ax.*` drawing
//! calls and setters, literal lists, no numpy.

use std::fmt::Write;

use super::chart_spec::{AxesSpec, ChartSpec, Plot};

/// The code that draws `spec`.
pub fn chart_code(spec: &ChartSpec) -> String {
    let mut code = String::from("import matplotlib.pyplot as plt\n\n");
    let [w, h] = spec.figsize;
    if spec.axes.len() == 1 {
        let _ = writeln!(code, "fig, ax = plt.subplots(figsize=({w}, {h}))");
        axes_code(&mut code, &spec.axes[0]);
    } else {
        let _ = writeln!(
            code,
            "fig, axes = plt.subplots({}, {}, figsize=({w}, {h}))",
            spec.nrows, spec.ncols
        );
        for (i, axes) in spec.axes.iter().enumerate() {
            let _ = writeln!(code, "\nax = axes[{i}]");
            axes_code(&mut code, axes);
        }
    }
    if let Some(t) = &spec.suptitle {
        let _ = writeln!(code, "\nfig.suptitle({})", py_str(t));
    }
    code.push_str("\nplt.tight_layout()\nplt.show()\n");
    code
}

fn axes_code(code: &mut String, axes: &AxesSpec) {
    let mut line = |s: String| {
        code.push_str(&s);
        code.push('\n');
    };
    match &axes.plot {
        Plot::Line { x, lines } => {
            line(format!("x = {}", py_nums(x)));
            for l in lines {
                let marker = l
                    .marker
                    .map(|m| format!(", marker={}", py_str(m)))
                    .unwrap_or_default();
                line(format!(
                    "ax.plot(x, {}, color={}, linestyle={}{marker}, label={})",
                    py_nums(&l.y),
                    py_str(&l.color),
                    py_str(l.linestyle),
                    py_str(&l.label)
                ));
            }
        }
        Plot::Bar { categories, stacks } => {
            line(format!("categories = {}", py_strs(categories)));
            // Each series stands on the sum of those before it.
            let mut bottom: Option<Vec<f64>> = None;
            for b in stacks {
                let base = bottom
                    .as_deref()
                    .map(|v| format!(", bottom={}", py_nums(v)))
                    .unwrap_or_default();
                line(format!(
                    "ax.bar(categories, {}{base}, color={}, label={})",
                    py_nums(&b.values),
                    py_str(&b.color),
                    py_str(&b.label)
                ));
                bottom = Some(match bottom {
                    None => b.values.clone(),
                    Some(under) => under
                        .iter()
                        .zip(&b.values)
                        .map(|(u, v)| ((u + v) * 10.0).round() / 10.0)
                        .collect(),
                });
            }
        }
        Plot::Barh { categories, bars } => line(format!(
            "ax.barh({}, {}, color={}, label={})",
            py_strs(categories),
            py_nums(&bars.values),
            py_str(&bars.color),
            py_str(&bars.label)
        )),
        Plot::Scatter { groups } => {
            for g in groups {
                line(format!(
                    "ax.scatter({}, {}, color={}, marker={}, label={})",
                    py_nums(&g.x),
                    py_nums(&g.y),
                    py_str(&g.color),
                    py_str(g.marker),
                    py_str(&g.label)
                ));
            }
        }
        Plot::Pie {
            labels,
            sizes,
            colors,
        } => line(format!(
            "ax.pie({}, labels={}, colors={}, autopct=\"%1.0f%%\", startangle=90)",
            py_nums(sizes),
            py_strs(labels),
            py_strs(colors)
        )),
        Plot::Hist {
            data,
            bins,
            color,
            label,
        } => line(format!(
            "ax.hist({}, bins={bins}, color={}, label={})",
            py_nums(data),
            py_str(color),
            py_str(label)
        )),
        Plot::FillBetween {
            x,
            lower,
            upper,
            middle,
            color,
            label,
        } => {
            line(format!("x = {}", py_nums(x)));
            line(format!(
                "ax.fill_between(x, {}, {}, color={}, alpha=0.3)",
                py_nums(lower),
                py_nums(upper),
                py_str(color)
            ));
            line(format!(
                "ax.plot(x, {}, color={}, label={})",
                py_nums(middle),
                py_str(color),
                py_str(label)
            ));
        }
    }
    if let Some(t) = &axes.title {
        line(format!("ax.set_title({})", py_str(t)));
    }
    if let Some(t) = &axes.xlabel {
        line(format!("ax.set_xlabel({})", py_str(t)));
    }
    if let Some(t) = &axes.ylabel {
        line(format!("ax.set_ylabel({})", py_str(t)));
    }
    if axes.grid {
        line("ax.grid(True)".into());
    }
    if axes.legend {
        line("ax.legend()".into());
    }
}

/// A Python string literal.
fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn py_strs(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|s| py_str(s)).collect();
    format!("[{}]", items.join(", "))
}

/// Numbers as Python reads them back exactly: whole numbers without a
/// fraction (`12`), others with their shortest decimals (`12.5`).
fn py_nums(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v}")).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::super::chart_spec::{Bars, Line};
    use super::*;

    #[test]
    fn code_reads_like_matplotlib() {
        let spec = ChartSpec {
            figsize: [6.4, 4.8],
            nrows: 1,
            ncols: 2,
            suptitle: Some("A \"quoted\" title".into()),
            axes: vec![
                AxesSpec {
                    title: Some("Sales".into()),
                    xlabel: Some("Month".into()),
                    ylabel: None,
                    grid: true,
                    legend: true,
                    plot: Plot::Line {
                        x: vec![1.0, 2.0],
                        lines: vec![Line {
                            y: vec![3.5, -1.0],
                            color: "#1f77b4".into(),
                            label: "A".into(),
                            linestyle: "--",
                            marker: Some("o"),
                        }],
                    },
                },
                AxesSpec {
                    title: None,
                    xlabel: None,
                    ylabel: None,
                    grid: false,
                    legend: false,
                    plot: Plot::Bar {
                        categories: vec!["Q1".into(), "Q2".into()],
                        stacks: vec![
                            Bars {
                                values: vec![1.0, 2.0],
                                color: "#ff7f0e".into(),
                                label: "x".into(),
                            },
                            Bars {
                                values: vec![0.5, 1.5],
                                color: "#2ca02c".into(),
                                label: "y".into(),
                            },
                        ],
                    },
                },
            ],
        };
        let expected = r##"import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(6.4, 4.8))

ax = axes[0]
x = [1, 2]
ax.plot(x, [3.5, -1], color="#1f77b4", linestyle="--", marker="o", label="A")
ax.set_title("Sales")
ax.set_xlabel("Month")
ax.grid(True)
ax.legend()

ax = axes[1]
categories = ["Q1", "Q2"]
ax.bar(categories, [1, 2], color="#ff7f0e", label="x")
ax.bar(categories, [0.5, 1.5], bottom=[1, 2], color="#2ca02c", label="y")

fig.suptitle("A \"quoted\" title")

plt.tight_layout()
plt.show()
"##;
        assert_eq!(chart_code(&spec), expected);
    }
}
