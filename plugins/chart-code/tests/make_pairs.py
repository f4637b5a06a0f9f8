"""Writes pairs.jsonl: reference programs, each with candidates listed in
the order their total score must strictly decrease, and exact part values
where a metric's edge case is the point of the pair. Run from this folder:
python3 make_pairs.py > pairs.jsonl"""
import json

H = "import matplotlib.pyplot as plt\nimport numpy as np\n"
BROKEN_SYNTAX = H + "plt.plot([1, 2, 3]\n"
BROKEN_RUNTIME = H + "plt.plot(undefined_values)\n"
ALL_ONE = {"total": 1.0, "exec": 1.0, "text": 1.0, "layout": 1.0, "type": 1.0, "color": 1.0, "data": 1.0, "image": 1.0}
ZERO = {"total": 0.0, "exec": 0.0}

pairs = []


def add(name, note, reference, candidates, config=None):
    row = {"name": name, "note": note, "reference": reference,
           "candidates": [{"code": c, "expect": e} for c, e in candidates]}
    if config:
        row["config"] = config
    pairs.append(row)


def ladder(name, note, ref, small, other_type, broken=BROKEN_SYNTAX, small_expect=None, type_expect=None):
    add(name, note, ref, [(ref, ALL_ONE), (small, small_expect or {"exec": 1.0}),
                          (other_type, type_expect or {"exec": 1.0}), (broken, ZERO)])


line = H + """x = [1, 2, 3, 4, 5]
plt.plot(x, [2, 4, 6, 8, 10], label='north')
plt.plot(x, [1, 3, 2, 5, 4], label='south')
plt.title('Sales 2024')
plt.xlabel('month')
plt.ylabel('units')
plt.legend()
"""
ladder("line", "two labelled lines; the small change is the title", line,
       line.replace("Sales 2024", "Sales 2025"),
       line.replace("plt.plot(x, [2", "plt.bar(x, [2").replace("plt.plot(x, [1", "plt.bar(x, [1"),
       small_expect={"data": 1.0, "color": 1.0, "type": 1.0, "layout": 1.0},
       type_expect={"type": 0.0, "data": 0.0, "text": 1.0})

bar = H + """labels = ['A', 'B', 'C', 'D']
values = [3, 7, 2, 5]
fig, ax = plt.subplots()
ax.bar(labels, values, color=['tab:blue', 'tab:orange', 'tab:green', 'tab:red'])
ax.set_title('Scores')
ax.set_ylabel('points')
"""
bar_renamed = bar.replace("labels", "names").replace("values", "heights")
add("bar-renamed-variables", "the same chart written with other variable names scores 1", bar,
    [(bar_renamed, ALL_ONE), (bar.replace("[3, 7, 2, 5]", "[3, 7, 2, 9]"), {"data": 0.75, "text": 1.0}),
     (bar.replace("ax.bar(", "ax.barh("), {"type": 0.0, "data": 0.0}), (BROKEN_RUNTIME, ZERO)])
ladder("bar", "categorical bars with a colour each", bar,
       bar.replace("[3, 7, 2, 5]", "[3, 7, 2, 5.5]"), bar.replace("ax.bar(", "ax.scatter("), BROKEN_RUNTIME)

barh = H + """teams = ['red', 'blue', 'green']
plt.barh(teams, [10, 20, 15], color='steelblue')
plt.xlabel('wins')
"""
ladder("barh", "horizontal bars", barh, barh.replace("'steelblue'", "'royalblue'"), barh.replace("plt.barh(", "plt.bar("),
       small_expect={"data": 1.0, "text": 1.0})

scatter = H + """x = np.arange(10)
y = x ** 2
plt.scatter(x, y, c='purple', label='squares')
plt.legend()
plt.grid(True)
"""
ladder("scatter", "scatter of squares; the small change moves one point", scatter,
       scatter.replace("y = x ** 2", "y = x ** 2\ny = list(y[:9]) + [90]"),
       scatter.replace("plt.scatter(x, y, c=", "plt.plot(x, y, color="))

pie = H + """sizes = [30, 45, 25]
plt.pie(sizes, labels=['cats', 'dogs', 'fish'], colors=['gold', 'skyblue', 'salmon'], autopct='%1.1f%%')
plt.title('Pets')
"""
ladder("pie", "pie with labels, colours and percentages", pie,
       pie.replace("'salmon'", "'tomato'"),
       pie.replace("plt.pie(sizes, labels=['cats', 'dogs', 'fish'], colors=['gold', 'skyblue', 'salmon'], autopct='%1.1f%%')",
                   "plt.bar(['cats', 'dogs', 'fish'], sizes, color=['gold', 'skyblue', 'salmon'])"),
       small_expect={"data": 1.0, "text": 1.0, "type": 1.0})
add("pie-scaled", "pie sizes are compared as fractions: doubling every size changes nothing", pie,
    [(pie.replace("[30, 45, 25]", "[60, 90, 50]"), ALL_ONE), (pie.replace("[30, 45, 25]", "[30, 45, 35]"), {"exec": 1.0}), (BROKEN_SYNTAX, ZERO)])

hist = H + """data = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6, 6, 7]
plt.hist(data, bins=6, color='teal', alpha=0.7)
plt.xlabel('value')
plt.ylabel('count')
"""
ladder("hist", "histogram; the small change is one bin fewer", hist,
       hist.replace("bins=6", "bins=5"), hist.replace("plt.hist(data, bins=6, color='teal', alpha=0.7)", "plt.plot(data, color='teal')"))

fill = H + """x = np.linspace(0, 4, 9)
y = x * 2
plt.plot(x, y, color='navy')
plt.fill_between(x, y - 1, y + 1, color='navy', alpha=0.2)
plt.title('Band')
"""
ladder("fill-between", "line with a shaded band", fill,
       fill.replace("y - 1, y + 1", "y - 1.5, y + 1.5"),
       fill.replace("plt.fill_between(x, y - 1, y + 1, color='navy', alpha=0.2)", "plt.scatter(x, y + 1, color='navy')"),
       type_expect={"type": 0.5})

sub12 = H + """fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
ax1.plot([1, 2, 3], [3, 1, 2], color='C0')
ax1.set_title('left')
ax2.bar(['a', 'b'], [5, 6], color='C1')
ax2.set_title('right')
"""
ladder("subplots-1x2", "two axes side by side", sub12,
       sub12.replace("'right'", "'Right'"),
       sub12.replace("ax1.plot([1, 2, 3], [3, 1, 2], color='C0')", "ax1.bar([1, 2, 3], [3, 1, 2], color='C0')"),
       small_expect={"layout": 1.0, "type": 1.0, "data": 1.0, "color": 1.0})

sub22 = H + """fig, axs = plt.subplots(2, 2)
for i, ax in enumerate(axs.flat):
    ax.plot([0, 1, 2], [i, i + 1, i * 2])
    ax.set_title(f'panel {i}')
"""
add("subplots-2x2", "a 2x2 grid; fewer axes lower the layout score", sub22,
    [(sub22, ALL_ONE),
     (sub22.replace("ax.set_title(f'panel {i}')", "ax.set_title(f'Panel {i}')"), {"layout": 1.0, "text": 0.0}),
     (sub22.replace("plt.subplots(2, 2)", "plt.subplots(1, 4)"), {"layout": 0.0, "text": 1.0}),
     (sub22.replace("ax.plot(", "ax.bar("), {"layout": 1.0, "type": 0.0}),
     (BROKEN_SYNTAX, ZERO)])

span = H + """fig = plt.figure(figsize=(8, 6))
gs = fig.add_gridspec(2, 2)
top = fig.add_subplot(gs[0, :])
top.plot([1, 2, 3, 4], [4, 3, 2, 1])
left = fig.add_subplot(gs[1, 0])
left.bar(['x', 'y'], [1, 2])
right = fig.add_subplot(gs[1, 1])
right.scatter([1, 2], [2, 1])
"""
add("gridspec-span", "a full-width top axes over two; the span counts in layout", span,
    [(span, ALL_ONE),
     (span.replace("gs[0, :]", "gs[0, 0]"), {"layout": 2 / 3, "type": 1.0}),
     (span.replace("top.plot(", "top.bar("), {"layout": 1.0, "type": 2 / 3}),
     (BROKEN_SYNTAX, ZERO)])

s2g = H + """ax1 = plt.subplot2grid((3, 3), (0, 0), colspan=3)
ax2 = plt.subplot2grid((3, 3), (1, 0), colspan=2, rowspan=2)
ax3 = plt.subplot2grid((3, 3), (1, 2), rowspan=2)
ax1.plot([1, 2, 3])
ax2.hist([1, 1, 2, 3, 3, 3], bins=3)
ax3.barh(['p', 'q'], [3, 4])
"""
add("subplot2grid", "three axes with row and column spans", s2g,
    [(s2g, ALL_ONE), (s2g.replace("colspan=2, rowspan=2", "colspan=2, rowspan=1"), {"layout": 2 / 3}),
     (s2g.replace("ax2.hist([1, 1, 2, 3, 3, 3], bins=3)", "ax2.plot([1, 1, 2, 3, 3, 3])"), {"layout": 1.0}),
     (BROKEN_RUNTIME, ZERO)])

axh = H + """plt.plot([0, 1, 2, 3], [1, 3, 2, 4], color='black')
plt.axhline(2.5, color='red', linestyle='--')
"""
ladder("axhline", "a line with a horizontal reference line", axh, axh.replace("2.5", "2.6"),
       axh.replace("axhline(2.5", "axvline(2.5"))

perm = H + """plt.bar(['a', 'b', 'c'], [1, 2, 3], color=['red', 'green', 'blue'])
"""
add("permuted-colours", "the same colours in another order keep colour F1 at 1 (best assignment within the call); other colours lose it", perm,
    [(perm, ALL_ONE),
     (perm.replace("['red', 'green', 'blue']", "['blue', 'red', 'green']"), {"color": 1.0, "data": 1.0}),
     (perm.replace("['red', 'green', 'blue']", "['darkred', 'darkgreen', 'darkblue']"), {"data": 1.0}),
     (perm.replace("['red', 'green', 'blue']", "'gray'"), {"data": 1.0}),
     (BROKEN_SYNTAX, ZERO)])

no_text = H + "plt.plot([1, 2, 3], [2, 1, 3])\n"
add("empty-texts", "no strings on either side: text F1 is 1; a candidate adding one gets 0", no_text,
    [(no_text, ALL_ONE), (no_text + "plt.title('extra')\n", {"text": 0.0, "data": 1.0}),
     (no_text.replace("plt.plot", "plt.scatter"), {"text": 1.0, "type": 0.0}), (BROKEN_SYNTAX, ZERO)])

three = H + """x = [0, 1, 2, 3]
plt.plot(x, [1, 2, 3, 4], label='a')
plt.plot(x, [2, 3, 4, 5], label='b')
plt.plot(x, [3, 4, 5, 6], label='c')
plt.legend()
"""
two = "\n".join(l for l in three.splitlines() if "label='c'" not in l) + "\n"
one = "\n".join(l for l in two.splitlines() if "label='b'" not in l) + "\n"
add("series-count", "missing series lower data, colour, type and text F1s", three,
    [(three, ALL_ONE), (two, {"data": 0.8, "type": 0.8, "text": 0.8}), (one, {"data": 0.5, "type": 0.5, "text": 0.5}), (BROKEN_SYNTAX, ZERO)])
add("series-count-extra", "extra series lower precision the same way", one,
    [(one, ALL_ONE), (two, {"data": 2 / 3}), (three, {"data": 0.5}), (BROKEN_SYNTAX, ZERO)])

nan = H + "plt.plot([0, 1, 2, 3], [1, np.nan, 3, np.inf])\n"
add("nan-inf", "NaN matches NaN and inf matches inf; a number in their place does not", nan,
    [(nan, ALL_ONE), (nan.replace("np.nan", "2"), {"data": 0.75}),
     (nan.replace("np.nan", "2").replace("np.inf", "4"), {"data": 0.5}), (BROKEN_SYNTAX, ZERO)])

tol = H + "plt.plot([0, 1, 2, 3], [100, 200, 300, 400])\n"
add("tolerance", "values within rel_tol (2%) match; just beyond do not", tol,
    [(tol, ALL_ONE), (tol.replace("[100, 200, 300, 400]", "[101.9, 203.9, 305.9, 407.9]"), {"data": 1.0}),
     (tol.replace("[100, 200, 300, 400]", "[102.1, 204.1, 306.1, 408.1]"), {"data": 0.0}),
     (tol.replace("plt.plot", "plt.bar"), {"data": 0.0, "type": 0.0}), (BROKEN_SYNTAX, ZERO)])
add("tolerance-config", "a looser rel_tol accepts the 2.1% shift", tol,
    [(tol, ALL_ONE), (tol.replace("[100, 200, 300, 400]", "[102.1, 204.1, 306.1, 408.1]"), {"data": 1.0}),
     (tol.replace("[100, 200, 300, 400]", "[120, 240, 360, 480]"), {"data": 0.0}), (BROKEN_SYNTAX, ZERO)],
    config={"rel_tol": 0.05})

empty = H + "plt.title('Nothing yet')\nplt.xlabel('x')\n"
add("no-colours", "no series on either side: colour and data F1 are 1", empty,
    [(empty, ALL_ONE), (empty + "plt.plot([1, 2])\n", {"color": 0.0, "data": 0.0, "text": 1.0}), (BROKEN_SYNTAX, ZERO)])

scene = json.dumps({"axes": [{"title": "T", "series": [{"kind": "line", "x": [0, 1, 2], "y": [1, 2, 3], "colors": ["#1f77b4"]}]}]})
add("json-scene", "a reference given as a JSON scene", scene,
    [(H + "plt.plot([1, 2, 3])\nplt.title('T')\n", ALL_ONE), (H + "plt.plot([1, 2, 3], 'r')\nplt.title('T')\n", {"color": 0.0, "data": 1.0}),
     (H + "plt.bar(range(3), [1, 2, 3])\nplt.title('T')\n", {"type": 0.0}), (BROKEN_SYNTAX, ZERO)])

fenced = "Here is the code:\n```python\n" + line + "```\nIt draws two lines."
add("fenced-completion", "code inside a ```python fence is found", line,
    [(fenced, ALL_ONE), (fenced.replace("'north'", "'North'"), {"data": 1.0}), ("I cannot draw this chart.", ZERO)])

unsup = H + "plt.plot([1, 2, 3])\n"
add("unsupported-zero", "with on_unsupported = zero, code outside the subset scores 0 like broken code", unsup,
    [(unsup, ALL_ONE), (unsup.replace("plt.plot([1, 2, 3])", "plt.scatter(range(3), [1, 2, 3])"), {"type": 0.0}),
     (H + "import seaborn as sns\nsns.lineplot(x=[1, 2, 3], y=[1, 2, 3])\n", ZERO)],
    config={"on_unsupported": "zero"})

twin = H + """fig, ax = plt.subplots()
ax.bar(['q1', 'q2', 'q3'], [10, 12, 9], color='lightgray')
ax2 = ax.twinx()
ax2.plot(['q1', 'q2', 'q3'], [0.1, 0.3, 0.2], color='crimson', marker='o')
ax.set_ylabel('revenue')
ax2.set_ylabel('growth')
"""
ladder("twinx", "bars with a line on a twin axis", twin, twin.replace("[0.1, 0.3, 0.2]", "[0.1, 0.3, 0.25]"),
       twin.replace("ax2.plot(", "ax2.bar(").replace(", marker='o'", ""))

loops = H + """categories = ['Mon', 'Tue', 'Wed']
values = [5, 8, 6]
fig, ax = plt.subplots()
bars = ax.bar(categories, values, color='C2')
for b in bars:
    ax.text(b.get_x() + b.get_width() / 2, b.get_height(), f'{b.get_height():.0f}', ha='center')
ax.set_xticks(range(3))
ax.set_xticklabels([c.upper() for c in categories])
"""
ladder("bar-labels-loop", "value labels written in a loop, tick labels from a comprehension", loops,
       loops.replace("[5, 8, 6]", "[5, 8, 7]"), loops.replace("ax.bar(categories, values, color='C2')", "ax.barh(categories, values, color='C2')"))

for p in pairs:
    print(json.dumps(p))
