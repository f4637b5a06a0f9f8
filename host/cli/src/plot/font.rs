//! A 5x9 bitmap font (7 rows above the baseline, 2 for descenders), because
//! the machines `rewasm plot` runs on have no fonts to rely on.
//!
//! Each line of [`GLYPHS`] is a character and then its rows, top first, `#`
//! for ink; rows left out at the bottom are blank.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Columns of ink in a glyph.
pub const GLYPH_WIDTH: i32 = 5;
/// Rows from the top of a capital to the baseline.
pub const CAP_HEIGHT: i32 = 7;
/// All rows, descenders included.
pub const GLYPH_HEIGHT: i32 = 9;
/// A glyph's advance: its width and one blank column.
pub const ADVANCE: i32 = GLYPH_WIDTH + 1;

/// One bitmap row per entry, bit 4 the leftmost column.
pub type Glyph = [u8; GLYPH_HEIGHT as usize];

const GLYPHS: &str = r#"
0 .###. #...# #..## #.#.# ##..# #...# .###.
1 ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.
2 .###. #...# ....# ...#. ..#.. .#... #####
3 .###. #...# ....# ..##. ....# #...# .###.
4 ...#. ..##. .#.#. #..#. ##### ...#. ...#.
5 ##### #.... ####. ....# ....# #...# .###.
6 ..##. .#... #.... ####. #...# #...# .###.
7 ##### ....# ...#. ..#.. .#... .#... .#...
8 .###. #...# #...# .###. #...# #...# .###.
9 .###. #...# #...# .#### ....# ...#. .##..
A .###. #...# #...# ##### #...# #...# #...#
B ####. #...# #...# ####. #...# #...# ####.
C .###. #...# #.... #.... #.... #...# .###.
D ####. #...# #...# #...# #...# #...# ####.
E ##### #.... #.... ####. #.... #.... #####
F ##### #.... #.... ####. #.... #.... #....
G .###. #...# #.... #.### #...# #...# .####
H #...# #...# #...# ##### #...# #...# #...#
I .###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
J ..### ...#. ...#. ...#. ...#. #..#. .##..
K #...# #..#. #.#.. ##... #.#.. #..#. #...#
L #.... #.... #.... #.... #.... #.... #####
M #...# ##.## #.#.# #.#.# #...# #...# #...#
N #...# #...# ##..# #.#.# #..## #...# #...#
O .###. #...# #...# #...# #...# #...# .###.
P ####. #...# #...# ####. #.... #.... #....
Q .###. #...# #...# #...# #.#.# #..#. .##.#
R ####. #...# #...# ####. #.#.. #..#. #...#
S .#### #.... #.... .###. ....# ....# ####.
T ##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
U #...# #...# #...# #...# #...# #...# .###.
V #...# #...# #...# #...# #...# .#.#. ..#..
W #...# #...# #...# #.#.# #.#.# #.#.# .#.#.
X #...# #...# .#.#. ..#.. .#.#. #...# #...#
Y #...# #...# .#.#. ..#.. ..#.. ..#.. ..#..
Z ##### ....# ...#. ..#.. .#... #.... #####
a ..... ..... .###. ....# .#### #...# .####
b #.... #.... #.##. ##..# #...# #...# ####.
c ..... ..... .###. #.... #.... #...# .###.
d ....# ....# .##.# #..## #...# #...# .####
e ..... ..... .###. #...# ##### #.... .###.
f ..##. .#..# .#... ###.. .#... .#... .#...
g ..... ..... .#### #...# #...# #...# .#### ....# .###.
h #.... #.... #.##. ##..# #...# #...# #...#
i ..#.. ..... .##.. ..#.. ..#.. ..#.. .###.
j ...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..
k #.... #.... #..#. #.#.. ##... #.#.. #..#.
l .##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.
m ..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#
n ..... ..... #.##. ##..# #...# #...# #...#
o ..... ..... .###. #...# #...# #...# .###.
p ..... ..... ####. #...# #...# #...# ####. #.... #....
q ..... ..... .#### #...# #...# #...# .#### ....# ....#
r ..... ..... #.##. ##..# #.... #.... #....
s ..... ..... .###. #.... .###. ....# ####.
t .#... .#... ###.. .#... .#... .#..# ..##.
u ..... ..... #...# #...# #...# #..## .##.#
v ..... ..... #...# #...# #...# .#.#. ..#..
w ..... ..... #...# #...# #.#.# #.#.# .#.#.
x ..... ..... #...# .#.#. ..#.. .#.#. #...#
y ..... ..... #...# #...# #...# #...# .#### ....# .###.
z ..... ..... ##### ...#. ..#.. .#... #####
. ..... ..... ..... ..... ..... .##.. .##..
, ..... ..... ..... ..... ..... .##.. .##.. ..#.. .#...
: ..... .##.. .##.. ..... .##.. .##.. .....
; ..... .##.. .##.. ..... .##.. .##.. ..#.. .#...
- ..... ..... ..... ##### ..... ..... .....
+ ..... ..#.. ..#.. ##### ..#.. ..#.. .....
± ..#.. ..#.. ##### ..#.. ..#.. ..... #####
= ..... ..... ##### ..... ##### ..... .....
_ ..... ..... ..... ..... ..... ..... ..... #####
( ...#. ..#.. .#... .#... .#... ..#.. ...#.
) .#... ..#.. ...#. ...#. ...#. ..#.. .#...
[ .###. .#... .#... .#... .#... .#... .###.
] .###. ...#. ...#. ...#. ...#. ...#. .###.
{ ...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.
} .#... ..#.. ..#.. ...#. ..#.. ..#.. .#...
< ...#. ..#.. .#... #.... .#... ..#.. ...#.
> .#... ..#.. ...#. ....# ...#. ..#.. .#...
/ ....# ....# ...#. ..#.. .#... #.... #....
\ #.... #.... .#... ..#.. ...#. ....# ....#
| ..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..
% ##... ##..# ...#. ..#.. .#... #..## ...##
! ..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..
? .###. #...# ....# ...#. ..#.. ..... ..#..
' ..#.. ..#.. .#... ..... ..... ..... .....
` .#... ..#.. ..... ..... ..... ..... .....
" .#.#. .#.#. ..... ..... ..... ..... .....
* ..... ..#.. #.#.# .###. #.#.# ..#.. .....
# .#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.
& .##.. #..#. #.#.. .#... #.#.# #..#. .##.#
@ .###. #...# ....# .##.# #.#.# #.#.# .###.
$ ..#.. .#### #.#.. .###. ..#.# ####. ..#..
^ ..#.. .#.#. #...# ..... ..... ..... .....
~ ..... ..... .#... #.#.# ...#. ..... .....
"#;

/// Drawn for characters the font lacks, so they show as missing, not as blank.
const MISSING: Glyph = [
    0b11111, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11111, 0, 0,
];

/// The glyph of `c`: blank for whitespace, a hollow box for a character the
/// font lacks.
pub fn glyph(c: char) -> Glyph {
    static TABLE: OnceLock<HashMap<char, Glyph>> = OnceLock::new();
    if c.is_whitespace() {
        return [0; GLYPH_HEIGHT as usize];
    }
    let table = TABLE.get_or_init(|| GLYPHS.lines().filter_map(parse_line).collect());
    table.get(&c).copied().unwrap_or(MISSING)
}

/// Pixels `text` spans horizontally at `scale`.
pub fn text_width(text: &str, scale: i32) -> i32 {
    let n = text.chars().count() as i32;
    if n == 0 {
        0
    } else {
        (n * ADVANCE - 1) * scale
    }
}

fn parse_line(line: &str) -> Option<(char, Glyph)> {
    let mut chars = line.chars();
    let c = chars.next()?;
    let mut rows = chars.as_str().split_whitespace();
    let mut glyph = [0; GLYPH_HEIGHT as usize];
    for slot in glyph.iter_mut() {
        let Some(row) = rows.next() else { break };
        if row.len() != GLYPH_WIDTH as usize {
            return None;
        }
        for cell in row.chars() {
            *slot = (*slot << 1)
                | match cell {
                    '#' => 1,
                    '.' => 0,
                    _ => return None,
                };
        }
    }
    if rows.next().is_some() {
        return None;
    }
    Some((c, glyph))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_glyph_line_is_well_formed_and_unique() {
        let lines: Vec<&str> = GLYPHS.lines().filter(|l| !l.is_empty()).collect();
        let mut seen = std::collections::HashSet::new();
        for line in &lines {
            let (c, g) = parse_line(line).unwrap_or_else(|| panic!("malformed: {line:?}"));
            assert!(seen.insert(c), "{c:?} defined twice");
            assert!(g.iter().any(|&row| row != 0), "{c:?} has no ink");
        }
    }

    #[test]
    fn the_plot_can_write_every_character_it_needs() {
        let needed = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-+e_()/:%±,=";
        for c in needed.chars() {
            assert_ne!(glyph(c), MISSING, "{c:?} is missing");
        }
        assert_eq!(glyph('\u{2603}'), MISSING);
        assert_eq!(glyph(' '), [0; 9]);
    }

    #[test]
    fn descenders_sit_below_the_baseline() {
        assert_ne!(glyph('g')[7..], [0, 0]);
        assert_eq!(glyph('a')[7..], [0, 0]);
    }

    #[test]
    fn text_width_counts_the_gaps_between_glyphs_only() {
        assert_eq!(text_width("", 2), 0);
        assert_eq!(text_width("1", 2), 10);
        assert_eq!(text_width("10", 2), 22);
    }
}
