//! Colours: matplotlib's colour specs, the default property cycle, and
//! CIE76 colour difference in CIELAB.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An sRGB colour with alpha, 8 bits per channel. Serialized as
/// `"#rrggbb"` (opaque) or `"#rrggbbaa"`; deserialized from any colour
/// spec [`Color::parse`] accepts (`"red"`, `"C1"`, `"#abc"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

/// matplotlib's default property cycle (`tab10`), `C0` to `C9`.
pub const CYCLE: [Color; 10] = [
    Color::rgb(0x1f, 0x77, 0xb4),
    Color::rgb(0xff, 0x7f, 0x0e),
    Color::rgb(0x2c, 0xa0, 0x2c),
    Color::rgb(0xd6, 0x27, 0x28),
    Color::rgb(0x94, 0x67, 0xbd),
    Color::rgb(0x8c, 0x56, 0x4b),
    Color::rgb(0xe3, 0x77, 0xc2),
    Color::rgb(0x7f, 0x7f, 0x7f),
    Color::rgb(0xbc, 0xbd, 0x22),
    Color::rgb(0x17, 0xbe, 0xcf),
];

impl Color {
    pub const BLACK: Color = Color::rgb(0, 0, 0);
    pub const WHITE: Color = Color::rgb(255, 255, 255);

    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 255 }
    }

    /// From channels in [0, 1] (clamped); `None` for a non-finite channel.
    pub fn from_unit(r: f64, g: f64, b: f64, a: f64) -> Option<Color> {
        let c = |v: f64| -> Option<u8> {
            if v.is_finite() {
                Some((v.clamp(0.0, 1.0) * 255.0).round() as u8)
            } else {
                None
            }
        };
        Some(Color {
            r: c(r)?,
            g: c(g)?,
            b: c(b)?,
            a: c(a)?,
        })
    }

    /// The same colour with alpha in [0, 1].
    pub fn with_alpha(self, alpha: f64) -> Color {
        let a = if alpha.is_finite() {
            (alpha.clamp(0.0, 1.0) * 255.0).round() as u8
        } else {
            self.a
        };
        Color { a, ..self }
    }

    /// The `n`-th colour of the default cycle.
    pub fn cycle(n: usize) -> Color {
        CYCLE[n % CYCLE.len()]
    }

    /// Parses a matplotlib colour string: names (CSS4, `tab:` colours, the
    /// one-letter base colours), `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`,
    /// `C0`..`C9`, a grey level `"0.5"`, and `"none"`. Case-insensitive.
    pub fn parse(spec: &str) -> Option<Color> {
        let s = spec.trim().to_ascii_lowercase();
        if let Some(hex) = s.strip_prefix('#') {
            return parse_hex(hex);
        }
        if s == "none" {
            return Some(Color {
                r: 0,
                g: 0,
                b: 0,
                a: 0,
            });
        }
        if let Some(n) = s.strip_prefix('c') {
            if let Ok(i) = n.parse::<usize>() {
                return Some(Color::cycle(i));
            }
        }
        if let Ok(level) = s.parse::<f64>() {
            if (0.0..=1.0).contains(&level) {
                return Color::from_unit(level, level, level, 1.0);
            }
            return None;
        }
        let unit = |r: f64, g: f64, b: f64| Color::from_unit(r, g, b, 1.0);
        match s.as_str() {
            "b" => return unit(0.0, 0.0, 1.0),
            "g" => return unit(0.0, 0.5, 0.0),
            "r" => return unit(1.0, 0.0, 0.0),
            "c" => return unit(0.0, 0.75, 0.75),
            "m" => return unit(0.75, 0.0, 0.75),
            "y" => return unit(0.75, 0.75, 0.0),
            "k" => return Some(Color::BLACK),
            "w" => return Some(Color::WHITE),
            _ => {}
        }
        let name = s.replace(' ', "");
        NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, hex)| Color::rgb((hex >> 16) as u8, (hex >> 8) as u8, *hex as u8))
    }

    /// CIELAB (D65) of the colour's RGB; alpha is ignored.
    pub fn lab(self) -> [f64; 3] {
        let lin = |c: u8| {
            let c = c as f64 / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let (r, g, b) = (lin(self.r), lin(self.g), lin(self.b));
        let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047;
        let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
        let z = (0.0193339 * r + 0.119192 * g + 0.9503041 * b) / 1.08883;
        let f = |t: f64| {
            if t > 216.0 / 24389.0 {
                t.cbrt()
            } else {
                (24389.0 / 27.0 * t + 16.0) / 116.0
            }
        };
        let (fx, fy, fz) = (f(x), f(y), f(z));
        [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
    }

    /// CIE76 difference: Euclidean distance in CIELAB.
    pub fn delta_e76(self, other: Color) -> f64 {
        let (a, b) = (self.lab(), other.lab());
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    /// ChartMimic's colour similarity, `max(0, 1 - dE76 / 100)`.
    pub fn similarity(self, other: Color) -> f64 {
        (1.0 - self.delta_e76(other) / 100.0).max(0.0)
    }
}

fn parse_hex(hex: &str) -> Option<Color> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).ok().map(|d| d * 17);
    let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    match hex.len() {
        3 | 4 => Some(Color {
            r: digit(0)?,
            g: digit(1)?,
            b: digit(2)?,
            a: if hex.len() == 4 { digit(3)? } else { 255 },
        }),
        6 | 8 => Some(Color {
            r: pair(0)?,
            g: pair(2)?,
            b: pair(4)?,
            a: if hex.len() == 8 { pair(6)? } else { 255 },
        }),
        _ => None,
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)?;
        if self.a != 255 {
            write!(f, "{:02x}", self.a)?;
        }
        Ok(())
    }
}

impl Serialize for Color {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Color, D::Error> {
        let s = String::deserialize(d)?;
        Color::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown colour {s:?}")))
    }
}

/// CSS4 colour names and matplotlib's `tab:` colours, as 0xRRGGBB.
const NAMED: &[(&str, u32)] = &[
    ("tab:blue", 0x1f77b4),
    ("tab:orange", 0xff7f0e),
    ("tab:green", 0x2ca02c),
    ("tab:red", 0xd62728),
    ("tab:purple", 0x9467bd),
    ("tab:brown", 0x8c564b),
    ("tab:pink", 0xe377c2),
    ("tab:gray", 0x7f7f7f),
    ("tab:grey", 0x7f7f7f),
    ("tab:olive", 0xbcbd22),
    ("tab:cyan", 0x17becf),
    ("aliceblue", 0xF0F8FF),
    ("antiquewhite", 0xFAEBD7),
    ("aqua", 0x00FFFF),
    ("aquamarine", 0x7FFFD4),
    ("azure", 0xF0FFFF),
    ("beige", 0xF5F5DC),
    ("bisque", 0xFFE4C4),
    ("black", 0x000000),
    ("blanchedalmond", 0xFFEBCD),
    ("blue", 0x0000FF),
    ("blueviolet", 0x8A2BE2),
    ("brown", 0xA52A2A),
    ("burlywood", 0xDEB887),
    ("cadetblue", 0x5F9EA0),
    ("chartreuse", 0x7FFF00),
    ("chocolate", 0xD2691E),
    ("coral", 0xFF7F50),
    ("cornflowerblue", 0x6495ED),
    ("cornsilk", 0xFFF8DC),
    ("crimson", 0xDC143C),
    ("cyan", 0x00FFFF),
    ("darkblue", 0x00008B),
    ("darkcyan", 0x008B8B),
    ("darkgoldenrod", 0xB8860B),
    ("darkgray", 0xA9A9A9),
    ("darkgreen", 0x006400),
    ("darkgrey", 0xA9A9A9),
    ("darkkhaki", 0xBDB76B),
    ("darkmagenta", 0x8B008B),
    ("darkolivegreen", 0x556B2F),
    ("darkorange", 0xFF8C00),
    ("darkorchid", 0x9932CC),
    ("darkred", 0x8B0000),
    ("darksalmon", 0xE9967A),
    ("darkseagreen", 0x8FBC8F),
    ("darkslateblue", 0x483D8B),
    ("darkslategray", 0x2F4F4F),
    ("darkslategrey", 0x2F4F4F),
    ("darkturquoise", 0x00CED1),
    ("darkviolet", 0x9400D3),
    ("deeppink", 0xFF1493),
    ("deepskyblue", 0x00BFFF),
    ("dimgray", 0x696969),
    ("dimgrey", 0x696969),
    ("dodgerblue", 0x1E90FF),
    ("firebrick", 0xB22222),
    ("floralwhite", 0xFFFAF0),
    ("forestgreen", 0x228B22),
    ("fuchsia", 0xFF00FF),
    ("gainsboro", 0xDCDCDC),
    ("ghostwhite", 0xF8F8FF),
    ("gold", 0xFFD700),
    ("goldenrod", 0xDAA520),
    ("gray", 0x808080),
    ("green", 0x008000),
    ("greenyellow", 0xADFF2F),
    ("grey", 0x808080),
    ("honeydew", 0xF0FFF0),
    ("hotpink", 0xFF69B4),
    ("indianred", 0xCD5C5C),
    ("indigo", 0x4B0082),
    ("ivory", 0xFFFFF0),
    ("khaki", 0xF0E68C),
    ("lavender", 0xE6E6FA),
    ("lavenderblush", 0xFFF0F5),
    ("lawngreen", 0x7CFC00),
    ("lemonchiffon", 0xFFFACD),
    ("lightblue", 0xADD8E6),
    ("lightcoral", 0xF08080),
    ("lightcyan", 0xE0FFFF),
    ("lightgoldenrodyellow", 0xFAFAD2),
    ("lightgray", 0xD3D3D3),
    ("lightgreen", 0x90EE90),
    ("lightgrey", 0xD3D3D3),
    ("lightpink", 0xFFB6C1),
    ("lightsalmon", 0xFFA07A),
    ("lightseagreen", 0x20B2AA),
    ("lightskyblue", 0x87CEFA),
    ("lightslategray", 0x778899),
    ("lightslategrey", 0x778899),
    ("lightsteelblue", 0xB0C4DE),
    ("lightyellow", 0xFFFFE0),
    ("lime", 0x00FF00),
    ("limegreen", 0x32CD32),
    ("linen", 0xFAF0E6),
    ("magenta", 0xFF00FF),
    ("maroon", 0x800000),
    ("mediumaquamarine", 0x66CDAA),
    ("mediumblue", 0x0000CD),
    ("mediumorchid", 0xBA55D3),
    ("mediumpurple", 0x9370DB),
    ("mediumseagreen", 0x3CB371),
    ("mediumslateblue", 0x7B68EE),
    ("mediumspringgreen", 0x00FA9A),
    ("mediumturquoise", 0x48D1CC),
    ("mediumvioletred", 0xC71585),
    ("midnightblue", 0x191970),
    ("mintcream", 0xF5FFFA),
    ("mistyrose", 0xFFE4E1),
    ("moccasin", 0xFFE4B5),
    ("navajowhite", 0xFFDEAD),
    ("navy", 0x000080),
    ("oldlace", 0xFDF5E6),
    ("olive", 0x808000),
    ("olivedrab", 0x6B8E23),
    ("orange", 0xFFA500),
    ("orangered", 0xFF4500),
    ("orchid", 0xDA70D6),
    ("palegoldenrod", 0xEEE8AA),
    ("palegreen", 0x98FB98),
    ("paleturquoise", 0xAFEEEE),
    ("palevioletred", 0xDB7093),
    ("papayawhip", 0xFFEFD5),
    ("peachpuff", 0xFFDAB9),
    ("peru", 0xCD853F),
    ("pink", 0xFFC0CB),
    ("plum", 0xDDA0DD),
    ("powderblue", 0xB0E0E6),
    ("purple", 0x800080),
    ("rebeccapurple", 0x663399),
    ("red", 0xFF0000),
    ("rosybrown", 0xBC8F8F),
    ("royalblue", 0x4169E1),
    ("saddlebrown", 0x8B4513),
    ("salmon", 0xFA8072),
    ("sandybrown", 0xF4A460),
    ("seagreen", 0x2E8B57),
    ("seashell", 0xFFF5EE),
    ("sienna", 0xA0522D),
    ("silver", 0xC0C0C0),
    ("skyblue", 0x87CEEB),
    ("slateblue", 0x6A5ACD),
    ("slategray", 0x708090),
    ("slategrey", 0x708090),
    ("snow", 0xFFFAFA),
    ("springgreen", 0x00FF7F),
    ("steelblue", 0x4682B4),
    ("tan", 0xD2B48C),
    ("teal", 0x008080),
    ("thistle", 0xD8BFD8),
    ("tomato", 0xFF6347),
    ("turquoise", 0x40E0D0),
    ("violet", 0xEE82EE),
    ("wheat", 0xF5DEB3),
    ("white", 0xFFFFFF),
    ("whitesmoke", 0xF5F5F5),
    ("yellow", 0xFFFF00),
    ("yellowgreen", 0x9ACD32),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(Color::parse("red"), Some(Color::rgb(255, 0, 0)));
        assert_eq!(Color::parse("Tab:Blue"), Some(Color::cycle(0)));
        assert_eq!(Color::parse("C1"), Some(Color::cycle(1)));
        assert_eq!(Color::parse("#abc"), Some(Color::rgb(0xaa, 0xbb, 0xcc)));
        assert_eq!(Color::parse("#11223380").map(|c| c.a), Some(0x80));
        assert_eq!(Color::parse("0.5"), Some(Color::rgb(128, 128, 128)));
        assert_eq!(Color::parse("g"), Some(Color::rgb(0, 128, 0)));
        assert_eq!(Color::parse("notacolour"), None);
        assert_eq!(Color::parse("#12345"), None);
        assert_eq!(Color::parse("1.5"), None);
    }

    #[test]
    fn cie76_distances() {
        let black = Color::BLACK;
        let white = Color::WHITE;
        assert!((black.delta_e76(white) - 100.0).abs() < 0.01);
        assert_eq!(black.similarity(white), 0.0);
        assert_eq!(Color::cycle(3).similarity(Color::cycle(3)), 1.0);
        let red = Color::rgb(255, 0, 0);
        let dark_red = Color::rgb(230, 0, 0);
        let s = red.similarity(dark_red);
        assert!(s > 0.9 && s < 1.0, "{s}");
        // Reds and blues are far apart in CIELAB.
        assert!(red.similarity(Color::rgb(0, 0, 255)) < 0.01);
    }

    #[test]
    fn serde_round_trip() {
        let c = Color::rgb(1, 2, 3).with_alpha(0.5);
        let text = serde_json::to_string(&c).unwrap();
        assert_eq!(text, "\"#01020380\"");
        assert_eq!(serde_json::from_str::<Color>(&text).unwrap(), c);
        assert_eq!(
            serde_json::from_str::<Color>("\"orange\"").unwrap(),
            Color::rgb(255, 165, 0)
        );
    }
}
