//! The gradebook of a class: one row per student, one column per exercise,
//! as CSV (for a spreadsheet) and JSON (for scripts).

use std::fmt::Write as _;

use crate::Exercise;
use crate::report::{json_option, json_string, points};
use crate::submission::Graded;

/// The gradebook as CSV: `student,commit,timestamp,0.1,0.2,…,total,max_points,warnings`.
pub fn csv(exercises: &[&Exercise], students: &[Graded]) -> String {
    let mut header = vec!["student".to_string(), "commit".to_string(), "timestamp".to_string()];
    header.extend(exercises.iter().map(|exercise| exercise.id.to_string()));
    header.extend(["total".to_string(), "max_points".to_string(), "warnings".to_string()]);
    let mut out = csv_row(&header);
    for graded in students {
        let mut row = vec![
            graded.student.clone(),
            graded.context.commit.clone().unwrap_or_default(),
            graded.context.rfc3339(),
        ];
        row.extend(graded.verdicts.iter().map(|verdict| u8::from(verdict.passed).to_string()));
        row.push(points(&graded.verdicts).to_string());
        row.push(graded.verdicts.len().to_string());
        row.push(graded.warnings.len().to_string());
        out.push_str(&csv_row(&row));
    }
    out
}

fn csv_row(fields: &[String]) -> String {
    let quoted: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
    format!("{}\n", quoted.join(","))
}

/// A CSV field: quoted when it holds a comma, quote or line end, and
/// defused when a spreadsheet would take it for a formula.
fn csv_field(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) {
        format!("'{field}")
    } else {
        field.to_string()
    };
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

/// The gradebook as JSON: the exercises, then one object per student with
/// points per exercise, total, maximum, commit, timestamp and warnings.
pub fn json(exercises: &[&Exercise], students: &[Graded]) -> String {
    let ids: Vec<String> = exercises.iter().map(|exercise| json_string(exercise.id)).collect();
    let mut out = format!(
        "{{\n  \"max_points\": {},\n  \"exercises\": [{}],\n  \"students\": [",
        exercises.len(),
        ids.join(", ")
    );
    for (index, graded) in students.iter().enumerate() {
        let separator = if index == 0 { "" } else { "," };
        let per_exercise: Vec<String> = graded
            .verdicts
            .iter()
            .map(|verdict| {
                format!("{}: {}", json_string(verdict.exercise.id), u8::from(verdict.passed))
            })
            .collect();
        let warnings: Vec<String> =
            graded.warnings.iter().map(|warning| json_string(warning)).collect();
        let _ = write!(
            out,
            "{separator}\n    {{\"student\": {}, \"commit\": {}, \"timestamp\": {}, \"points\": {{{}}}, \"total\": {}, \"max_points\": {}, \"seconds\": {:.1}, \"warnings\": [{}]}}",
            json_string(&graded.student),
            json_option(graded.context.commit.as_deref()),
            json_string(&graded.context.rfc3339()),
            per_exercise.join(", "),
            points(&graded.verdicts),
            graded.verdicts.len(),
            graded.duration.as_secs_f64(),
            warnings.join(", ")
        );
    }
    out.push_str("\n  ]\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CSV fields with commas, quotes or formulas are quoted and defused.
    #[test]
    fn csv_fields() {
        assert_eq!(csv_field("ada"), "ada");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
    }
}
