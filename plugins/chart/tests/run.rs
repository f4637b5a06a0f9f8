//! The interpreter on typical plotting programs and on code outside the
//! subset.

use rewasm_chart::{run, ChartErrorKind, ChartKind, Color};

#[test]
fn line_chart_with_texts_and_legend() {
    let code = r#"
import matplotlib.pyplot as plt
import numpy as np

x = np.linspace(0, 2 * np.pi, 5)
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(x, np.sin(x), 'r--', label='sin')
ax.plot(x, np.cos(x), color='#00ff00', linewidth=2, label='cos')
ax.set_title('Waves')
ax.set_xlabel('t')
ax.set_ylabel('value')
ax.legend(loc='upper right')
ax.grid(True, linestyle='--', alpha=0.5)
plt.tight_layout()
plt.show()
"#;
    let s = run(code).unwrap();
    assert_eq!(s.figsize, [8.0, 4.0]);
    assert_eq!(s.axes.len(), 1);
    let ax = &s.axes[0];
    assert_eq!(ax.series.len(), 2);
    assert_eq!(ax.series[0].kind, ChartKind::Line);
    assert_eq!(ax.series[0].colors, vec![Color::rgb(255, 0, 0)]);
    assert_eq!(ax.series[1].colors, vec![Color::rgb(0, 255, 0)]);
    assert!((ax.series[0].y[1] - 1.0).abs() < 1e-12);
    assert_eq!(
        ax.legend.as_deref(),
        Some(&["sin".to_string(), "cos".to_string()][..])
    );
    assert!(ax.grid);
    assert_eq!(s.texts(), vec!["Waves", "t", "value", "sin", "cos"]);
}

#[test]
fn bars_with_categories_loops_and_labels() {
    let code = r#"
import matplotlib.pyplot as plt
data = {'Apples': 10, 'Pears': 7, 'Plums': 12}
fig, ax = plt.subplots()
bars = ax.bar(list(data.keys()), list(data.values()), color=['tab:red', 'C1', (0.0, 0.0, 1.0)])
for bar in bars:
    h = bar.get_height()
    ax.text(bar.get_x() + bar.get_width() / 2, h, f'{h:.0f}', ha='center')
ax.set_ylabel('Count')
"#;
    let s = run(code).unwrap();
    let ax = &s.axes[0];
    let b = &ax.series[0];
    assert_eq!(b.kind, ChartKind::Bar);
    assert_eq!(b.x, vec![0.0, 1.0, 2.0]);
    assert_eq!(b.y, vec![10.0, 7.0, 12.0]);
    assert_eq!(b.colors.len(), 3);
    assert_eq!(
        ax.xticklabels.as_ref().unwrap(),
        &vec!["Apples", "Pears", "Plums"]
    );
    let texts: Vec<&str> = ax.texts.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, vec!["10", "7", "12"]);
    assert_eq!(ax.texts[0].x, 0.0);
}

#[test]
fn subplot_layouts_and_spans() {
    let code = r#"
import matplotlib.pyplot as plt
fig = plt.figure()
gs = fig.add_gridspec(2, 2)
ax1 = fig.add_subplot(gs[0, :])
ax2 = fig.add_subplot(gs[1, 0])
ax3 = plt.subplot2grid((2, 2), (1, 1))
ax1.plot([1, 2])
ax2.scatter([1, 2], [3, 4], c='k')
ax3.pie([1, 2, 3], labels=['a', 'b', 'c'], autopct='%1.1f%%')
"#;
    let s = run(code).unwrap();
    assert_eq!(s.axes.len(), 3);
    assert_eq!((s.axes[0].layout.row, s.axes[0].layout.colspan), (0, 2));
    assert_eq!((s.axes[1].layout.row, s.axes[1].layout.col), (1, 0));
    assert_eq!((s.axes[2].layout.row, s.axes[2].layout.col), (1, 1));
    assert_eq!(s.axes[2].series[0].kind, ChartKind::Pie);
    let pct: Vec<&str> = s.axes[2].texts.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(pct, vec!["16.7%", "33.3%", "50.0%"]);

    let grid = run("import matplotlib.pyplot as plt\nfig, axs = plt.subplots(2, 3)\nfor ax in axs.flat:\n    ax.plot([0, 1])\naxs[1, 2].set_title('last')\naxs[0][1].set_title('second')").unwrap();
    assert_eq!(grid.axes.len(), 6);
    assert_eq!(grid.axes[5].title.as_deref(), Some("last"));
    assert_eq!(grid.axes[1].title.as_deref(), Some("second"));
    assert!(grid.axes.iter().all(|a| a.series.len() == 1));
}

#[test]
fn histogram_counts_match_numpy() {
    // numpy.histogram([1, 2, 2, 3, 3, 3, 4], bins=3) -> [1, 2, 4], edges [1, 2, 3, 4]
    let s =
        run("import matplotlib.pyplot as plt\nplt.hist([1, 2, 2, 3, 3, 3, 4], bins=3)").unwrap();
    let h = &s.axes[0].series[0];
    assert_eq!(h.kind, ChartKind::Hist);
    assert_eq!(h.y, vec![1.0, 2.0, 4.0]);
    assert_eq!(h.x, vec![1.0, 2.0, 3.0, 4.0]);
}

#[test]
fn comprehensions_ranges_and_formatting() {
    let code = r#"
import matplotlib.pyplot as plt
import numpy as np
xs = [i ** 2 for i in range(5) if i % 2 == 0]
labels = ['Q{}'.format(i) for i in np.arange(1, 4)]
plt.bar(labels, xs)
plt.title('%s total: %d' % ('sum', sum(xs)))
plt.xlabel(f"{np.mean(xs):.2f} | {round(2.5)} | {7 // -2} | {-7 % 3}")
plt.fill_between(range(3), [1, 2, 3], 0, alpha=0.3)
plt.axhline(2, color='gray', linestyle=':')
"#;
    let s = run(code).unwrap();
    let ax = &s.axes[0];
    assert_eq!(ax.series[0].y, vec![0.0, 4.0, 16.0]);
    assert_eq!(ax.xticklabels.as_ref().unwrap(), &vec!["Q1", "Q2", "Q3"]);
    assert_eq!(ax.title.as_deref(), Some("sum total: 20"));
    assert_eq!(ax.xlabel.as_deref(), Some("6.67 | 2 | -4 | 2"));
    assert_eq!(ax.series[1].kind, ChartKind::FillBetween);
    assert_eq!(ax.series[1].colors[0].a, 77);
    assert_eq!(ax.series[2].kind, ChartKind::Axhline);
}

#[test]
fn outside_the_subset_is_named_with_its_line() {
    let cases = [
        (
            "import pandas as pd",
            1,
            ChartErrorKind::Unsupported,
            "pandas",
        ),
        (
            "import matplotlib.pyplot as plt\n\ndef f():\n    pass",
            3,
            ChartErrorKind::Unsupported,
            "def",
        ),
        (
            "import numpy as np\nx = np.random.rand(5)",
            2,
            ChartErrorKind::Unsupported,
            "np.random.rand",
        ),
        (
            "import matplotlib.pyplot as plt\nplt.plot([1], foo=2)",
            2,
            ChartErrorKind::Unsupported,
            "foo",
        ),
        (
            "import matplotlib.pyplot as plt\nplt.plot([1, 2], [1])",
            2,
            ChartErrorKind::Runtime,
            "same first dimension",
        ),
        (
            "import matplotlib.pyplot as plt\nplt.plot([1], color='blurple')",
            2,
            ChartErrorKind::Runtime,
            "colour",
        ),
        (
            "x = undefined_name + 1",
            1,
            ChartErrorKind::Runtime,
            "undefined_name",
        ),
        ("plt.plot([1, 2)", 1, ChartErrorKind::Syntax, ""),
        (
            "import matplotlib.pyplot as plt\nwith open('f') as f:\n    pass",
            2,
            ChartErrorKind::Unsupported,
            "with",
        ),
    ];
    for (code, line, kind, needle) in cases {
        let e = run(code).unwrap_err();
        assert_eq!(e.kind, kind, "{code}: {e}");
        assert_eq!(e.line, Some(line), "{code}: {e}");
        assert!(e.to_string().contains(needle), "{code}: {e}");
        assert!(e.to_string().starts_with(&format!("line {line}:")), "{e}");
    }
}

#[test]
fn hostile_code_hits_budgets() {
    let cases = [
        "while True:\n    pass".to_string(),
        "x = list(range(10**12))".to_string(),
        "x = [0] * 10**9".to_string(),
        "x = 'a' * 10**9".to_string(),
        "import numpy as np\nx = np.arange(1e12)".to_string(),
        "import numpy as np\nx = np.linspace(0, 1, 10**10)".to_string(),
        "x = [[i * j for i in range(10000)] for j in range(10000)]".to_string(),
        format!("x = {}1{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("x = 1{}", " + 1".repeat(50_000)),
        "s = 'ab'\nwhile True:\n    s = s + s".to_string(),
        "import matplotlib.pyplot as plt\nfor i in range(1000):\n    plt.subplot(40, 40, i + 1)"
            .to_string(),
        "import matplotlib.pyplot as plt\nplt.hist([1, 2], bins=10**8)".to_string(),
        "s = 'y' * 600000\nt = s + s".to_string(),
    ];
    for code in &cases {
        let e = run(code).unwrap_err();
        assert!(
            matches!(e.kind, ChartErrorKind::Budget),
            "{}: {e}",
            &code[..code.len().min(60)]
        );
    }
    // Integer overflow is refused, not wrapped.
    let e = run("x = 2 ** 200").unwrap_err();
    assert_eq!(e.kind, ChartErrorKind::Unsupported);
}
