//! Printing verdicts as a table, and writing them as JSON or JUnit XML for
//! autograders and CI systems.

use std::fmt::Write as _;

use crate::runner::Verdict;

/// The first line of a message, for a one-line table cell.
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}

/// A table with one row per exercise: id, title, result, and why.
pub fn table(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<6} {:<32} {:<6} why", "id", "exercise", "result");
    for verdict in verdicts {
        let result = if verdict.passed { "pass" } else { "FAIL" };
        let why = if verdict.passed { "" } else { first_line(&verdict.message) };
        let _ = writeln!(
            out,
            "{:<6} {:<32} {:<6} {why}",
            verdict.exercise.id, verdict.exercise.title, result
        );
    }
    let passed = verdicts.iter().filter(|verdict| verdict.passed).count();
    let _ = writeln!(out, "{passed} of {} exercises pass", verdicts.len());
    out
}

/// The verdicts as a JSON document:
/// `{"passed": 3, "total": 23, "exercises": [{"id": "1.1", ...}]}`.
pub fn json(verdicts: &[Verdict]) -> String {
    let passed = verdicts.iter().filter(|verdict| verdict.passed).count();
    let mut out = format!(
        "{{\n  \"passed\": {passed},\n  \"total\": {},\n  \"exercises\": [",
        verdicts.len()
    );
    for (index, verdict) in verdicts.iter().enumerate() {
        let separator = if index == 0 { "" } else { "," };
        let _ = write!(
            out,
            "{separator}\n    {{\"id\": {}, \"name\": {}, \"title\": {}, \"passed\": {}, \"message\": {}, \"seconds\": {:.3}}}",
            json_string(verdict.exercise.id),
            json_string(verdict.exercise.name),
            json_string(verdict.exercise.title),
            verdict.passed,
            json_string(&verdict.message),
            verdict.duration.as_secs_f64()
        );
    }
    out.push_str("\n  ]\n}\n");
    out
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The verdicts as JUnit XML, one test case per exercise, which GitHub
/// Actions, GitLab, Jenkins and most autograders can read.
pub fn junit(verdicts: &[Verdict]) -> String {
    let failures = verdicts.iter().filter(|verdict| !verdict.passed).count();
    let seconds: f64 = verdicts.iter().map(|verdict| verdict.duration.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites><testsuite name=\"netlessons exercises\" tests=\"{}\" failures=\"{failures}\" time=\"{seconds:.3}\">",
        verdicts.len()
    );
    for verdict in verdicts {
        let _ = write!(
            out,
            "  <testcase classname=\"lesson {}\" name=\"{} {}\" time=\"{:.3}\"",
            verdict.exercise.lesson(),
            xml(verdict.exercise.id),
            xml(verdict.exercise.title),
            verdict.duration.as_secs_f64()
        );
        if verdict.passed {
            out.push_str("/>\n");
        } else {
            let _ = writeln!(
                out,
                "><failure message=\"{}\">{}</failure></testcase>",
                xml(first_line(&verdict.message)),
                xml(&verdict.message)
            );
        }
    }
    out.push_str("</testsuite></testsuites>\n");
    out
}

fn xml(text: &str) -> String {
    let mut out = String::new();
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JSON strings escape quotes, backslashes and control characters.
    #[test]
    fn json_escapes() {
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    /// XML escapes markup and drops characters XML cannot carry.
    #[test]
    fn xml_escapes() {
        assert_eq!(xml("<a & 'b'>\u{1}"), "&lt;a &amp; &apos;b&apos;&gt;?");
    }
}
