//! Results on stdout: text for people, or one JSON document with `--json`.

use serde_json::Value;

/// How results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// `--json`.
    pub json: bool,
}

impl Output {
    /// Prints `value` with `--json`, else the text `text` makes.
    pub fn result(&self, value: &Value, text: impl FnOnce() -> String) {
        if self.json {
            println!("{}", pretty(value));
        } else {
            let text = text();
            if !text.is_empty() {
                println!("{}", text.trim_end());
            }
        }
    }

    /// A progress or status line for people, on stderr.
    pub fn note(&self, line: impl AsRef<str>) {
        eprintln!("{}", line.as_ref());
    }
}

/// Pretty JSON (serialising a `Value` cannot fail; an empty string if it did).
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
