//! Printing verdicts as a table, and writing them as JSON, JUnit XML or
//! Markdown for autograders, CI systems and the learner's feedback.
//!
//! Every message in a report is cut at [`REPORT_MESSAGE_LIMIT`], so that a
//! program that prints without end cannot make a report large.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::runner::{Verdict, cut};

/// The longest message a report holds for one exercise.
pub const REPORT_MESSAGE_LIMIT: usize = 2 * 1024;

/// What a report says besides the verdicts: when, and of which code.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Seconds since 1970 (UTC) when grading started.
    pub timestamp: u64,
    /// The commit graded, when the code is a git repository.
    pub commit: Option<String>,
    /// Who or what was graded: a student's folder name, say.
    pub subject: Option<String>,
}

impl Context {
    /// A context stamped now.
    pub fn now(commit: Option<String>, subject: Option<String>) -> Context {
        let timestamp =
            SystemTime::now().duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or(0);
        Context { timestamp, commit, subject }
    }

    /// The timestamp as `2026-11-30T09:50:00` (UTC, without a zone, as
    /// the JUnit schema wants it).
    pub fn time_of_day(&self) -> String {
        let days = (self.timestamp / 86_400) as i64;
        let seconds = self.timestamp % 86_400;
        let (year, month, day) = civil_from_days(days);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    }

    /// The timestamp in RFC 3339 form, `2026-11-30T09:50:00Z`.
    pub fn rfc3339(&self) -> String {
        format!("{}Z", self.time_of_day())
    }
}

/// The calendar date of a day counted from 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for the proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The first line of a message, for a one-line table cell.
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}

fn report_message(message: &str) -> String {
    cut(message, REPORT_MESSAGE_LIMIT)
}

/// Points: one per exercise that passes.
pub fn points(verdicts: &[Verdict]) -> usize {
    verdicts.iter().filter(|verdict| verdict.passed).count()
}

/// A table with one row per exercise: id, title, result, and why.
pub fn table(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<6} {:<32} {:<6} why", "id", "exercise", "result");
    for verdict in verdicts {
        let result = if verdict.passed { "pass" } else { "FAIL" };
        let why = if verdict.passed { "" } else { first_line(&verdict.message) };
        let why = cut(why, 200);
        let _ = writeln!(
            out,
            "{:<6} {:<32} {:<6} {why}",
            verdict.exercise.id, verdict.exercise.title, result
        );
    }
    let _ = writeln!(out, "{} of {} exercises pass", points(verdicts), verdicts.len());
    out
}

/// The verdicts as a JSON document: `{"points": 3, "max_points": 23,
/// "passed": 3, "total": 23, "commit": "…", "timestamp": "…",
/// "exercises": [{"id": "1.1", …}]}`.
pub fn json(verdicts: &[Verdict], context: &Context) -> String {
    let points = points(verdicts);
    let mut out = format!(
        "{{\n  \"points\": {points},\n  \"max_points\": {},\n  \"passed\": {points},\n  \"total\": {},\n  \"commit\": {},\n  \"timestamp\": {},\n  \"subject\": {},\n  \"exercises\": [",
        verdicts.len(),
        verdicts.len(),
        json_option(context.commit.as_deref()),
        json_string(&context.rfc3339()),
        json_option(context.subject.as_deref()),
    );
    for (index, verdict) in verdicts.iter().enumerate() {
        let separator = if index == 0 { "" } else { "," };
        let _ = write!(
            out,
            "{separator}\n    {{\"id\": {}, \"name\": {}, \"title\": {}, \"passed\": {}, \"points\": {}, \"max_points\": 1, \"message\": {}, \"seconds\": {:.3}}}",
            json_string(verdict.exercise.id),
            json_string(verdict.exercise.name),
            json_string(verdict.exercise.title),
            verdict.passed,
            u8::from(verdict.passed),
            json_string(&report_message(&verdict.message)),
            verdict.duration.as_secs_f64()
        );
    }
    out.push_str("\n  ]\n}\n");
    out
}

/// `null`, or the text as a JSON string.
pub fn json_option(text: Option<&str>) -> String {
    text.map_or_else(|| "null".to_string(), json_string)
}

/// The text as a JSON string, quoted and escaped.
pub fn json_string(text: &str) -> String {
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
/// Actions, GitLab, Jenkins and most autograders can read. It follows the
/// common JUnit schema (Windy Road's `JUnit.xsd`, from Ant's JUnit task):
/// every attribute and element that schema requires is there, a failed
/// check is a `<failure>`, and a check that crashed is an `<error>`.
pub fn junit(verdicts: &[Verdict], context: &Context) -> String {
    let crashed = |verdict: &Verdict| verdict.message.starts_with("the check itself crashed");
    let errors = verdicts.iter().filter(|verdict| crashed(verdict)).count();
    let failures = verdicts.iter().filter(|verdict| !verdict.passed).count() - errors;
    let seconds: f64 = verdicts.iter().map(|verdict| verdict.duration.as_secs_f64()).sum();
    let name = match &context.subject {
        Some(subject) => format!("netlessons exercises of {subject}"),
        None => "netlessons exercises".to_string(),
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites><testsuite package=\"netlessons\" id=\"0\" name=\"{}\" timestamp=\"{}\" hostname=\"localhost\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{seconds:.3}\">",
        xml(&name),
        context.time_of_day(),
        verdicts.len()
    );
    out.push_str("  <properties>\n");
    let _ = writeln!(out, "    <property name=\"points\" value=\"{}\"/>", points(verdicts));
    let _ = writeln!(out, "    <property name=\"max_points\" value=\"{}\"/>", verdicts.len());
    let _ = writeln!(out, "    <property name=\"timestamp\" value=\"{}\"/>", context.rfc3339());
    if let Some(commit) = &context.commit {
        let _ = writeln!(out, "    <property name=\"commit\" value=\"{}\"/>", xml(commit));
    }
    out.push_str("  </properties>\n");
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
            let element = if crashed(verdict) { "error" } else { "failure" };
            let message = report_message(&verdict.message);
            let _ = writeln!(
                out,
                "><{element} type=\"check\" message=\"{}\">{}</{element}></testcase>",
                xml(&cut(first_line(&message), 200)),
                xml(&message)
            );
        }
    }
    out.push_str("  <system-out/>\n  <system-err/>\n</testsuite></testsuites>\n");
    out
}

/// The verdicts as Markdown: points, then a table, then each failure's
/// explanation. GitHub shows it on a workflow run's summary page.
pub fn markdown(verdicts: &[Verdict], context: &Context) -> String {
    let mut out = format!("## Exercises: {} of {} points\n\n", points(verdicts), verdicts.len());
    if let Some(commit) = &context.commit {
        let _ = writeln!(out, "Commit `{commit}`, graded {}.\n", context.rfc3339());
    }
    out.push_str("| exercise | result |\n|---|---|\n");
    for verdict in verdicts {
        let result = if verdict.passed { "pass" } else { "**not yet**" };
        let _ = writeln!(
            out,
            "| {} {} | {result} |",
            verdict.exercise.id,
            verdict.exercise.title.replace('|', "/")
        );
    }
    for verdict in verdicts.iter().filter(|verdict| !verdict.passed) {
        let _ = write!(
            out,
            "\n### {} {}\n\n```text\n{}\n```\n\nStuck? `just hint {}` shows a hint.\n",
            verdict.exercise.id,
            verdict.exercise.title,
            report_message(&verdict.message).replace("```", "'''"),
            verdict.exercise.id
        );
    }
    out
}

/// The text with XML's special characters escaped.
pub fn xml(text: &str) -> String {
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

    /// Timestamps are UTC calendar dates: the epoch, a leap day, and a
    /// day long after.
    #[test]
    fn timestamps() {
        let at = |timestamp| Context { timestamp, ..Context::default() };
        assert_eq!(at(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400).time_of_day(), "2000-02-29T00:00:00");
        assert_eq!(at(1_796_031_045).rfc3339(), "2026-11-30T09:30:45Z");
    }
}
